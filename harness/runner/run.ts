// A run from plan to run.json: resume from the journal, send what is not done yet through
// bounded concurrency, append every finished sample, then summarise from the journal.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ResumableRunError, UserError, type Item, type RunRecord, type Sample, type TaskSourceRecord } from "../types.ts";
import { Journal, sampleKey } from "../record/journal.ts";
import { makeRunFolder, readRunRecord, writeJsonAtomic } from "../record/run-files.ts";
import { defaultRunId, specDifferences, specHash, type RunSpec } from "../record/spec.ts";
import type { PlannedTask } from "./plan.ts";
import type { ProgressReporter } from "./progress.ts";
import type { BootstrapSettings } from "../record/summarize.ts";
import { summarizeJournal } from "../record/journal-summary.ts";
import { harnessInfo } from "./harness-info.ts";
import { FAILURE_WINDOW, ResumeIndex, runEngine, type EngineItem, type EngineResult } from "../engine/engine.ts";
import { checkpointDifferences, servedCheckpoint } from "../record/checkpoint.ts";

export type { ChatDispatcher } from "../endpoints/dispatcher.ts";

/**
 * Answers one item: builds the request(s) for the setting and scoring mode, sends them (or
 * finds them in the cache) and scores the result. Returns null when the run was stopped
 * before the item finished: an abandoned item is not a sample.
 */
export type ItemAnswerer = (task: PlannedTask, item: Item, signal: AbortSignal) => Promise<{ sample: Sample; sent: number } | null>;

export interface RunInput {
  spec: RunSpec;
  tasks: PlannedTask[];
  outDir: string;
  runId?: string;
  answer: ItemAnswerer;
  concurrency: number;
  bootstrap: BootstrapSettings;
  server: RunRecord["server"];
  progress: ProgressReporter;
  signal: AbortSignal;
  /** Resume even when the server reports other weights or context length than the run's (the same weights at another path). */
  allowDifferentCheckpoints?: boolean;
  /** Whether the response cache is read, and under which checkpoint identity (recorded in run.json). */
  cache?: RunRecord["cache"];
  /** Items that failed after retries count as done: the run can be complete with errors (recorded in run.json). */
  acceptErrors?: boolean;
  /** Items (by journal key) this invocation leaves pending without answering (a batch import's items that no line answers). */
  skip?: ReadonlySet<string>;
  /**
   * Failed items stop the run (FAILURE_WINDOW in a row, or all of the first): true for a live
   * endpoint, whose failures repeat; false for a batch import, whose failed lines are facts
   * about those lines only.
   */
  stopOnFailures?: boolean;
}

/** Items in a row that failed after retries stop a run (the engine's rule, engine/engine.ts). */
export { FAILURE_WINDOW } from "../engine/engine.ts";

interface RunJob extends EngineItem {
  task: PlannedTask;
  item: Item;
}

/** The exit status of a run that ended with items that have no answer (errored, or not sent): resume retries them. */
export const EXIT_UNANSWERED_ITEMS = 4;

/**
 * Answers after which a run whose prompts mostly overflow the context stops: its accuracy
 * would be a prompt-length artefact (every overflow scores wrong), not the model's.
 */
export const OVERFLOW_CHECK_AFTER = 10;

export interface RunOutcome {
  record: RunRecord;
  dir: string;
  interrupted: boolean;
  /** Requests actually sent this time, first attempts only (cache hits and resumed items excluded). */
  sent: number;
  /** Repeats of those requests after a failure (each retry is one more request on the wire). */
  retries: number;
  /** Items answered this time (resumed items excluded). */
  answered: number;
  /** The run stopped early: the last FAILURE_WINDOW items all failed; the server's last words. */
  endpointDown: { lastError: string } | null;
}

/** Done = a non-error sample for the same item content. Errors are retried on resume (and exported again). */
export function sampleState(sample: Sample): { hash: string; failed: boolean } {
  return { hash: sample.item_hash, failed: sample.status === "error" };
}

