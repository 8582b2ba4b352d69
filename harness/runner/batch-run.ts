// `medeval run --export-batch` and `--import-batch`: a run planned exactly as a live one
// (same spec, run id, prompts, bodies and answerers), its requests written to batch files for
// `vllm run-batch` or a Batch API, and the output files scored into the run's journal and
// run.json as a live run scores replies.
import { join } from "node:path";
import { pendingItems } from "../engine/engine.ts";
import { readJournal, sampleKey } from "../record/journal.ts";
import { DEFAULT_LEVEL } from "../stats/bootstrap.ts";
import type { RunRecord } from "../types.ts";
import { recordingRoute, replaying, replayRoute, requestOf } from "./batch-route.ts";
import { cacheFor, holdRunFolder, identityOf, prepareEvaluation, runAnswerer, type EvaluateOptions } from "./evaluate.ts";
import type { CheckpointIdentity } from "../endpoints/checkpoint-identity.ts";
import type { ModelSpec } from "../models/schema.ts";
import { exportBatch, type BatchLimit, type ExportBatchResult } from "./export-batch.ts";
import { readBatchOutputs, type BatchOutputs, type ImportReport, type SetAside } from "./import-batch.ts";
import { createProgress } from "./progress.ts";
import { executeRun, sampleState, type RunOutcome } from "./run.ts";

/** The cache identity of a batch's weights: no server says where they are, only the user (or models.yaml). */
function batchIdentity(model: ModelSpec, checkpoint: string | null): CheckpointIdentity {
  const identity = identityOf(model, checkpoint);
  if (identity.id !== null || checkpoint !== null || model.serve) return identity;
  return { id: null, why: "no server is asked in a batch run and the weights it runs on are not named (--served-checkpoint)" };
}

/** Items scored at once from a batch file: there is no server to spare, only the cache's reads and the scoring. */
export const BATCH_IMPORT_CONCURRENCY = 8;

export interface ExportBatchOptions {
  file: string;
  /** At most this many lines, or bytes, per file (null: one file). */
  batchSize: BatchLimit | null;
  /** The weights the batch will run on, where the user knows them: ties the response cache to them. */
  servedCheckpoint: string | null;
}

/**
 * --export-batch: the requests for the items neither the run's journal nor the response
 * cache answers, written to `file` (or its parts).
 */
export async function exportBatchRequests(raw: EvaluateOptions, options: ExportBatchOptions): Promise<ExportBatchResult & { runId: string; specHash: string }> {
  const prepared = await prepareEvaluation(raw);
  const { opts, model, hash, tasks, runId, store } = prepared;
  try {
    const { cache, record } = cacheFor(opts, batchIdentity(model, options.servedCheckpoint));
    const answer = runAnswerer(prepared, recordingRoute, cache, record, options.servedCheckpoint);
    const result = await exportBatch({ file: options.file, batchSize: options.batchSize, specHash: hash, runId, tasks, journalFile: join(opts.out, runId, "samples.jsonl"), answer });
    return { ...result, runId, specHash: hash };
  } finally {
    store?.close();
  }
}

export interface ImportBatchOptions {
  files: string[];
  /** The checkpoint the batch ran on, as the user gives it (recorded as the served root). */
  servedCheckpoint: string | null;
}

/**
 * What the run records as its server for an import: the model names the replies gave, each
 * with the checkpoint the user gave as its root, and that no server was asked.
 */
export function batchServerRecord(outputs: BatchOutputs, servedModel: string, checkpoint: string | null): RunRecord["server"] {
  const names = new Set<string>();
  for (const line of outputs.lines.values()) {
    const model = (line.body as { model?: unknown } | null)?.model;
    if (line.status === 200 && typeof model === "string") names.add(model);
  }
  if (names.size === 0) names.add(servedModel);
  return {
    models: { object: "list", data: [...names].map((id) => ({ id, object: "model", root: checkpoint, max_model_len: null })) },
    version: null,
    queried_live: false,
  };
}

