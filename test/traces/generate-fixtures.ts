// What the trace-generation tests share: a small MedQA-shaped pool with a corpus that holds one
// passage per question (its words, and a GOLD=<letter> marker the grounded fake reads), the CLI
// run asynchronously (the fake server lives in the test's own process), and the counts a run
// must report, computed from the fake's rule.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { importCorpus } from "../../harness/corpus/import.ts";
import { CorpusStore } from "../../harness/corpus/store.ts";
import { groundedVerdict, type GroundedOptions } from "../fake-vllm/grounded.ts";
import { tempDir, writeJsonl } from "../helpers.ts";


const ORGANS = ["kidney", "liver", "lung", "heart", "thyroid", "pancreas", "spleen", "adrenal", "pituitary", "retina", "bone", "skin"];
const LETTERS = ["A", "B", "C", "D"];

export interface PoolItem {
  question: string;
  options: Record<string, string>;
  answer_idx: string;
}

/** n questions, each about its own organ, the gold letters cycling A…D. */
export function poolItems(n: number): PoolItem[] {
  return Array.from({ length: n }, (_, i) => {
    const organ = ORGANS[i % ORGANS.length];
    return {
      question: `Case ${i}: a patient presents with a disorder of the ${organ} (marker${i}). Which treatment is most appropriate?`,
      options: { A: `Therapy ${i}a`, B: `Therapy ${i}b`, C: `Therapy ${i}c`, D: `Therapy ${i}d` },
      answer_idx: LETTERS[i % 4],
    };
  });
}

/** n test questions unlike any pool question (a pool question reworded would be a near copy the leakage guard leaves out). */
export function testItems(n: number): PoolItem[] {
  return Array.from({ length: n }, (_, i) => ({
    question: `Test ${i}: which vitamin is lacking in a child with bowed legs and widened wrists (tmark${i})?`,
    options: { A: `Vitamin ${i}a`, B: `Vitamin ${i}b`, C: `Vitamin ${i}c`, D: `Vitamin ${i}d` },
    answer_idx: LETTERS[i % 4],
  }));
}

/** A data dir laid out like ../shared/datasets for medqa.en: dev.jsonl is the pool, test.jsonl other questions (and `alsoInTest` of the pool's). */
export function medqaDataDir(items: PoolItem[], alsoInTest: PoolItem[] = []): string {
  const data = tempDir("medeval-gen-data-");
  mkdirSync(join(data, "medqa", "4_options"), { recursive: true });
  writeFileSync(join(data, "medqa", "4_options", "dev.jsonl"), items.map((i) => JSON.stringify(i)).join("\n") + "\n");
  writeFileSync(join(data, "medqa", "4_options", "test.jsonl"), [...testItems(2), ...alsoInTest].map((i) => JSON.stringify(i)).join("\n") + "\n");
  return data;
}

/** Passage q<i> per question (its marker word, and the gold), plus filler passages retrieval must pass over. */
export async function markedCorpus(items: PoolItem[], name = "medwiki"): Promise<string> {
  const dir = join(tempDir("medeval-gen-corpus-"), "corpus");
  const src = tempDir();
  const rows = [
    ...items.map((item, i) => ({ id: `q${i}`, title: `Note ${i}`, text: `Disorders of this kind (marker${i}) respond to one therapy. GOLD=${item.answer_idx}`, language: "en" })),
    ...Array.from({ length: 20 }, (_, i) => ({ id: `filler${i}`, title: "Filler", text: `General remarks on anatomy number ${i} and physiology.`, language: "en" })),
  ];
  const store = await CorpusStore.open(dir);
  try {
    await importCorpus(store, writeJsonl(src, "passages.jsonl", rows), { name });
  } finally {
    store.close();
  }
  return dir;
}

export interface Expected {
  kept: number;
  unkept: number;
  attempts: number;
  wrong_answer: number;
  no_answer: number;
  /** The kept attempt (1-based) per question index, or null. */
  keptAttempt: (number | null)[];
}

/** What rejection sampling must report for these questions under the fake's rule. */
export function expectedCounts(items: PoolItem[], opts: GroundedOptions, seed: number, attempts: number): Expected {
  const e: Expected = { kept: 0, unkept: 0, attempts: 0, wrong_answer: 0, no_answer: 0, keptAttempt: [] };
  for (const item of items) {
    let kept: number | null = null;
    for (let a = 0; a < attempts && kept === null; a++) {
      e.attempts++;
      const verdict = groundedVerdict(seed + a, item.question, opts);
      if (verdict === "right") kept = a + 1;
      else if (verdict === "wrong") e.wrong_answer++;
      else e.no_answer++;
    }
    e.keptAttempt.push(kept);
    if (kept === null) e.unkept++;
    else e.kept++;
  }
  return e;
}

export { MEDEVAL_BIN as CLI, medevalAsync as medeval } from "../helpers.ts";
