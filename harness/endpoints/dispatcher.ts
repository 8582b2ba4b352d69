// The way to a model for anything that sends chat requests (a run, a translation, trace
// generation): an endpoint pool over the model's base URLs (least busy replica, retries,
// adaptive concurrency), its outcomes reduced to the one reply shape callers record, and the
// response cache in front of it.
import { ResponseCache } from "./cache.ts";
import { createEndpointPool, type EndpointPool } from "./endpoints.ts";
import type { Usage } from "../types.ts";
import { DEFAULT_MAX_RETRIES } from "./defaults.ts";
import type { ChatOutcome } from "./client.ts";

/** A model's reply to one chat request, as every caller records it (and the cache stores it). */
export interface ChatReply {
  content: string | null;
  reasoning: string | null;
  finishReason: string | null;
  usage: Usage | null;
}

/** One chat request's outcome after retries: a reply, a prompt too long for the context, or an error. */
export type RequestResult =
  | ({ kind: "ok"; attempts: number; latencyMs: number; endpoint?: string; cached?: boolean } & ChatReply)
  | { kind: "context_overflow"; message: string; attempts: number; latencyMs: number; endpoint?: string }
  | { kind: "error"; message: string; attempts: number; latencyMs: number; endpoint?: string };

/** Sends one chat request somewhere (an endpoint, a pool of replicas) with retries. */
export interface ChatDispatcher {
  chat(body: Record<string, unknown>, signal: AbortSignal): Promise<RequestResult>;
}

/** Where a model is served: what the pool needs of a models.yaml entry. */
export interface ModelEndpoints {
  baseUrls: string[];
  apiKeyEnv?: string;
  timeoutMs: number;
}

export interface DispatcherOptions {
  apiKey?: string;
  /** Requests in flight across all endpoints; absent: each endpoint's own limit (max_concurrency) times the endpoints. */
  concurrency?: number;
  maxRetries?: number;
  /** How long requests wait for an endpoint that is out before they fail (the pool's default when absent). */
  unavailableWaitMs?: number;
}


export function createDispatcher(model: ModelEndpoints & { maxConcurrency: number }, opts: DispatcherOptions): ChatDispatcher & { pool: EndpointPool; concurrency: number; close(): void } {
  // One split, made here: a total the user asked for is shared among the endpoints; otherwise
  // each endpoint takes its own limit and the total is what they add up to.
  const perEndpoint = opts.concurrency !== undefined ? Math.max(1, Math.ceil(opts.concurrency / model.baseUrls.length)) : model.maxConcurrency;
  const concurrency = opts.concurrency ?? perEndpoint * model.baseUrls.length;
  const pool = createEndpointPool({
    baseUrls: model.baseUrls,
    apiKey: opts.apiKey,
    apiKeyEnv: model.apiKeyEnv,
    timeoutMs: model.timeoutMs,
    maxRetries: opts.maxRetries ?? DEFAULT_MAX_RETRIES,
    backoff: { baseMs: 500, maxMs: 30_000 },
    maxConcurrency: perEndpoint,
    unavailableWaitMs: opts.unavailableWaitMs,
  });
  return {
    pool,
    concurrency,
    async chat(body, signal): Promise<RequestResult> {
      return requestResultOf(await pool.chat(body as { model: string; messages: { role: string; content: string }[] }, { signal }));
    },
    close: () => pool.close(),
  };
}

/** A chat outcome of the client or pool reduced to the reply shape callers record (also what a batch import replays). */
export function requestResultOf(outcome: ChatOutcome): RequestResult {
  const common = { attempts: outcome.attempts, latencyMs: outcome.latencyMs, endpoint: outcome.endpoint };
  switch (outcome.kind) {
    case "ok":
      return { kind: "ok", ...common, content: outcome.content, reasoning: outcome.reasoning, finishReason: outcome.finishReason, usage: outcome.usage };
    case "context_overflow":
      return { kind: "context_overflow", ...common, message: outcome.message };
    case "aborted":
      return { kind: "error", ...common, message: "aborted" };
    default:
      return { kind: "error", ...common, message: outcome.message };
  }
}

export interface CachedChatOptions {
  dispatcher: ChatDispatcher;
  /** null: neither read nor written (no checkpoint identity, or --no-cache). */
  cache: ResponseCache | null;
  /** The served model's identity for the cache key (tied to its weights). */
  modelIdentity: string;
}

/**
 * One chat request through the cache: a hit is answered without sending (attempts 0, cached),
 * a miss is sent and a reply stored. Null when the caller stopped before a reply came: an
 * abandoned request is not an outcome (a reply that arrives after Ctrl-C still is one).
 */
export async function cachedChat(opts: CachedChatOptions, body: Record<string, unknown>, signal: AbortSignal): Promise<{ result: RequestResult; sent: number } | null> {
  const key = opts.cache ? ResponseCache.key(opts.modelIdentity, body) : null;
  const found = key ? await opts.cache!.lookup(key) : null;
  if (found?.kind === "hit") {
    const hit = found.value;
    return { result: { kind: "ok", content: hit.content, reasoning: hit.reasoning, finishReason: hit.finish_reason, usage: hit.usage, attempts: 0, latencyMs: 0, cached: true }, sent: 0 };
  }
  try {
    const result = await opts.dispatcher.chat(body, signal);
    if (signal.aborted && result.kind !== "ok") return null;
    if (key && result.kind === "ok") {
      opts.cache!.set(key, { content: result.content, reasoning: result.reasoning, finish_reason: result.finishReason, usage: result.usage });
    }
    return { result, sent: 1 };
  } finally {
    found?.done();
  }
}