export async function executeRun(input: RunInput): Promise<RunOutcome> {
  const sources: TaskSourceRecord[] = input.tasks.map((t) => t.source);
  const hash = specHash(input.spec, sources);
  const runId = input.runId ?? defaultRunId(input.spec, hash);
  const dir = join(input.outDir, runId);
  const runFile = join(dir, "run.json");
  makeRunFolder(input.outDir, dir);

  let startedAt = new Date().toISOString();
  let previousWall = 0;
  if (existsSync(runFile)) {
    const previous = readRunRecord(runFile);
    if (previous.spec_hash !== hash) {
      const diffs = specDifferences({ ...previous.spec, base_urls: undefined }, { ...input.spec, base_urls: undefined });
      const dataDiffs = sources
        .filter((s) => previous.sources.find((p) => p.task === s.task)?.items_hash !== s.items_hash)
        .map((s) => `data of ${s.task} changed (items hash)`);
      throw new UserError(
        `run ${runId} in ${dir} was made with a different spec; refusing to resume into it.\n` +
          [...diffs, ...dataDiffs].map((d) => `  ${d}`).join("\n") +
          `\nStart a new run (another --run-id, or drop --run-id to get one named after the new spec).`,
      );
    }
    // Same spec, but is the same model answering? A server restarted on other weights under
    // the same name would put two checkpoints' answers in one run.
    if (!input.allowDifferentCheckpoints) checkSameCheckpoint(previous, input, runId, dir);
    startedAt = previous.timing.started_at;
    previousWall = previous.timing.wall_seconds ?? 0;
  }

  const jobs: RunJob[] = input.tasks.flatMap((task) =>
    task.items.map((item) => ({ key: sampleKey(task.meta.id, item.id), hash: item.hash, task, item })),
  );
  // The samples already there are matched to the jobs as they are read, and not kept.
  const resume = new ResumeIndex(jobs);
  const journal = Journal.resume(join(dir, "samples.jsonl"), (key, sample) => resume.visit(key, sampleState(sample)));
  const clock = Date.now();
  const baseRecord = (): Omit<RunRecord, "tasks" | "complete" | "usage" | "timing"> => ({
    schema_version: 1,
    run_id: runId,
    spec_hash: hash,
    spec: input.spec,
    harness: harnessInfo(),
    sources,
    server: input.server,
    bootstrap: input.bootstrap,
    ...(input.cache ? { cache: input.cache } : {}),
  });

  const unanswered = resume.pending();
  const pending = input.skip ? unanswered.filter((p) => !input.skip!.has(p.item.key)) : unanswered;
  const pendingCount = new Map<string, number>();
  for (const p of unanswered) pendingCount.set(p.item.task.meta.id, (pendingCount.get(p.item.task.meta.id) ?? 0) + 1);

  // The record says from the start which run this is; "complete: false" until the end.
  writeJsonAtomic(runFile, {
    ...baseRecord(),
    timing: { started_at: startedAt, finished_at: null, wall_seconds: null },
    usage: { prompt_tokens: 0, completion_tokens: 0, requests: 0, cached: 0 },
    complete: false,
    tasks: [],
  } satisfies RunRecord);

  input.progress.start(
    input.tasks.map((t) => ({ id: t.meta.id, total: t.items.length, done: t.items.length - (pendingCount.get(t.meta.id) ?? 0) })),
  );

  let overflowed = 0;
  let finishedNow = 0;
  let engine: EngineResult | null = null;
  let failure: { error: unknown } | null = null;
  try {
    engine = await runEngine<RunJob, Sample>({
      pending,
      concurrency: input.concurrency,
      signal: input.signal,
      failureWindow: input.stopOnFailures === false ? Infinity : undefined,
      async work(job, signal) {
        const answered = await input.answer(job.task, job.item, signal);
        if (!answered) return null;
        const sample = answered.sample;
        return { line: sample, sent: answered.sent, attempts: sample.attempts, error: sample.status === "error" ? (sample.error ?? "error") : null };
      },
      write: (sample) => journal.append(sample),
      afterEach(outcome, job) {
        input.progress.update(job.task.meta.id, outcome.line.status);
        finishedNow++;
        if (outcome.line.status === "context_overflow") overflowed++;
        return finishedNow >= OVERFLOW_CHECK_AFTER && mostOverflow(overflowed, finishedNow) ? "stop" : undefined;
      },
    });
  } catch (error) {
    failure = { error };
  } finally {
    input.progress.stop();
    journal.close();
  }
  const finalize = () =>
    finalizeRecord(dir, baseRecord(), input.tasks, input.bootstrap, {
      startedAt,
      wallSeconds: previousWall + (Date.now() - clock) / 1000,
    }, input.acceptErrors ?? false);
  if (failure) {
    // run.json was reset to "not complete" at the start: leave it describing what the journal
    // holds (a resume that fails must not wipe the summary of the items already done).
    try {
      finalize();
    } catch {
      // the original failure is what the user needs to see
    }
    throw (failure as { error: unknown }).error;
  }

  const record = finalize();
  const { sent, retries, windowFull, firstErrors, lastError, succeeded: answeredOk, unstarted, stoppedByHook: overflowStop } = engine as EngineResult;
  // Nothing ever answered (not a resume that only retried items which failed again: that run
  // has answers): misconfigured, whether the window filled or the run was too small to fill it.
  const misconfigured = answeredOk === 0 && !resume.answered && firstErrors.length > 0 && !input.signal.aborted && input.stopOnFailures !== false;
  if (misconfigured) {
    const count = windowFull ? `the first ${FAILURE_WINDOW} requests all` : `all ${firstErrors.length} request(s)`;
    throw new ResumableRunError(
      `${count} failed; stopping the run. The first error:\n  ${firstErrors[0]}\n` +
        `Fix the endpoint settings and run again. A fixed URL or API key resumes this run (errored items are retried):`,
      runId,
      "Another served model name is another spec, so it starts a new run.",
    );
  }
  if (overflowStop || (!input.signal.aborted && mostOverflow(overflowed, finishedNow))) {
    const len = servedCheckpoint(input.server.models, input.spec.served_model)?.max_model_len;
    throw new UserError(
      `${overflowed} of ${overflowStop ? "the first " : ""}${finishedNow} prompts did not fit the model's context${len ? ` (max_model_len ${len})` : ""}: ` +
        `the server refused them as too long, and each would count as wrong; stopping the run (${dir}).\n` +
        `Make them fit: fewer few-shot examples (--shots), a smaller max_tokens (vLLM reserves it out of the context), ` +
        `or serve the model with a longer --max-model-len. Either is another spec, so it starts a new run.`,
    );
  }
  // Only a stop that left items unsent is one: a window filled by the last items changed nothing.
  const endpointDown = windowFull && !input.signal.aborted && unstarted > 0 ? { lastError: lastError ?? "error" } : null;
  return { record, dir, interrupted: input.signal.aborted, sent, retries, answered: finishedNow, endpointDown };
}

