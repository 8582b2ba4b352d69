// A pool over a model's base URLs (vLLM replicas). Each attempt goes to the healthy
// endpoint with the most room (fewest in flight relative to its adaptive limit); a retry
// prefers another endpoint than the one that just failed. An endpoint that fails several
// times in a row (refused or reset connections, 5xx, timeouts) is taken out and probed
// (GET /health, else /v1/models) with backoff until it answers, then put back. When every
// endpoint is out, requests wait a bounded time and then end as errors.
//
// Per request this does a linear scan over the endpoints and a few counter updates: the
// CPU budget (<0.3 ms per request at 256 in flight) is spent in HTTP, not here.
import {
  createChatClient,
  runWithRetries,
  type Attempt,
  type CallOptions,
  type ChatOutcome,
  type ChatRequestBody,
  type CompletionOutcome,
  type CompletionRequestBody,
  type EmbeddingOutcome,
  type EndpointClient,
  type FailureOutcome,
  type RetryPolicy,
} from "./client.ts";
import { AdaptiveLimit } from "./concurrency.ts";
import type { BackoffPolicy, Failure } from "./errors.ts";
import { createNodeFetch } from "./http-fetch.ts";
import { probeEndpoint } from "./server-info.ts";

export interface EndpointPoolOptions {
  baseUrls: string[];
  apiKey?: string;
  apiKeyEnv?: string;
  /** Per attempt. */
  timeoutMs: number;
  maxRetries: number;
  backoff: BackoffPolicy;
  /** Ceiling of in-flight requests per endpoint; the adaptive limit moves below it. */
  maxConcurrency: number;
  minConcurrency?: number;
  /** Consecutive failures (connection, 5xx, timeout) that take an endpoint out (default 3). */
  failureThreshold?: number;
  /** Backoff between probes of an endpoint that is out (default 500 ms doubling to 30 s). */
  probeBackoff?: BackoffPolicy;
  /** How long requests wait, from the start of an outage of every endpoint, before they fail (default 60 s). */
  unavailableWaitMs?: number;
  /** Aborts everything (Ctrl-C). */
  signal?: AbortSignal;
  /** Replaces the HTTP probe (tests, or a custom readiness check). */
  probe?: (baseUrl: string) => Promise<boolean>;
}

export interface EndpointStats {
  url: string;
  healthy: boolean;
  inFlight: number;
  /** Current adaptive concurrency limit. */
  limit: number;
  /** Attempts sent to this endpoint. */
  attempts: number;
  /** Attempts that failed (any reason but abort). */
  failures: number;
  /** Times this endpoint was taken out. */
  outages: number;
}

export type PoolOutcome<T> = ({ kind: "ok"; value: T } & { attempts: number; latencyMs: number; endpoint: string }) | FailureOutcome;

export interface EndpointPool {
  readonly urls: readonly string[];
  chat(body: ChatRequestBody, options?: CallOptions): Promise<ChatOutcome>;
  completions(body: CompletionRequestBody, options?: CallOptions): Promise<CompletionOutcome>;
  embeddings(inputs: string[], options: CallOptions & { model: string }): Promise<EmbeddingOutcome>;
  /**
   * The general form: `attempt` makes one request on the endpoint it is given; the pool
   * chooses the endpoint, retries (elsewhere when it can) and accounts the outcome.
   */
  run<T>(attempt: (client: EndpointClient, signal?: AbortSignal) => Promise<Attempt<T>>, options?: CallOptions & { model?: string }): Promise<PoolOutcome<T>>;
  /** Sum of the healthy endpoints' current limits: more in flight than this only queues. */
  capacity(): number;
  stats(): EndpointStats[];
  close(): void;
}

interface Endpoint {
  url: string;
  client: EndpointClient;
  limit: AdaptiveLimit;
  inFlight: number;
  healthy: boolean;
  consecutiveFailures: number;
  probeRound: number;
  probeTimer?: NodeJS.Timeout;
  attempts: number;
  failures: number;
  outages: number;
}

interface Waiter {
  resolve(endpoint: Endpoint | "unavailable" | "aborted"): void;
  signal?: AbortSignal;
  onAbort?: () => void;
  deadline?: NodeJS.Timeout;
}

