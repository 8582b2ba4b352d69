// The leakage guard: a trace written for the test question itself, or for a near copy of it,
// must never be shown as a worked example for that question.
import type { Item } from "../types.ts";
import { normalizeQuestion, tokenSet } from "./normalize.ts";
import type { Trace } from "./schema.ts";

export type ExclusionReason = "same_question" | "near_duplicate" | "evaluated_split";

/** Token-set Jaccard at or above which two questions count as the same question reworded. */
export const NEAR_DUPLICATE_JACCARD = 0.8;

/**
 * A trace question may carry more than the question (its options appended, "Question: …
 * Answer Choices: (A) …"), which drags Jaccard down; so the share of the item's tokens found
 * in it also counts, for items long enough (clinical vignettes) that a share this high cannot
 * come from a shared stock phrase ("which of the following is the most likely cause of …").
 */
export const CONTAINMENT_MIN_TOKENS = 20;

export interface LeakageGuard {
  /** Why this trace may not be shown for the item, or null when it may. */
  check(trace: Trace): ExclusionReason | null;
}

/**
 * same_question: the trace's source question id is the item's id (a language marker aside) within the same dataset
 * (when the task family is unknown, any dataset: excluding one harmless trace too many beats
 * a leak), or its normalised question is identical to the item's.
 * near_duplicate: token-set Jaccard of the normalised questions >= threshold, or, for an item
 * of at least CONTAINMENT_MIN_TOKENS tokens, that share of its tokens in the trace's question.
 */
export interface LeakageGuardOptions {
  taskFamily?: string;
  threshold?: number;
  /** Which split of the task family is being evaluated ("test"; "dev" for MedMCQA). */
  evaluatedSplit?: "dev" | "test";
  /** Let traces of the evaluated split through (they are other test items' answers). */
  allowEvaluatedSplit?: boolean;
}

/**
 * evaluated_split (besides the two below): the trace was written for a question of the split
 * being evaluated, of the same benchmark: another test item's worked answer, unless allowed.
 */
export function leakageGuard(item: Item, opts: LeakageGuardOptions = {}): LeakageGuard {
  const itemQ = normalizedQuestion(item.question);
  const threshold = opts.threshold ?? NEAR_DUPLICATE_JACCARD;
  const family = opts.taskFamily === undefined ? undefined : datasetKey(opts.taskFamily);
  return {
    check(trace) {
      if (sameItemId(trace.source_question_id, item.id) && (family === undefined || sameDataset(datasetKey(trace.source_dataset), family))) return "same_question";
      const text = questionMatch(itemQ, { norm: trace.norm_question, tokens: tokenSet(trace.norm_question) }, threshold);
      if (text) return text;
      if (!opts.allowEvaluatedSplit && splitRisk(trace, opts) === "evaluated") return "evaluated_split";
      return null;
    },
  };
}

/** A question as the guard compares it: normalised text and its token set. */
export interface NormalizedQuestion {
  norm: string;
  tokens: Set<string>;
}

export function normalizedQuestion(question: string): NormalizedQuestion {
  const norm = normalizeQuestion(question);
  return { norm, tokens: tokenSet(norm) };
}

/**
 * The question-text half of the guard (ids and splits aside): "same_question" when the
 * normalised texts are equal, "near_duplicate" when token-set Jaccard >= threshold or, for an
 * item of at least CONTAINMENT_MIN_TOKENS tokens, that share of its tokens is in the trace's.
 */
export function questionMatch(item: NormalizedQuestion, trace: NormalizedQuestion, threshold = NEAR_DUPLICATE_JACCARD): "same_question" | "near_duplicate" | null {
  if (trace.norm === item.norm) return "same_question";
  return nearDuplicate(item.tokens.size, trace.tokens.size, sharedTokens(item.tokens, trace.tokens), threshold) ? "near_duplicate" : null;
}

/** The near-duplicate rule on token counts: the item's, the trace's and those they share. */
export function nearDuplicate(itemTokens: number, traceTokens: number, shared: number, threshold = NEAR_DUPLICATE_JACCARD): boolean {
  const union = itemTokens + traceTokens - shared;
  // Two empty token sets count as identical.
  if ((union === 0 ? 1 : shared / union) >= threshold) return true;
  return itemTokens >= CONTAINMENT_MIN_TOKENS && shared / itemTokens >= threshold;
}

/**
 * Whether a trace may be a test item of the evaluated benchmark: "evaluated" when it says it
 * comes from the evaluated split, "unknown" when it is of that benchmark and does not say.
 */
export function splitRisk(trace: Pick<Trace, "split" | "source_dataset">, opts: Pick<LeakageGuardOptions, "taskFamily" | "evaluatedSplit">): "evaluated" | "unknown" | null {
  if (opts.taskFamily === undefined || !sameDataset(datasetKey(trace.source_dataset), datasetKey(opts.taskFamily))) return null;
  if (trace.split === "unknown") return "unknown";
  return trace.split === (opts.evaluatedSplit ?? "test") ? "evaluated" : null;
}

function sharedTokens(a: Set<string>, b: Set<string>): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let shared = 0;
  for (const token of small) if (large.has(token)) shared++;
  return shared;
}

/**
 * Ids naming one question, whatever the language: translations keep the id with a language
 * marker ("it_test_5" and "en_test_5" in MedExpQA), so a trace written for the English
 * question is still the Italian item's own.
 */
function sameItemId(a: string, b: string): boolean {
  return a === b || stripLanguage(a) === stripLanguage(b);
}

function stripLanguage(id: string): string {
  return id.replace(/^(?:en|es|it|fr)[_-]/i, "").replace(/[_.-](?:en|es|it|fr)$/i, "");
}

function datasetKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** "medqa" matches "MedQA" and "medqa_usmle"; "medqa" never matches "medmcqa". */
function sameDataset(a: string, b: string): boolean {
  return a === b || a.startsWith(b) || b.startsWith(a);
}
