// The leakage guard's question rule over a whole test split (QuestionIndex): the same answers
// as comparing every pair with questionMatch, fast enough for a 10k pool against a 1.3k test
// split, and the near copy between the real MedQA dev pool and test split left out of generation.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import seedrandom from "seedrandom";
import { describe, expect, it } from "vitest";
import { normalizedQuestion, questionMatch } from "../../harness/traces/guard.ts";
import { QuestionIndex } from "../../harness/traces/near-duplicates.ts";
import { withoutTestQuestions } from "../../harness/generate/job.ts";
import { loadItems, loadRegistry } from "../../harness/tasks/index.ts";
import type { Item } from "../../harness/types.ts";
import { hasSharedDatasets, SHARED_DATASETS, SKIP_SHARED_REASON } from "../helpers.ts";

const VOCABULARY = Array.from({ length: 2000 }, (_, i) => `w${i}`);

/** n questions of `length` words each, drawn from the first `words` of a vocabulary (few: overlaps of every size occur). */
function madeUp(n: number, length: number, seed: number, words = 60): string[] {
  const next = seedrandom(`near-duplicates:${seed}`);
  return Array.from({ length: n }, () => Array.from({ length }, () => VOCABULARY[Math.floor(next() * words)]).join(" "));
}

/** `q` with `k` of its words replaced by fresh ones. */
function reworded(q: string, k: number, tag: string): string {
  const words = q.split(" ");
  for (let i = 0; i < k; i++) words[(i * 7) % words.length] = `${tag}x${i}`;
  return words.join(" ");
}

const item = (id: string, question: string): Item => ({ id, question, options: ["a", "b"], answer: 0, lang: "en", hash: id });

describe("QuestionIndex", () => {
  it("calls exactly the pairs questionMatch calls the same or near duplicates, whatever their lengths", () => {
    const tests = [...madeUp(60, 8, 1), ...madeUp(60, 30, 2), ...madeUp(20, 120, 3)];
    const pool = [
      ...tests.map((t, i) => reworded(t, i % 6, `p${i}`)),
      ...madeUp(100, 8, 4),
      ...madeUp(100, 30, 5),
      ...tests.slice(0, 20).map((t) => `${t} extra words appended here to lower jaccard`),
      ...tests.slice(0, 10).map((t) => t.toUpperCase().replace(/ /g, ",  ")),
    ];
    const index = new QuestionIndex(tests);
    const normTests = tests.map(normalizedQuestion);
    const brute = (q: string) => {
      const nq = normalizedQuestion(q);
      const found = normTests.map((t) => questionMatch(t, nq));
      return found.includes("same_question") ? "same_question" : found.includes("near_duplicate") ? "near_duplicate" : null;
    };
    const expected = pool.map(brute);
    // The set must hold all three answers, or the comparison says little.
    const counts = (xs: (string | null)[]) => ({ same: xs.filter((x) => x === "same_question").length, near: xs.filter((x) => x === "near_duplicate").length, none: xs.filter((x) => x === null).length });
    expect(counts(expected).same).toBeGreaterThanOrEqual(10 + 140 / 6);
    expect(counts(expected).near).toBeGreaterThan(50);
    expect(counts(expected).none).toBeGreaterThan(100);
    expect(pool.map((q) => index.match(q))).toEqual(expected);
  });

  it("finds a reworded vignette (Jaccard) and one with its options appended (containment), and passes over stock phrasing", () => {
    const vignette = "A 67-year-old man comes to the emergency department because of crushing substernal chest pain that began two hours ago while he was shovelling snow. Which of the following is the most likely diagnosis?";
    const index = new QuestionIndex([vignette, "Which of the following is the most likely diagnosis of a painful red eye?"]);
    expect(index.match(vignette.replace("two hours", "three hours"))).toBe("near_duplicate");
    expect(index.match(`${vignette} Answer Choices: (A) Acute myocardial infarction (B) Aortic dissection (C) Pulmonary embolism (D) Pericarditis (E) Pneumothorax (F) Costochondritis`)).toBe("near_duplicate");
    expect(index.match(vignette.toUpperCase())).toBe("same_question");
    expect(index.match("Which of the following is the most likely diagnosis of a swollen knee after a fall?")).toBeNull();
  });

  it("checks a 10k pool against 1.3k test questions in seconds, not the minutes of every pair", () => {
    const tests = madeUp(1300, 60, 11, 2000).map((q, i) => `${q} case${i}`);
    const pool = [...madeUp(10_000, 60, 12, 2000), ...tests.slice(0, 50).map((t, i) => reworded(t, 5, `r${i}`))];
    const started = performance.now();
    const index = new QuestionIndex(tests);
    const leaks = pool.map((q) => index.match(q));
    const seconds = (performance.now() - started) / 1000;
    expect(leaks.slice(10_000).every((l) => l === "near_duplicate")).toBe(true);
    expect(leaks.filter((l) => l !== null).length).toBe(50);
    // Every pair by questionMatch takes over a minute here; the index must stay far below.
    expect(seconds).toBeLessThan(20);
  }, 60_000);

  it("counts what generation leaves out by reason", () => {
    const tests = new QuestionIndex(["Which nerve supplies the deltoid muscle in the adult arm?", madeUp(1, 40, 21)[0]]);
    const items = [
      item("1", "which nerve supplies the DELTOID muscle in the adult arm"),
      item("2", reworded(madeUp(1, 40, 21)[0], 3, "z")),
      item("3", "Which artery supplies the deltoid?"),
    ];
    const { clean, leftOut } = withoutTestQuestions(items, tests);
    expect(clean.map((i) => i.id)).toEqual(["3"]);
    expect(leftOut).toEqual({ same_question: 1, near_duplicate: 1 });
    expect(withoutTestQuestions(items, null)).toEqual({ clean: items, leftOut: null });
  });
});

describe.skipIf(!hasSharedDatasets)(`the real MedQA pool against its test split${hasSharedDatasets ? "" : ` (skipped: ${SKIP_SHARED_REASON})`}`, () => {
  it("leaves out the one dev question that is a near copy of a test question (dev line 126, test line 705)", async () => {
    const spec = loadRegistry(undefined, SHARED_DATASETS).get("medqa.en")!;
    const { items: pool } = await loadItems(spec, "pool", { dataDir: SHARED_DATASETS, offline: true });
    const { items: test } = await loadItems(spec, "test", { dataDir: SHARED_DATASETS, offline: true });
    const { clean, leftOut } = withoutTestQuestions(pool, new QuestionIndex(test.map((i) => i.question)));
    expect(leftOut).toEqual({ same_question: 0, near_duplicate: 1 });
    const dev = readFileSync(join(SHARED_DATASETS, "medqa", "4_options", "dev.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l).question as string);
    const left = pool.filter((p) => !clean.includes(p));
    expect(left.map((p) => p.question)).toEqual([dev[125]]);
    expect(left[0].question).toMatch(/^A 4-day-old, full-term infant born by uncomplicated vaginal delivery/);
  }, 60_000);
});
