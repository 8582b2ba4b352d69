// Which checkpoint a run record says it was served from, and whether two records (replicas,
// shards, a run and its resume) agree on it: pure checks over the stored /v1/models body.

/** What vLLM's /v1/models says is behind a served name: the weights (`root`) and the context length. */
export interface ServedCheckpoint {
  root: string | null;
  max_model_len: number | null;
}

/**
 * The checkpoint behind the served name (the entry with that id, or the only entry of a
 * server that lists one model under another name, as llama.cpp does), or null when that is
 * unknown. Two runs under one model name can then be told apart.
 */
export function servedCheckpoint(models: unknown, servedModel: string): ServedCheckpoint | null {
  const data = (models as { data?: unknown } | null)?.data;
  if (!Array.isArray(data) || data.length === 0) return null;
  const entry = (data.find((m) => (m as { id?: unknown })?.id === servedModel) ?? (data.length === 1 ? data[0] : undefined)) as
    | { root?: unknown; max_model_len?: unknown }
    | undefined;
  if (!entry) return null;
  return {
    root: typeof entry?.root === "string" ? entry.root : null,
    max_model_len: typeof entry?.max_model_len === "number" ? entry.max_model_len : null,
  };
}

/** Where two checkpoints differ, in words (empty when they are the same or either is unknown). */
export function checkpointDifferences(before: ServedCheckpoint | null, now: ServedCheckpoint | null): string[] {
  if (!before || !now) return [];
  const out: string[] = [];
  if (before.root !== null && now.root !== null && before.root !== now.root) out.push(`weights (root in /v1/models): ${before.root} → ${now.root}`);
  if (before.max_model_len !== null && now.max_model_len !== null && before.max_model_len !== now.max_model_len) {
    out.push(`max_model_len: ${before.max_model_len} → ${now.max_model_len}`);
  }
  return out;
}

/**
 * The first two of a set (replicas, shards) whose checkpoints differ, with how. Pairwise: one
 * whose server did not say which weights it serves must not hide two others that differ.
 */
export function checkpointConflict<T extends { checkpoint: ServedCheckpoint | null }>(items: readonly T[]): { a: T; b: T; differences: string[] } | null {
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      const differences = checkpointDifferences(items[i].checkpoint, items[j].checkpoint);
      if (differences.length > 0) return { a: items[i], b: items[j], differences };
    }
  }
  return null;
}
