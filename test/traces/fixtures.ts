// Small trace files and items for the trace-store tests.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { hashJson } from "../../harness/hash.ts";
import type { Item } from "../../harness/types.ts";

export interface RawTrace {
  id: string | number;
  lang?: string;
  source_dataset: string;
  source_question_id: string | number;
  split?: string;
  question: string;
  options: string[] | Record<string, string>;
  answer: string | number;
  reasoning: string;
  vector?: number[];
}

export function trace(id: string | number, lang: string, question: string, extra: Partial<RawTrace> = {}): RawTrace {
  return {
    id,
    lang,
    source_dataset: "medqa",
    source_question_id: `train-${id}`,
    question,
    options: ["first option", "second option", "third option", "fourth option"],
    answer: "B",
    reasoning: `Reasoning for ${id}: weigh each option against the findings.`,
    ...extra,
  };
}

export { writeJsonl } from "../helpers.ts";

export function item(id: string, lang: string, question: string, options = ["alpha", "beta", "gamma", "delta"]): Item {
  return { id, lang, question, options, answer: 0, hash: hashJson({ question, options, answer: 0 }) };
}

/** Filler questions with distinct vocabulary per index, so BM25 has something to rank. */
const TOPICS: Record<string, string[]> = {
  en: ["fever and cough in a child", "fracture of the femur after a fall", "chest pain radiating to the arm", "itchy rash on both hands", "sudden loss of vision in one eye", "jaundice with dark urine", "swollen painful knee joint", "persistent headache in the morning"],
  it: ["febbre e tosse in un bambino", "frattura del femore dopo una caduta", "dolore toracico irradiato al braccio", "eruzione pruriginosa alle mani", "perdita improvvisa della vista", "ittero con urine scure", "ginocchio gonfio e dolente", "cefalea persistente al mattino"],
  es: ["fiebre y tos en un niño", "fractura de fémur tras una caída", "dolor torácico irradiado al brazo", "erupción con picor en las manos", "pérdida súbita de visión", "ictericia con orina oscura", "rodilla hinchada y dolorosa", "cefalea persistente por la mañana"],
};

export function fillerTraces(lang: string, n: number): RawTrace[] {
  const topics = TOPICS[lang];
  return Array.from({ length: n }, (_, i) => trace(`${lang}-${i}`, lang, `Case ${i}: ${topics[i % topics.length]} (variant ${Math.floor(i / topics.length)})`));
}

const ROOT = resolve(import.meta.dirname, "..", "..");

/** The real CLI with MEDEVAL_HOME set: its exit code and output. */
export function medeval(args: string[], home: string) {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "harness", "cli.ts"), ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, MEDEVAL_HOME: home } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
