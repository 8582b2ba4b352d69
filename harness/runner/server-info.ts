// What the server says about itself (recorded in run.json) and whether it is up (for the
// endpoint pool's probes). Missing endpoints are normal (routers, hosted APIs): never fatal.

export interface ServerInfo {
  /** The /v1/models body as returned (ids, roots, max_model_len), or null when unavailable. */
  models: unknown | null;
  /** `version` from GET /version (vLLM), or null. */
  version: string | null;
}

/** http://host:8000/v1 → http://host:8000 (where vLLM serves /health and /version). */
export function serverRoot(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, "").replace(/\/v1$/, "");
}

function v1(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, "");
}

function authHeaders(apiKey?: string): Record<string, string> {
  return apiKey ? { authorization: `Bearer ${apiKey}` } : {};
}

async function getJson(url: string, apiKey: string | undefined, timeoutMs: number): Promise<unknown | null> {
  try {
    const response = await fetch(url, { headers: authHeaders(apiKey), signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) {
      await response.body?.cancel();
      return null;
    }
    return await response.json();
  } catch {
    return null;
  }
}

export async function fetchServerInfo(baseUrl: string, apiKey?: string, timeoutMs = 10_000): Promise<ServerInfo> {
  const [models, version] = await Promise.all([
    getJson(`${v1(baseUrl)}/models`, apiKey, timeoutMs),
    getJson(`${serverRoot(baseUrl)}/version`, apiKey, timeoutMs),
  ]);
  const versionText = version && typeof version === "object" && typeof (version as { version?: unknown }).version === "string" ? (version as { version: string }).version : null;
  return { models: models ?? null, version: versionText };
}

/** Model ids from a /v1/models body ([] when it has none or is not that shape). */
export function servedModelIds(models: unknown): string[] {
  const data = (models as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) return [];
  return data.map((m) => (m as { id?: unknown })?.id).filter((id): id is string => typeof id === "string");
}

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

/**
 * Is the endpoint serving? vLLM answers GET /health with 200 (503 when its engine died);
 * servers without /health (routers, other OpenAI-compatible servers) are asked for /v1/models.
 */
export async function probeEndpoint(baseUrl: string, apiKey?: string, timeoutMs = 5_000): Promise<boolean> {
  try {
    const health = await fetch(`${serverRoot(baseUrl)}/health`, { headers: authHeaders(apiKey), signal: AbortSignal.timeout(timeoutMs) });
    await health.body?.cancel();
    if (health.ok) return true;
    if (health.status !== 404) return false;
    const models = await fetch(`${v1(baseUrl)}/models`, { headers: authHeaders(apiKey), signal: AbortSignal.timeout(timeoutMs) });
    await models.body?.cancel();
    return models.ok;
  } catch {
    return false;
  }
}
