// run.json's figures straight from samples.jsonl, read a line at a time: of each planned item
// only its last line's few figures are kept (in typed arrays, by the item's place in the plan),
// so memory grows by bytes per item, not by samples, however long the run.
import { SampleStatusSchema, type RunRecord, type Sample, type SampleStatus, type TaskSummary } from "../types.ts";
import { scanJournal } from "./journal.ts";
import { TaskTally, tallyEntry, type BootstrapSettings, type TaskMeta } from "./summarize.ts";

/** A task as the run planned it: its items' ids and content hashes, in plan order. */
export interface PlannedItems {
  meta: TaskMeta;
  items: ReadonlyArray<{ id: string; hash: string }>;
}

export interface JournalSummary {
  tasks: TaskSummary[];
  usage: RunRecord["usage"];
  /** Every planned item has a line for its content, and none failed (unless errors are accepted). */
  complete: boolean;
}

const STATUSES: readonly SampleStatus[] = SampleStatusSchema.options;
const STATUS_CODE = new Map(STATUSES.map((s, i) => [s, i]));
const NO_LINE = 255;
const CORRECT = 1;
const SAME_CONTENT = 2;
const CACHED = 4;
const ACC_NORM_COUNTED = 8;
const ACC_NORM_CORRECT = 16;

/**
 * The per-task summaries, token usage and completeness of a run from its journal: the last
 * line per (task, item_id) counts, and only for the item content the plan holds now.
 */
export function summarizeJournal(file: string, tasks: readonly PlannedItems[], boot: BootstrapSettings, acceptErrors: boolean): JournalSummary {
  const slotOf = new Map<string, Map<string, number>>();
  const hashes: string[] = [];
  for (const task of tasks) {
    const slots = new Map<string, number>();
    for (const item of task.items) {
      slots.set(item.id, hashes.length);
      hashes.push(item.hash);
    }
    slotOf.set(task.meta.id, slots);
  }
  const size = hashes.length;
  const status = new Uint8Array(size).fill(NO_LINE);
  const flags = new Uint8Array(size);
  const letterMass = new Float64Array(size).fill(Number.NaN);
  const identity = new Int32Array(size).fill(-1);
  const promptTokens = new Float64Array(size);
  const completionTokens = new Float64Array(size);
  const identities: string[] = [];
  const identityCode = new Map<string, number>();

  scanJournal(file, (s) => {
    const slot = slotOf.get(s.task)?.get(s.item_id);
    if (slot === undefined) return;
    const entry = tallyEntry(s);
    status[slot] = STATUS_CODE.get(s.status)!;
    flags[slot] =
      (entry.correct ? CORRECT : 0) |
      (s.item_hash === hashes[slot] ? SAME_CONTENT : 0) |
      (entry.cached ? CACHED : 0) |
      (entry.accNorm !== undefined ? ACC_NORM_COUNTED : 0) |
      (entry.accNorm === true ? ACC_NORM_CORRECT : 0);
    letterMass[slot] = entry.letterMass ?? Number.NaN;
    identity[slot] = entry.cacheIdentity === undefined ? -1 : codeOf(entry.cacheIdentity, identityCode, identities);
    promptTokens[slot] = s.usage?.prompt_tokens ?? 0;
    completionTokens[slot] = s.usage?.completion_tokens ?? 0;
  });

  let complete = true;
  const usage = { prompt_tokens: 0, completion_tokens: 0, requests: 0, cached: 0 };
  let slot = 0;
  const summaries = tasks.map((task) => {
    const tally = new TaskTally(task.items.length);
    for (let i = 0; i < task.items.length; i++, slot++) {
      if (status[slot] === NO_LINE || !(flags[slot] & SAME_CONTENT)) {
        complete = false;
        continue;
      }
      const s = STATUSES[status[slot]];
      const f = flags[slot];
      // An item whose request failed has no answer: the run is not done until it has one, or the user accepts the error.
      if (s === "error" && !acceptErrors) complete = false;
      if (f & CACHED) usage.cached++;
      else if (s !== "error") usage.requests++;
      usage.prompt_tokens += promptTokens[slot];
      usage.completion_tokens += completionTokens[slot];
      tally.add({
        status: s,
        correct: (f & CORRECT) !== 0,
        accNorm: f & ACC_NORM_COUNTED ? (f & ACC_NORM_CORRECT) !== 0 : undefined,
        letterMass: Number.isNaN(letterMass[slot]) ? undefined : letterMass[slot],
        cached: (f & CACHED) !== 0,
        cacheIdentity: identity[slot] === -1 ? undefined : identities[identity[slot]],
      });
    }
    return tally.summary(task.meta, boot, task.items.length);
  });
  return { tasks: summaries, usage, complete };
}

function codeOf(value: string, codes: Map<string, number>, values: string[]): number {
  let code = codes.get(value);
  if (code === undefined) {
    code = values.length;
    codes.set(value, code);
    values.push(value);
  }
  return code;
}
