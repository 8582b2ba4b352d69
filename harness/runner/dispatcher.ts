// The run's way to the model: an endpoint pool over the model's base URLs (least busy
// replica, retries, adaptive concurrency), reduced to the outcomes a sample records.
import type { ModelSpec } from "../models/schema.ts";
import { createEndpointPool, type EndpointPool } from "../endpoints/endpoints.ts";
import type { ChatDispatcher } from "./run.ts";
import type { RequestResult } from "./to-sample.ts";

export interface DispatcherOptions {
  apiKey?: string;
  /** Requests in flight across all endpoints. */
  concurrency: number;
  maxRetries?: number;
  /** How long requests wait for an endpoint that is out before they fail (the pool's default when absent). */
  unavailableWaitMs?: number;
}

export function createDispatcher(model: ModelSpec, opts: DispatcherOptions): ChatDispatcher & { pool: EndpointPool; close(): void } {
  const pool = createEndpointPool({
    baseUrls: model.baseUrls,
    apiKey: opts.apiKey,
    apiKeyEnv: model.apiKeyEnv,
    timeoutMs: model.timeoutMs,
    maxRetries: opts.maxRetries ?? 6,
    backoff: { baseMs: 500, maxMs: 30_000 },
    maxConcurrency: Math.max(1, Math.ceil(opts.concurrency / model.baseUrls.length)),
    unavailableWaitMs: opts.unavailableWaitMs,
  });
  return {
    pool,
    async chat(body, signal): Promise<RequestResult> {
      const outcome = await pool.chat(body as { model: string; messages: { role: string; content: string }[] }, { signal });
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
    },
    close: () => pool.close(),
  };
}
