// The leakage guard: a trace written for the test question itself, or for a near copy of it,
// must never be shown as a worked example for that question.
import type { Item } from "../types.ts";
import { jaccard, normalizeQuestion, tokenSet } from "./normalize.ts";
import type { Trace } from "./schema.ts";

export type ExclusionReason = "same_question" | "near_duplicate";

/** Token-set Jaccard at or above which two questions count as the same question reworded. */
export const NEAR_DUPLICATE_JACCARD = 0.8;

export interface LeakageGuard {
  /** Why this trace may not be shown for the item, or null when it may. */
  check(trace: Trace): ExclusionReason | null;
}

/**
 * same_question: the trace's source question id is the item's id within the same dataset
 * (when the task family is unknown, any dataset: excluding one harmless trace too many beats
 * a leak), or its normalised question is identical to the item's.
 * near_duplicate: token-set Jaccard of the normalised questions >= threshold.
 */
export function leakageGuard(item: Item, opts: { taskFamily?: string; threshold?: number } = {}): LeakageGuard {
  const itemNorm = normalizeQuestion(item.question);
  const itemTokens = tokenSet(itemNorm);
  const threshold = opts.threshold ?? NEAR_DUPLICATE_JACCARD;
  const family = opts.taskFamily === undefined ? undefined : datasetKey(opts.taskFamily);
  return {
    check(trace) {
      if (trace.source_question_id === item.id && (family === undefined || sameDataset(datasetKey(trace.source_dataset), family))) return "same_question";
      if (trace.norm_question === itemNorm) return "same_question";
      if (jaccard(tokenSet(trace.norm_question), itemTokens) >= threshold) return "near_duplicate";
      return null;
    },
  };
}

function datasetKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** "medqa" matches "MedQA" and "medqa_usmle"; "medqa" never matches "medmcqa". */
function sameDataset(a: string, b: string): boolean {
  return a === b || a.startsWith(b) || b.startsWith(a);
}
