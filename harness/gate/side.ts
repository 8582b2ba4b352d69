// One side of a gate comparison — the committed baseline or the candidate run — in one
// shape, whichever file it came from: per task, the sorted item ids with per-item
// correctness and whether the request failed.
import { sha256 } from "../hash.ts";
import type { LoadedRun } from "../report/load.ts";
import { UserError, type RunRecord, type TaskSummary } from "../types.ts";
import { compareIds } from "./id-list.ts";
import { coverageLine, unanswered } from "../record/coverage.ts";
import { taskInfoOf } from "../report/load.ts";
import { cacheUse } from "../record/summarize.ts";

export interface GateTask {
  task: string;
  family: string;
  lang: string;
  domain: TaskSummary["domain"];
  group?: string;
  /** Every item of the task in the run, errored ones included, sorted by id. */
  ids: string[];
  /** Aligned with ids. */
  correct: boolean[];
  /** Aligned with ids: the request failed after retries (status "error"); not scored. */
  errored: boolean[];
  /** sha256 over the sorted "id<TAB>item_hash" lines: the identity of the items and their content. */
  itemsDigest: string;
  /** The source's items_hash from run.json, when the run recorded one. */
  sourceItemsHash: string | null;
  /** Items answered from the response cache (a run's side only; a baseline file does not say). */
  fromCache?: TaskSummary["from_cache"];
}

export interface GateSide {
  /** The file or folder it was read from, for messages. */
  origin: string;
  kind: "run" | "baseline";
  runId: string;
  specHash: string;
  spec: RunRecord["spec"];
  harness: RunRecord["harness"];
  server: RunRecord["server"];
  startedAt: string;
  /** Every planned item has an answer, or the run's errors were accepted (--accept-errors). */
  complete: boolean;
  /** For a run that is not complete: per task, how many items have no answer. */
  unanswered?: string[];
  tasks: GateTask[];
}

export function itemsDigest(idsAndHashes: readonly (readonly [string, string])[]): string {
  const lines = [...idsAndHashes].sort((x, y) => compareIds(x[0], y[0])).map(([id, hash]) => `${id}\t${hash}`);
  return sha256(lines.join("\n"));
}

/** A loaded run folder as a gate side. Every task of run.json must have samples. */
export function sideFromRun(run: LoadedRun): GateSide {
  const { record, dir } = run;
  for (const summary of record.tasks) {
    if (!run.tasks.has(summary.task)) {
      throw new UserError(`${dir}: run.json lists task ${summary.task}, but samples.jsonl has no line for it. Is the run complete?`);
    }
  }
  const sourceHash = new Map(record.sources.map((s) => [s.task, s.items_hash]));
  const tasks = [...run.tasks.values()].map((t): GateTask => {
    const sorted = [...t.items.values()].sort((x, y) => compareIds(x.item_id, y.item_id));
    return {
      ...taskInfoOf(t),
      ids: sorted.map((s) => s.item_id),
      correct: sorted.map((s) => s.correct && s.status !== "error"),
      errored: sorted.map((s) => s.status === "error"),
      itemsDigest: itemsDigest(sorted.map((s) => [s.item_id, s.item_hash] as const)),
      sourceItemsHash: sourceHash.get(t.task) ?? null,
      fromCache: cacheUse(sorted),
    };
  });
  return {
    origin: dir,
    kind: "run",
    runId: record.run_id,
    specHash: record.spec_hash,
    spec: record.spec,
    harness: record.harness,
    server: record.server,
    startedAt: record.timing.started_at,
    // A run.json from before errors made a run incomplete may say "complete" over failed
    // items: without their acceptance (--accept-errors) its figures rest on fewer items than planned.
    complete: record.complete && !run.tornFinalLine && (record.errors_accepted === true || record.tasks.every((t) => t.errors === 0)),
    unanswered: unanswered(record).map(coverageLine),
    tasks,
  };
}

/** Accuracy over the scored (non-errored) items, or null when none were scored. */
export function sideAccuracy(task: GateTask): number | null {
  let scored = 0;
  let right = 0;
  task.errored.forEach((e, i) => {
    if (e) return;
    scored++;
    if (task.correct[i]) right++;
  });
  return scored === 0 ? null : right / scored;
}
