// The few-shot-traces setting: for each item, k reasoning traces chosen from the trace
// store (seeded random, BM25 or embeddings, leakage-guarded) become worked examples before
// the question. Which traces were used, and which were excluded as leaks, go into the sample.
import type { ModelSpec } from "../models/schema.ts";
import { buildFewShotMessages, type ShotFormat } from "../prompts/fewshot.ts";
import { defaultSystemPrompt, instructionFor, renderQuestion } from "../prompts/templates.ts";
import { BM25_SCORER } from "../traces/bm25.ts";
import type { EmbedFn } from "../traces/embed.ts";
import { DEFAULT_BM25_TERMS, selectShots, type SelectMethod } from "../traces/select.ts";
import type { TraceStore } from "../traces/store.ts";
import type { FewShotSpec, Item } from "../types.ts";
import type { PreparedRequest } from "./generative.ts";
import type { PlannedTask } from "./plan.ts";

export interface FewShotSettings {
  k: number;
  method: SelectMethod;
  /** Language of the traces; null = the item's own. */
  traceLang: string | null;
  format: ShotFormat;
  seed: number;
  /** Embeds test questions for --select embedding (default: the endpoint recorded in the store). */
  embed?: EmbedFn;
  /** The model behind `embed`, recorded in the spec (another embedder picks other shots). */
  embedModel?: string;
  /** Use traces written for the evaluated split's questions (other test items): recorded in the spec. */
  allowTestSplitTraces?: boolean;
  /** Which split a task evaluates ("test"; "dev" for MedMCQA), by task id. */
  evaluatedSplitOf?: (taskId: string) => "dev" | "test";
}

/**
 * What a few-shot run's spec records: change any of it and it is another run. The store is
 * identified by its content (rows and table version per language, embedding model), not by
 * its path, so shards on machines with different $MEDEVAL_HOME still belong together.
 */
export async function fewShotSpec(s: FewShotSettings, store: TraceStore): Promise<FewShotSpec> {
  const { tables, embedding_model } = await store.fingerprint();
  return {
    k: s.k,
    method: s.method,
    trace_lang: s.traceLang,
    format: s.format,
    bm25_terms: DEFAULT_BM25_TERMS,
    // Which BM25: runs made with LanceDB's full-text search (before it) chose other shots.
    ...(s.method === "bm25" ? { bm25_scorer: BM25_SCORER } : {}),
    ...(s.method === "embedding" ? { query_embedding_model: s.embedModel ?? embedding_model } : {}),
    // Only when set: the default run's spec (and id) stays what it was before the option existed.
    ...(s.allowTestSplitTraces ? { allow_test_split_traces: true } : {}),
    store: { tables, embedding_model },
  };
}

export function fewShotPreparer(store: TraceStore, model: ModelSpec, s: FewShotSettings) {
  return async (task: PlannedTask, item: Item): Promise<PreparedRequest> => {
    const selection = await selectShots(store, item, {
      k: s.k,
      method: s.method,
      lang: s.traceLang ?? item.lang,
      seed: s.seed,
      taskFamily: task.meta.family,
      embed: s.embed,
      evaluatedSplit: s.evaluatedSplitOf?.(task.meta.id) ?? "test",
      allowEvaluatedSplit: s.allowTestSplitTraces,
    });
    const messages = buildFewShotMessages(item, selection.shots, {
      format: s.format,
      lang: item.lang,
      system: model.systemPrompt ?? defaultSystemPrompt(item.lang),
      renderQuestion,
      instruction: (optionCount) => instructionFor("cot", item.lang, optionCount),
    });
    return {
      messages,
      shots: selection.shots.map((t) => t.id),
      extra: {
        shots_excluded: selection.excluded,
        shots_filled_randomly: selection.filled_randomly,
        shot_scores: selection.scores,
        ...(selection.query_terms ? { shot_query_terms: selection.query_terms } : {}),
        ...(selection.at_risk.length > 0 ? { shots_from_evaluated_split: selection.at_risk } : {}),
      },
    };
  };
}

/** Leaks the guard kept out of a run's prompts, by reason: reported at the end of a run. */
export function countExclusions(samples: Iterable<{ scores?: Record<string, unknown> }>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of samples) {
    for (const e of (s.scores?.shots_excluded as { reason: string }[] | undefined) ?? []) counts[e.reason] = (counts[e.reason] ?? 0) + 1;
  }
  return counts;
}

/**
 * The run summary's warning when shots may be other test items of the evaluated benchmark:
 * traces from its evaluated split (let in by --allow-test-split-traces), or of that benchmark
 * with no split recorded. Null when no prompt had such a shot.
 */
export function evaluatedSplitWarning(samples: Iterable<{ task: string; scores?: Record<string, unknown> }>): string | null {
  let prompts = 0;
  const bySplit: Record<string, Set<string>> = {};
  const tasks = new Set<string>();
  for (const s of samples) {
    const risky = (s.scores?.shots_from_evaluated_split as { id: string; split: string }[] | undefined) ?? [];
    if (risky.length === 0) continue;
    prompts++;
    tasks.add(s.task);
    for (const r of risky) (bySplit[r.split] ??= new Set()).add(r.id);
  }
  if (prompts === 0) return null;
  const parts = Object.entries(bySplit).map(([split, ids]) =>
    split === "unknown" ? `${ids.size} trace(s) of the evaluated benchmark whose split is unknown` : `${ids.size} trace(s) written for its evaluated (${split}) split`,
  );
  return (
    `warning: ${prompts} prompt(s) of ${[...tasks].sort().join(", ")} used ${parts.join(" and ")} as shots: they may be other test items' answers, and the accuracy may be inflated. ` +
    "Give traces a split field (train, dev, test) at import; test-split traces are used only with --allow-test-split-traces. The ids are in each sample's scores.shots_from_evaluated_split."
  );
}