function mostOverflow(overflowed: number, finished: number): boolean {
  return finished > 0 && overflowed * 2 > finished;
}

function checkSameCheckpoint(previous: RunRecord, input: RunInput, runId: string, dir: string): void {
  const served = input.spec.served_model;
  const before = servedCheckpoint(previous.server.models, served);
  const now = servedCheckpoint(input.server.models, served);
  const override = "If it is the same weights at another path (a Hub id then a local snapshot), pass --allow-different-checkpoints.";
  // run.json is rewritten with what the server says now: an unknown must not erase a known one.
  if (before?.root && !now?.root && input.server.queried_live === false) {
    throw new UserError(
      `run ${runId} in ${dir} was answered by ${before.root}; this import does not say which weights answered its batch. ` +
        `Pass --served-checkpoint ${before.root} if the batch was run on it (or start a new run: another --run-id or --out). ${override}`,
    );
  }
  if (before?.root && !now?.root) {
    throw new UserError(
      `run ${runId} in ${dir} was answered by ${before.root}, but the server's /v1/models does not say which weights it serves as ${served} now; ` +
        `refusing to resume without knowing it is the same model. Try again when /v1/models answers. ${override}`,
    );
  }
  const changed = checkpointDifferences(before, now);
  if (changed.length > 0) {
    throw new UserError(
      `run ${runId} in ${dir} was answered by another checkpoint than the one the server now serves as ${served}; refusing to mix them in one run.\n` +
        changed.map((d) => `  ${d}`).join("\n") +
        `\nServe the run's checkpoint again to resume it, or start a new run (another --run-id, or another --out). ${override}`,
    );
  }
}

/** Recompute run.json from the journal on disk (the one source of truth). */
export function finalizeRecord(
  dir: string,
  base: Omit<RunRecord, "tasks" | "complete" | "usage" | "timing">,
  tasks: PlannedTask[],
  bootstrap: BootstrapSettings,
  timing: { startedAt: string; wallSeconds: number },
  acceptErrors: boolean,
): RunRecord {
  // Streamed from the journal: a run's summary holds a few bytes per item, never its samples.
  const { tasks: summaries, usage, complete } = summarizeJournal(join(dir, "samples.jsonl"), tasks, bootstrap, acceptErrors);
  const accepted = acceptErrors && summaries.some((t) => t.errors > 0);
  const record: RunRecord = {
    ...base,
    timing: { started_at: timing.startedAt, finished_at: complete ? new Date().toISOString() : null, wall_seconds: timing.wallSeconds },
    usage,
    complete,
    ...(accepted ? { errors_accepted: true } : {}),
    tasks: summaries,
  };
  writeJsonAtomic(join(dir, "run.json"), record);
  return record;
}
