// The few-shot-traces setting: for each item, k reasoning traces chosen from the trace
// store (seeded random, BM25 or embeddings, leakage-guarded) become worked examples before
// the question. Which traces were used, and which were excluded as leaks, go into the sample.
import type { ModelSpec } from "../models/schema.ts";
import { buildFewShotMessages, type ShotFormat } from "../prompts/fewshot.ts";
import { defaultSystemPrompt, instructionFor, renderQuestion } from "../prompts/templates.ts";
import type { EmbedFn } from "../traces/embed.ts";
import { DEFAULT_BM25_TERMS, selectShots, type SelectMethod } from "../traces/select.ts";
import type { TraceStore } from "../traces/store.ts";
import type { Item } from "../types.ts";
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
}

/**
 * What a few-shot run's spec records: change any of it and it is another run. The store is
 * identified by its content (rows and table version per language, embedding model), not by
 * its path, so shards on machines with different $MEDEVAL_HOME still belong together.
 */
export async function fewShotSpec(s: FewShotSettings, store: TraceStore): Promise<Record<string, unknown>> {
  const { tables, embedding_model } = await store.fingerprint();
  return {
    k: s.k,
    method: s.method,
    trace_lang: s.traceLang,
    format: s.format,
    bm25_terms: DEFAULT_BM25_TERMS,
    ...(s.method === "embedding" ? { query_embedding_model: s.embedModel ?? embedding_model } : {}),
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
