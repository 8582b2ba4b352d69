// How many of the items a run planned stand behind a figure. An accuracy over the items whose
// requests happened to succeed is biased (the hard, long prompts fail first), so every
// rendering says "scored of total" where the two differ, with one mark and one footnote.
import type { RunRecord, TaskSummary } from "../types.ts";

export interface Coverage {
  task: string;
  /** Items the run set out to answer. */
  planned: number;
  scored: number;
  /** Items whose request failed after retries (an error sample). */
  errors: number;
  /** Items with no sample at all: the run stopped before it sent them. */
  missing: number;
}

export function coverageOf(t: Pick<TaskSummary, "task" | "n" | "planned" | "scored" | "errors">): Coverage {
  const planned = t.planned ?? t.n;
  return { task: t.task, planned, scored: t.scored, errors: t.errors, missing: Math.max(0, planned - t.n) };
}

/** Tasks of a run with items that have no answer (errored or never sent). */
export function unanswered(record: Pick<RunRecord, "tasks">): Coverage[] {
  return record.tasks.map(coverageOf).filter((c) => c.errors + c.missing > 0);
}

/** The mark beside a figure from fewer items than planned; FEWER_ITEMS_NOTE explains it. */
export const FEWER_ITEMS_MARK = "†";

/** "17/100†" where a figure rests on fewer items than planned, "" where it rests on all. */
export function fewerItemsText(scored: number, total: number): string {
  return scored < total ? `(${scored}/${total})${FEWER_ITEMS_MARK}` : "";
}

export const FEWER_ITEMS_NOTE =
  `${FEWER_ITEMS_MARK} (scored/total): the figure rests on fewer items than the run planned; the others failed after retries or were never sent, ` +
  "and an accuracy over the items that happened to succeed is biased. Such a figure never takes the bold. " +
  "Resume the run to retry them (medeval run --resume RUN_ID), or accept the errors with --accept-errors.";

/** "medqa.en: 83 of 100 items have no answer (80 failed, 3 not sent)". */
export function coverageLine(c: Coverage): string {
  const parts = [...(c.errors > 0 ? [`${c.errors} failed after retries`] : []), ...(c.missing > 0 ? [`${c.missing} not sent`] : [])];
  return `${c.task}: ${c.errors + c.missing} of ${c.planned} items have no answer (${parts.join(", ")})`;
}
