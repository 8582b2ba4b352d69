// Two runs on the same items of a task: where they disagree. The discordant items (one side
// right, the other wrong) are the ones a paired test counts; items whose data changed
// between the runs (another item hash) are not the same item and are left out.
import type { Sample } from "../types.ts";
import { toRow, type SampleRow } from "./sample-query.ts";

export const PAIR_FILTERS = ["disagree", "a_right_b_wrong", "a_wrong_b_right", "answers_differ", "all"] as const;
export type PairFilter = (typeof PAIR_FILTERS)[number];

export interface PairCounts {
  /** Items in both runs with the same hash. */
  common: number;
  /** Items in both runs whose hashes differ (another version of the data). */
  changed: number;
  /** Common items where either side is an error (not scored). */
  errors: number;
  both_right: number;
  both_wrong: number;
  a_right_b_wrong: number;
  a_wrong_b_right: number;
  answers_differ: number;
}

export interface PairRow {
  item_id: string;
  a: SampleRow;
  b: SampleRow;
}

export interface PairPage {
  counts: PairCounts;
  matched: number;
  offset: number;
  rows: PairRow[];
}

function keep(filter: PairFilter, a: Sample, b: Sample): boolean {
  const scored = a.status !== "error" && b.status !== "error";
  switch (filter) {
    case "all":
      return true;
    case "disagree":
      return scored && a.correct !== b.correct;
    case "a_right_b_wrong":
      return scored && a.correct && !b.correct;
    case "a_wrong_b_right":
      return scored && !a.correct && b.correct;
    case "answers_differ":
      return a.answer !== b.answer;
  }
}

export function pairSamples(a: readonly Sample[], b: readonly Sample[], opts: { filter: PairFilter; offset: number; limit: number }): PairPage {
  const byId = new Map(b.map((s) => [s.item_id, s]));
  const counts: PairCounts = { common: 0, changed: 0, errors: 0, both_right: 0, both_wrong: 0, a_right_b_wrong: 0, a_wrong_b_right: 0, answers_differ: 0 };
  const hits: PairRow[] = [];
  for (const sa of a) {
    const sb = byId.get(sa.item_id);
    if (!sb) continue;
    if (sb.item_hash !== sa.item_hash) {
      counts.changed++;
      continue;
    }
    counts.common++;
    if (sa.answer !== sb.answer) counts.answers_differ++;
    if (sa.status === "error" || sb.status === "error") counts.errors++;
    else if (sa.correct && sb.correct) counts.both_right++;
    else if (!sa.correct && !sb.correct) counts.both_wrong++;
    else if (sa.correct) counts.a_right_b_wrong++;
    else counts.a_wrong_b_right++;
    if (keep(opts.filter, sa, sb)) hits.push({ item_id: sa.item_id, a: toRow(sa), b: toRow(sb) });
  }
  return { counts, matched: hits.length, offset: opts.offset, rows: hits.slice(opts.offset, opts.offset + opts.limit) };
}
