// Run folders with samples shaped like the runner's (a system prompt, the question rendered
// by the project's template, replies of every status, read by the project's extractor), for
// the viewer's tests and bench.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { instructionFor, renderQuestion } from "../../harness/prompts/templates.ts";
import { extractAnswer } from "../../harness/scoring/extract.ts";
import { LETTERS, type RunRecord, type Sample } from "../../harness/types.ts";
import { taskMeta } from "../report/make-run.ts";

export const OPTIONS = ["Aspirin", "Heparin", "Warfarin", "Dabigatran"];
const SUBJECTS = ["cardiology", "nephrology", "pharmacology"];

export interface ViewRunOptions {
  runId: string;
  model: string;
  task: string;
  n: number;
  /** Shifts which items a run gets right, so two runs disagree on some. */
  skill?: number;
  complete?: boolean;
  scoring?: "generative" | "loglikelihood";
  /** A batch import: the checkpoint was given by the user, not read from the server. */
  checkpointGiven?: boolean;
}

/** Item i's reply: which kind of answer, and the letter it names. */
function reply(i: number, letter: string): { content: string | null; reasoning: string | null; finish: string | null; error?: string } {
  switch (i % 10) {
    case 7:
      return { content: `Both heparin and warfarin seem plausible for item q${i}. I cannot decide between B and C.`, reasoning: null, finish: "stop" };
    case 8:
      return { content: `<think>Considering the anticoagulants for q${i} one by one`, reasoning: null, finish: "length" };
    case 9:
      return i % 20 === 9 ? { content: null, reasoning: null, finish: null, error: "HTTP 503 after 5 attempts" } : { content: `Renal function matters here. So the answer is (${letter}).`, reasoning: "INR is high.", finish: "stop" };
    default:
      return { content: `The INR is 4.2 and creatinine is rising for q${i}.\nAnswer: ${letter}\nNote: option B is a distractor.`, reasoning: `Thinking about q${i}.`, finish: "stop" };
  }
}

export function viewSample(task: string, i: number, opts: { skill: number; scoring: "generative" | "loglikelihood" }): Sample {
  const lang = taskMeta(task).lang;
  const gold = LETTERS[i % 4]!;
  const right = (i * 7 + opts.skill) % 10 < 6;
  const chosen = right ? gold : LETTERS[(i + 1) % 4]!;
  const question = { question: `A 70-year-old with atrial fibrillation (case q${i}) needs anticoagulation. Which drug?`, options: OPTIONS, lang };
  const messages = [
    { role: "system" as const, content: "You are a medical expert." },
    { role: "user" as const, content: `${renderQuestion(question)}\n\n${instructionFor("cot", lang, OPTIONS.length)}` },
  ];
  const base = { task, item_id: `q${i}`, item_hash: `h-q${i}`, lang, subject: SUBJECTS[i % 3], messages, gold, latency_ms: 100 + ((i * 37) % 900), attempts: 1 + (i % 3 === 0 ? 1 : 0), endpoint: "http://127.0.0.1:8000/v1", finished_at: "2025-01-01T00:00:00.000Z" };
  if (opts.scoring === "loglikelihood") {
    const logprobs = OPTIONS.map((_, k) => (LETTERS[k] === chosen ? -1 : -3 - k));
    return { ...base, content: null, reasoning: null, finish_reason: null, usage: { prompt_tokens: 80, completion_tokens: 0, total_tokens: 80 }, answer: chosen, status: "logprob", correct: chosen === gold, scores: { scoring: "loglikelihood", logprobs } };
  }
  const r = reply(i, chosen);
  if (r.error) return { ...base, content: null, reasoning: null, finish_reason: null, usage: null, answer: null, status: "error", correct: false, error: r.error };
  const x = extractAnswer({ content: r.content, reasoning: r.reasoning, finishReason: r.finish, options: OPTIONS, lang });
  const completion = 20 + ((i * 13) % 400);
  return {
    ...base,
    content: r.content,
    reasoning: r.reasoning,
    finish_reason: r.finish,
    usage: { prompt_tokens: 120, completion_tokens: completion, total_tokens: 120 + completion },
    answer: x.letter,
    status: x.status,
    correct: x.letter === gold,
    scores: { rule: x.rule },
  };
}

/** Writes `<dir>/<runId>/run.json` and `samples.jsonl`; returns the run folder. */
export function makeViewRun(dir: string, opts: ViewRunOptions): string {
  const runDir = join(dir, opts.runId);
  mkdirSync(runDir, { recursive: true });
  const scoring = opts.scoring ?? "generative";
  const samples = Array.from({ length: opts.n }, (_, i) => viewSample(opts.task, i, { skill: opts.skill ?? 0, scoring }));
  const record: RunRecord = {
    schema_version: 1,
    run_id: opts.runId,
    spec_hash: `spec-${opts.runId}`,
    spec: {
      model: opts.model,
      served_model: opts.model,
      base_urls: ["http://127.0.0.1:8000/v1"],
      setting: "zero-shot",
      scoring,
      prompt_style: "cot",
      prompt_template_hash: "tmpl",
      params: { temperature: 0 },
      tasks: [opts.task],
      limit: null,
      seed: 0,
      shard: null,
      fewshot: null,
    },
    harness: { version: "0.1.0", git_commit: null, node: process.version },
    sources: [],
    server: { models: { object: "list", data: [{ id: opts.model, object: "model", root: `/models/${opts.model}`, max_model_len: 8192 }] }, version: null, ...(opts.checkpointGiven ? { queried_live: false } : {}) },
    bootstrap: { resamples: 200, seed: 0, level: 0.95 },
    timing: { started_at: "2025-01-01T00:00:00.000Z", finished_at: opts.complete === false ? null : "2025-01-01T01:00:00.000Z", wall_seconds: null },
    usage: { prompt_tokens: 0, completion_tokens: 0, requests: samples.length, cached: 0 },
    complete: opts.complete ?? true,
    // An unfinished run has no task summaries yet: the reader resolves the task from its id.
    tasks: opts.complete === false ? [] : [{ task: opts.task, ...taskMeta(opts.task), n: opts.n, scored: 0, correct: 0, accuracy: null, ci_low: null, ci_high: null, strict: 0, lenient: 0, option_text: 0, logprob: 0, unparsed: 0, truncated: 0, context_overflow: 0, errors: 0 }],
  };
  writeFileSync(join(runDir, "run.json"), `${JSON.stringify(record, null, 2)}\n`);
  writeFileSync(join(runDir, "samples.jsonl"), samples.map((s) => `${JSON.stringify(s)}\n`).join(""));
  return runDir;
}