/** --import-batch: score the output files' lines into the run, and say what was missing, failed, duplicated or foreign. */
export async function importBatchResults(raw: EvaluateOptions, options: ImportBatchOptions): Promise<{ outcome: RunOutcome; report: ImportReport }> {
  const prepared = await prepareEvaluation(raw);
  const { opts, model, spec, hash, tasks, runId, store } = prepared;
  const runDir = join(opts.out, runId);
  return holdRunFolder(opts, runDir, store, "medeval run --import-batch", async () => {
    const outputs = readBatchOutputs(options.files, hash, tasks);
    const { cache, record: cacheRecord } = cacheFor(opts, batchIdentity(model, options.servedCheckpoint));
    const journalFile = join(runDir, "samples.jsonl");
    const jobs = tasks.flatMap((task) => task.items.map((item) => ({ key: sampleKey(task.meta.id, item.id), hash: item.hash, task, item })));
    const pending = pendingItems(jobs, readJournal(journalFile).samples, sampleState);
    const pendingKeys = new Set(pending.map((p) => p.item.key));

    // Items no line answers: the cache may (the export left them out for it); the rest stay pending.
    const recorder = cache ? runAnswerer(prepared, recordingRoute, cache, cacheRecord, options.servedCheckpoint) : null;
    const skip = new Set<string>();
    const missing: string[] = [];
    let fromCache = 0;
    for (const { item: job } of pending) {
      if (outputs.lines.has(job.key)) continue;
      if (recorder && (await requestOf(recorder, job.task, job.item)).kind === "cached") {
        fromCache++;
        continue;
      }
      skip.add(job.key);
      missing.push(`${job.task.meta.id}/${job.item.id}`);
    }

    const answer = replaying(runAnswerer(prepared, replayRoute, cache, cacheRecord, options.servedCheckpoint), (task, item) => outputs.lines.get(sampleKey(task.meta.id, item.id)));
    const outcome = await executeRun({
      spec,
      tasks,
      outDir: opts.out,
      runId,
      answer,
      cache: cacheRecord,
      concurrency: opts.concurrency ?? BATCH_IMPORT_CONCURRENCY,
      bootstrap: { resamples: opts.bootstrap, seed: opts.seed, level: DEFAULT_LEVEL },
      server: batchServerRecord(outputs, model.servedModel, options.servedCheckpoint),
      progress: createProgress(opts.progress),
      signal: opts.signal,
      allowDifferentCheckpoints: opts.allowDifferentCheckpoints,
      acceptErrors: opts.acceptErrors,
      skip,
      stopOnFailures: false,
    });

    // What became of each line: the journal now says how its item was scored.
    const samples = readJournal(journalFile).samples;
    const failed: SetAside[] = [];
    const overflowed: SetAside[] = [];
    let imported = 0;
    let alreadyAnswered = 0;
    for (const [key, line] of outputs.lines) {
      if (!pendingKeys.has(key)) {
        alreadyAnswered++;
        continue;
      }
      const sample = samples.get(key);
      if (!sample) continue;
      if (sample.cached) {
        fromCache++;
        continue;
      }
      imported++;
      // The sample's error names the line (batch-route.ts); the report lists it under the line already.
      const why = (sample.error ?? sample.status).replace(`batch line ${line.where} (${line.customId}): `, "");
      if (sample.status === "error") failed.push({ where: line.where, customId: line.customId, why });
      if (sample.status === "context_overflow") overflowed.push({ where: line.where, customId: line.customId, why });
    }
    const report: ImportReport = {
      files: options.files,
      read: outputs.read,
      imported,
      fromCache,
      alreadyAnswered,
      missing,
      failed,
      overflowed,
      duplicated: outputs.duplicated,
      foreign: outputs.foreign,
      complete: outcome.record.complete,
    };
    return { outcome, report };
  });
}
