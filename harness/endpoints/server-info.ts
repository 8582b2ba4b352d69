// What the server says about itself (recorded in run.json) and whether it is up (for the
// endpoint pool's probes). Missing endpoints are normal (routers, hosted APIs): never fatal.
// The requests go through our node:http fetch, as the SDK's do: the global fetch would load
// Node's bundled undici (~50 ms of CPU) for three small GETs before a run's first request.
import { createNodeFetch, type NodeFetch } from "./http-fetch.ts";

let probes: NodeFetch | undefined;
/** One keep-alive pool for every probe of the process (idle sockets do not hold it open). */
function probeFetch(url: string, init: RequestInit): Promise<Response> {
  probes ??= createNodeFetch();
  return probes.fetch(url, init);
}

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
    const response = await probeFetch(url, { headers: authHeaders(apiKey), signal: AbortSignal.timeout(timeoutMs) });
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

/**
 * Is the endpoint serving? vLLM answers GET /health with 200 (503 when its engine died);
 * servers without /health (routers, other OpenAI-compatible servers) are asked for /v1/models.
 */
export async function probeEndpoint(baseUrl: string, apiKey?: string, timeoutMs = 5_000): Promise<boolean> {
  try {
    const health = await probeFetch(`${serverRoot(baseUrl)}/health`, { headers: authHeaders(apiKey), signal: AbortSignal.timeout(timeoutMs) });
    await health.body?.cancel();
    if (health.ok) return true;
    if (health.status !== 404) return false;
    const models = await probeFetch(`${v1(baseUrl)}/models`, { headers: authHeaders(apiKey), signal: AbortSignal.timeout(timeoutMs) });
    await models.body?.cancel();
    return models.ok;
  } catch {
    return false;
  }
}