export function createEndpointPool(options: EndpointPoolOptions): EndpointPool {
  if (options.baseUrls.length === 0) throw new Error("an endpoint pool needs at least one base URL");
  const failureThreshold = options.failureThreshold ?? 3;
  const probeBackoff = options.probeBackoff ?? { baseMs: 500, maxMs: 30_000 };
  const unavailableWaitMs = options.unavailableWaitMs ?? 60_000;
  const probe = options.probe ?? ((url: string) => probeEndpoint(url, options.apiKey, Math.min(options.timeoutMs, 5_000)));
  const policy: RetryPolicy = { maxRetries: options.maxRetries, backoff: options.backoff };
  const sharedFetch = createNodeFetch();
  let closed = false;

  const endpoints: Endpoint[] = options.baseUrls.map((url) => ({
    url,
    client: createChatClient({ baseUrl: url, apiKey: options.apiKey, apiKeyEnv: options.apiKeyEnv, timeoutMs: options.timeoutMs, maxRetries: 0, backoff: options.backoff, fetch: sharedFetch }),
    limit: new AdaptiveLimit({ max: options.maxConcurrency, min: options.minConcurrency }),
    inFlight: 0,
    healthy: true,
    consecutiveFailures: 0,
    probeRound: 0,
    attempts: 0,
    failures: 0,
    outages: 0,
  }));
  const byUrl = new Map(endpoints.map((e) => [e.client.baseUrl, e]));
  const queue: Waiter[] = [];
  let rotation = 0;

  /** The healthy endpoint with the lowest load (in flight ÷ limit) and a free slot; `avoid` only as a last resort. */
  function pick(avoid?: Endpoint): Endpoint | undefined {
    let best: Endpoint | undefined;
    let bestLoad = Infinity;
    const n = endpoints.length;
    // Rotate the scan's start so equal loads spread instead of piling on the first URL.
    rotation = (rotation + 1) % n;
    for (let k = 0; k < n; k++) {
      const e = endpoints[(rotation + k) % n];
      if (!e.healthy || e === avoid) continue;
      const limit = e.limit.current;
      if (e.inFlight >= limit) continue;
      const load = e.inFlight / limit;
      if (load < bestLoad) {
        best = e;
        bestLoad = load;
      }
    }
    if (!best && avoid && avoid.healthy && avoid.inFlight < avoid.limit.current) best = avoid;
    return best;
  }

  const anyHealthy = () => endpoints.some((e) => e.healthy);
  /** When the last healthy endpoint went out (undefined while any is healthy). */
  let allOutSince: number | undefined;

  /**
   * Fail a waiting request once the outage has lasted unavailableWaitMs, counted from the
   * outage's start, not the request's arrival: after a long outage new requests fail at
   * once, so a run whose servers are gone ends (and can be resumed) instead of crawling.
   */
  function armDeadline(waiter: Waiter): void {
    if (waiter.deadline) return;
    allOutSince ??= Date.now();
    const remaining = Math.max(0, allOutSince + unavailableWaitMs - Date.now());
    waiter.deadline = setTimeout(() => {
      const i = queue.indexOf(waiter);
      if (i >= 0) queue.splice(i, 1);
      settle(waiter, "unavailable");
    }, remaining);
  }

  function settle(waiter: Waiter, result: Endpoint | "unavailable" | "aborted"): void {
    if (waiter.deadline) clearTimeout(waiter.deadline);
    if (waiter.onAbort) waiter.signal?.removeEventListener("abort", waiter.onAbort);
    waiter.resolve(result);
  }

  /** Hand free slots to queued requests, oldest first. */
  function drain(): void {
    while (queue.length > 0) {
      const endpoint = pick();
      if (!endpoint) break;
      endpoint.inFlight++;
      settle(queue.shift()!, endpoint);
    }
    if (queue.length > 0 && !anyHealthy()) for (const waiter of queue) armDeadline(waiter);
  }

  function acquire(avoid: Endpoint | undefined, signal?: AbortSignal): Endpoint | Promise<Endpoint | "unavailable" | "aborted"> {
    // Fast path only when nobody queues ahead of us (FIFO fairness).
    if (queue.length === 0) {
      const endpoint = pick(avoid);
      if (endpoint) {
        endpoint.inFlight++;
        return endpoint;
      }
    }
    return new Promise((resolve) => {
      const waiter: Waiter = { resolve, signal };
      if (signal) {
        waiter.onAbort = () => {
          const i = queue.indexOf(waiter);
          if (i >= 0) queue.splice(i, 1);
          settle(waiter, "aborted");
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      queue.push(waiter);
      if (!anyHealthy()) armDeadline(waiter);
    });
  }

  function release(endpoint: Endpoint): void {
    endpoint.inFlight--;
    if (queue.length > 0) drain();
  }

  function takeOut(endpoint: Endpoint): void {
    if (!endpoint.healthy) return;
    endpoint.healthy = false;
    endpoint.outages++;
    endpoint.probeRound = 0;
    if (!anyHealthy()) allOutSince ??= Date.now();
    scheduleProbe(endpoint);
    if (queue.length > 0 && !anyHealthy()) for (const waiter of queue) armDeadline(waiter);
  }

  function scheduleProbe(endpoint: Endpoint): void {
    if (closed) return;
    const delay = Math.min(probeBackoff.maxMs, probeBackoff.baseMs * 2 ** endpoint.probeRound);
    endpoint.probeRound++;
    endpoint.probeTimer = setTimeout(async () => {
      endpoint.probeTimer = undefined;
      const up = await probe(endpoint.url).catch(() => false);
      if (closed) return;
      if (!up) return scheduleProbe(endpoint);
      endpoint.healthy = true;
      endpoint.consecutiveFailures = 0;
      allOutSince = undefined;
      for (const waiter of queue) {
        if (waiter.deadline) clearTimeout(waiter.deadline);
        waiter.deadline = undefined;
      }
      drain();
    }, delay);
    endpoint.probeTimer.unref();
  }

  function record(endpoint: Endpoint, ticket: number, failure: Failure | undefined): void {
    if (!failure) {
      endpoint.consecutiveFailures = 0;
      endpoint.limit.onSuccess(ticket);
      return;
    }
    if (failure.kind === "aborted") return;
    endpoint.failures++;
    switch (failure.kind) {
      case "overload":
      case "timeout":
        endpoint.limit.onOverload(ticket);
        // A 429 comes from a live router; 503 and timeouts may also mean a dead engine.
        if (failure.status === 429) return;
        break;
      case "connection":
      case "server":
      case "malformed":
        break;
      default:
        // The server answered sensibly (400, 401, 404, context overflow): it is alive.
        endpoint.consecutiveFailures = 0;
        return;
    }
    if (++endpoint.consecutiveFailures >= failureThreshold) takeOut(endpoint);
  }

  function run<T>(attemptOn: (client: EndpointClient, signal?: AbortSignal) => Promise<Attempt<T>>, callOptions: CallOptions & { model?: string } = {}): Promise<PoolOutcome<T>> {
    const signal = callOptions.signal && options.signal ? AbortSignal.any([callOptions.signal, options.signal]) : (callOptions.signal ?? options.signal);
    let lastFailed: Endpoint | undefined;
    return runWithRetries<T>(
      async () => {
        const acquired = acquire(lastFailed, signal);
        const endpoint = acquired instanceof Promise ? await acquired : acquired;
        if (endpoint === "aborted") return { ok: false, failure: { kind: "aborted", message: "aborted by the caller" }, endpoint: "" };
        if (endpoint === "unavailable") {
          const message = `no endpoint answered for ${Math.round(unavailableWaitMs / 1000)} s: every one of ${options.baseUrls.join(", ")} is failing its health probe`;
          return { ok: false, failure: { kind: "unavailable", message }, endpoint: "" };
        }
        const ticket = endpoint.limit.start();
        endpoint.attempts++;
        let result: Attempt<T>;
        try {
          result = await attemptOn(endpoint.client, signal);
        } finally {
          release(endpoint);
        }
        record(endpoint, ticket, result.ok ? undefined : result.failure);
        lastFailed = result.ok ? undefined : endpoint;
        return { ...result, endpoint: endpoint.client.baseUrl };
      },
      policy,
      (failure, url) => {
        const endpoint = byUrl.get(url);
        return endpoint ? endpoint.client.explain(failure, callOptions.model) : Promise.resolve(failure.message);
      },
      signal,
    );
  }

  return {
    urls: endpoints.map((e) => e.client.baseUrl),
    async chat(body, callOptions = {}) {
      const outcome = await run((client, signal) => client.attemptChat(body, signal), { ...callOptions, model: body.model });
      return outcome.kind === "ok" ? { ...outcome.value, kind: "ok", attempts: outcome.attempts, latencyMs: outcome.latencyMs, endpoint: outcome.endpoint } : outcome;
    },
    async completions(body, callOptions = {}) {
      const outcome = await run((client, signal) => client.attemptCompletions(body, signal), { ...callOptions, model: body.model });
      return outcome.kind === "ok" ? { ...outcome.value, kind: "ok", attempts: outcome.attempts, latencyMs: outcome.latencyMs, endpoint: outcome.endpoint } : outcome;
    },
    async embeddings(inputs, callOptions) {
      const outcome = await run((client, signal) => client.attemptEmbeddings(inputs, callOptions.model, signal), callOptions);
      return outcome.kind === "ok" ? { ...outcome.value, kind: "ok", attempts: outcome.attempts, latencyMs: outcome.latencyMs, endpoint: outcome.endpoint } : outcome;
    },
    run,
    capacity: () => endpoints.reduce((sum, e) => sum + (e.healthy ? e.limit.current : 0), 0),
    stats: () =>
      endpoints.map((e) => ({
        url: e.client.baseUrl,
        healthy: e.healthy,
        inFlight: e.inFlight,
        limit: e.limit.current,
        attempts: e.attempts,
        failures: e.failures,
        outages: e.outages,
      })),
    close() {
      closed = true;
      for (const e of endpoints) if (e.probeTimer) clearTimeout(e.probeTimer);
      for (const waiter of queue.splice(0)) settle(waiter, "aborted");
      sharedFetch.destroy();
    },
  };
}
