// Writes run folders (run.json + samples.jsonl) with chosen per-item outcomes, for gate tests.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sha256 } from "../../harness/hash.ts";
import { RunRecordSchema, SampleSchema, type RunRecord, type Sample, type TaskSummary } from "../../harness/types.ts";

export interface FixtureTask {
  task: string;
  family?: string;
  lang?: string;
  domain?: TaskSummary["domain"];
  group?: string;
  /** Per item: true correct, false wrong, "error" the request failed. */
  outcomes: (boolean | "error")[];
  /** Item ids (default `${task}-0000i`). */
  ids?: string[];
  /** Changes every item's content hash (a changed dataset with the same ids). */
  contentSalt?: string;
  /** The first `count` items were answered from the response cache, under `identity` (none: a run made before the cache knew weights). */
  cached?: { count: number; identity?: string };
}

export interface FixtureRun {
  runId: string;
  model?: string;
  tasks: FixtureTask[];
  scoring?: RunRecord["spec"]["scoring"];
  complete?: boolean;
  /** run.json's errors_accepted; by default a run with "error" outcomes was finished with --accept-errors. */
  errorsAccepted?: boolean;
  promptStyle?: string;
}

export function itemIds(task: FixtureTask): string[] {
  return task.ids ?? task.outcomes.map((_, i) => `${task.task}-${String(i).padStart(5, "0")}`);
}

/** Outcomes with `correct` of n right, the rest wrong, in order. */
export function outcomes(n: number, correct: number): boolean[] {
  return Array.from({ length: n }, (_, i) => i < correct);
}

/** Flips the first `lose` correct items to wrong and the first `gain` wrong items to right. */
export function changed(base: readonly (boolean | "error")[], lose: number, gain: number): (boolean | "error")[] {
  const out = [...base];
  for (let i = 0; i < out.length && lose > 0; i++) if (out[i] === true) (out[i] = false), lose--;
  for (let i = 0; i < out.length && gain > 0; i++) if (out[i] === false && base[i] === false) (out[i] = true), gain--;
  if (lose > 0 || gain > 0) throw new Error("changed(): not enough items to flip");
  return out;
}

function summary(t: FixtureTask): TaskSummary {
  const n = t.outcomes.length;
  const errors = t.outcomes.filter((o) => o === "error").length;
  const correct = t.outcomes.filter((o) => o === true).length;
  const scored = n - errors;
  return {
    task: t.task,
    family: t.family ?? t.task.split(".")[0],
    lang: t.lang ?? t.task.split(".").at(-1)!,
    domain: t.domain ?? "in-domain",
    ...(t.group ? { group: t.group } : {}),
    n,
    scored,
    correct,
    accuracy: scored ? correct / scored : null,
    ci_low: null,
    ci_high: null,
    strict: correct,
    lenient: 0,
    option_text: 0,
    logprob: 0,
    unparsed: scored - correct,
    truncated: 0,
    context_overflow: 0,
    errors,
  };
}

export function buildRecord(run: FixtureRun): RunRecord {
  return RunRecordSchema.parse({
    schema_version: 1,
    run_id: run.runId,
    spec_hash: sha256(run.runId),
    spec: {
      model: run.model ?? run.runId,
      served_model: run.model ?? run.runId,
      base_urls: ["http://127.0.0.1:8000/v1"],
      setting: "zero-shot",
      scoring: run.scoring ?? "generative",
      prompt_style: run.promptStyle ?? "direct",
      prompt_template_hash: "t0",
      params: { temperature: 0, top_p: 1, max_tokens: 512, seed: 0 },
      tasks: run.tasks.map((t) => t.task),
      limit: null,
      seed: 0,
      shard: null,
      fewshot: null,
    },
    harness: { version: "0.1.0", git_commit: null, node: process.version },
    sources: run.tasks.map((t) => ({
      task: t.task,
      kind: "local",
      location: `/data/${t.task}`,
      files: [],
      items_hash: sha256(`${t.task}:${t.contentSalt ?? ""}`),
      n: t.outcomes.length,
    })),
    server: { models: null, version: "0.0.0-fake" },
    bootstrap: { resamples: 1000, seed: 0, level: 0.95 },
    timing: { started_at: "2025-01-02T03:04:05.000Z", finished_at: "2025-01-02T04:04:05.000Z", wall_seconds: 3600 },
    usage: { prompt_tokens: 0, completion_tokens: 0, requests: 0, cached: 0 },
    complete: run.complete ?? true,
    ...((run.errorsAccepted ?? run.tasks.some((t) => t.outcomes.includes("error"))) ? { errors_accepted: true } : {}),
    tasks: run.tasks.map(summary),
  });
}

function sampleLine(t: FixtureTask, id: string, outcome: boolean | "error", index: number): Sample {
  const cached = t.cached && index < t.cached.count ? { cached: true, ...(t.cached.identity ? { cache_identity: t.cached.identity } : {}) } : {};
  const s: Sample = {
    task: t.task,
    item_id: id,
    item_hash: sha256(`${t.task}:${id}:${t.contentSalt ?? ""}`),
    lang: t.lang ?? t.task.split(".").at(-1)!,
    messages: [{ role: "user", content: "Q?" }],
    content: outcome === "error" ? null : outcome ? "Answer: A" : "Answer: B",
    reasoning: null,
    finish_reason: outcome === "error" ? null : "stop",
    usage: null,
    answer: outcome === "error" ? null : outcome ? "A" : "B",
    gold: "A",
    status: outcome === "error" ? "error" : "strict",
    correct: outcome === true,
    ...(outcome === "error" ? { error: "HTTP 500 after 3 attempts" } : {}),
    latency_ms: 10,
    attempts: 1,
    ...cached,
    finished_at: "2025-01-02T03:05:00.000Z",
  };
  return SampleSchema.parse(s);
}

/** Writes <parent>/<runId>/{run.json,samples.jsonl}; returns the run folder. */
export function writeRun(parent: string, run: FixtureRun): string {
  const dir = join(parent, run.runId);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "run.json"), `${JSON.stringify(buildRecord(run), null, 2)}\n`);
  const lines: string[] = [];
  for (const t of run.tasks) {
    const ids = itemIds(t);
    // Finish order differs from id order in real runs (concurrency); reverse to exercise sorting.
    for (let i = ids.length - 1; i >= 0; i--) lines.push(JSON.stringify(sampleLine(t, ids[i], t.outcomes[i], i)));
  }
  writeFileSync(join(dir, "samples.jsonl"), `${lines.join("\n")}\n`);
  return dir;
}
