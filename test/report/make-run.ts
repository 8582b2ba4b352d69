// Builds run folders (run.json + samples.jsonl) with known correctness, for tests of
// anything that reads results. Task metadata follows the task ids: family = first part,
// lang = last part, MedQA/MedMCQA in-domain, MMLU-medical subjects in group mmlu_medical.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FewShotSpec, RunRecord, Sample, SampleStatus, ScoringMode, Setting, TaskSummary } from "../../harness/types.ts";

export interface MakeRunOptions {
  model: string;
  setting: Setting;
  /** Per task id, correctness of items 0, 1, 2, … (item ids `q0`, `q1`, …). */
  tasks: Record<string, boolean[]>;
  scoring?: ScoringMode;
  promptStyle?: string;
  runId?: string;
  /** Per task id, statuses to give items by index (default "strict"); "error" items are unscored. */
  statuses?: Record<string, Record<number, SampleStatus>>;
  /** Per task id, item ids to use instead of q0, q1, … */
  itemIds?: Record<string, string[]>;
  /** Per task id, item hashes to use instead of h-<id> (to simulate changed data). */
  itemHashes?: Record<string, Record<string, string>>;
  bootstrap?: { resamples: number; seed: number; level: number };
  startedAt?: string;
  /** Append these raw lines to samples.jsonl after the samples (duplicates, torn lines). */
  extraLines?: string[];
  /** Leave run.json's task summaries empty, as an interrupted run does. */
  noSummaries?: boolean;
  /** spec.fewshot as the runner writes it ({ k, method, trace_lang, format, store }). */
  fewshot?: FewShotSpec;
  /** spec.params (default { temperature: 0 }). */
  params?: Record<string, unknown>;
  /** The weights vLLM's /v1/models names behind the served model (default: no /v1/models record). */
  servedRoot?: string;
  /** spec.shard: a run of --shard index/count. */
  shard?: { index: number; count: number };
}

export function taskMeta(task: string): Pick<TaskSummary, "family" | "lang" | "domain" | "group"> {
  const parts = task.split(".");
  const family = parts[0];
  return {
    family,
    lang: parts.at(-1)!,
    domain: family === "medqa" || family === "medmcqa" ? "in-domain" : "out-of-domain",
    ...(family === "mmlu_medical" ? { group: "mmlu_medical" } : {}),
  };
}

export function makeSample(task: string, itemId: string, correct: boolean, status: SampleStatus = "strict", itemHash = `h-${itemId}`): Sample {
  const errored = status === "error";
  return {
    task,
    item_id: itemId,
    item_hash: itemHash,
    lang: taskMeta(task).lang,
    messages: [{ role: "user", content: `question ${itemId}` }],
    content: errored ? null : `Answer: ${correct ? "A" : "B"}`,
    reasoning: null,
    finish_reason: errored ? null : "stop",
    usage: errored ? null : { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 },
    answer: errored ? null : correct ? "A" : "B",
    gold: "A",
    status,
    correct: errored ? false : correct,
    ...(errored ? { error: "HTTP 503 after 5 attempts" } : {}),
    latency_ms: 12,
    attempts: 1,
    finished_at: "2025-01-01T00:00:00.000Z",
  };
}

/** Writes `<dir>/<runId>/run.json` and `samples.jsonl`; returns the run folder. */
export function makeRun(dir: string, opts: MakeRunOptions): string {
  const scoring = opts.scoring ?? "generative";
  const runId = opts.runId ?? `${opts.model}-${opts.setting}-${scoring}-${Object.keys(opts.tasks).join("+")}`.replace(/[^\w.+-]/g, "_");
  const runDir = join(dir, runId);
  mkdirSync(runDir, { recursive: true });
  const samples: Sample[] = [];
  const summaries: TaskSummary[] = [];
  for (const [task, outcomes] of Object.entries(opts.tasks)) {
    const ids = opts.itemIds?.[task] ?? outcomes.map((_, i) => `q${i}`);
    const counts = { strict: 0, unparsed: 0, reasoning_only: 0, truncated: 0, context_overflow: 0, error: 0, lenient: 0, option_text: 0, logprob: 0 };
    let correct = 0;
    outcomes.forEach((ok, i) => {
      const status = opts.statuses?.[task]?.[i] ?? "strict";
      const sample = makeSample(task, ids[i], ok, status, opts.itemHashes?.[task]?.[ids[i]]);
      counts[status]++;
      if (sample.correct) correct++;
      samples.push(sample);
    });
    const scored = outcomes.length - counts.error;
    summaries.push({
      task,
      ...taskMeta(task),
      n: outcomes.length,
      scored,
      correct,
      accuracy: scored > 0 ? correct / scored : null,
      ci_low: null,
      ci_high: null,
      ...counts,
      errors: counts.error,
    } as TaskSummary);
  }
  const record: RunRecord = {
    schema_version: 1,
    run_id: runId,
    spec_hash: `spec-${runId}`,
    spec: {
      model: opts.model,
      served_model: opts.model,
      base_urls: ["http://127.0.0.1:8000/v1"],
      setting: opts.setting,
      scoring,
      prompt_style: opts.promptStyle ?? "cot",
      prompt_template_hash: "tmpl",
      params: opts.params ?? { temperature: 0 },
      tasks: Object.keys(opts.tasks),
      limit: null,
      seed: 0,
      shard: opts.shard ?? null,
      fewshot: opts.fewshot ?? null,
    },
    harness: { version: "0.1.0", git_commit: null, node: process.version },
    sources: [],
    server: {
      models: opts.servedRoot ? { object: "list", data: [{ id: opts.model, object: "model", root: opts.servedRoot, max_model_len: 8192 }] } : null,
      version: null,
    },
    bootstrap: opts.bootstrap ?? { resamples: 1000, seed: 0, level: 0.95 },
    timing: { started_at: opts.startedAt ?? "2025-01-01T00:00:00.000Z", finished_at: null, wall_seconds: null },
    usage: { prompt_tokens: 0, completion_tokens: 0, requests: samples.length, cached: 0 },
    complete: true,
    tasks: opts.noSummaries ? [] : summaries,
  };
  writeFileSync(join(runDir, "run.json"), `${JSON.stringify(record, null, 2)}\n`);
  const lines = samples.map((s) => JSON.stringify(s)).join("\n") + "\n";
  writeFileSync(join(runDir, "samples.jsonl"), lines + (opts.extraLines ?? []).join(""));
  return runDir;
}

/** n outcomes with exactly k correct, spread deterministically. */
export function outcomes(n: number, k: number): boolean[] {
  return Array.from({ length: n }, (_, i) => Math.floor(((i + 1) * k) / n) > Math.floor((i * k) / n));
}
