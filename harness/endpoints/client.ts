// The endpoint client: one OpenAI-compatible base URL, reached through the openai SDK with
// the SDK's own retries off, so that every attempt is ours to count, classify and report.
// Every call ends in an outcome (never a throw): an answer, a context overflow, an error
// after the retry budget, or an abort.
import OpenAI, { APIUserAbortError } from "openai";
import type { Usage } from "../types.ts";
import { AbortedGenerationError, classifyFailure, isRetryable, MalformedResponseError, nestFlatErrors, retryDelayMs, type BackoffPolicy, type Failure, type FailureKind } from "./errors.ts";
import { createNodeFetch, type NodeFetch } from "./http-fetch.ts";
import { fetchServerInfo, servedModelIds } from "./server-info.ts";

export interface ChatClientOptions {
  baseUrl: string;
  apiKey?: string;
  /** Name of the environment variable the key came from, to say which one to fix on a 401. */
  apiKeyEnv?: string;
  /** Per attempt. Reasoning models can take minutes for one answer: be generous. */
  timeoutMs: number;
  /** Retries after the first attempt. */
  maxRetries: number;
  backoff: BackoffPolicy;
  /** Aborts every call of this client (Ctrl-C). */
  signal?: AbortSignal;
  /** Told about every attempt: the endpoint pool's health and concurrency control listen here. */
  onAttempt?: (event: AttemptEvent) => void;
  /** Share one connection pool between clients (default: a new one per client). */
  fetch?: NodeFetch;
}

export type AttemptEvent = { ok: true; latencyMs: number } | { ok: false; failure: Failure; latencyMs: number };

export interface CallOptions {
  signal?: AbortSignal;
}

/** A chat request body: sent as given (sampling parameters included), unknown fields pass through. */
export interface ChatRequestBody {
  model: string;
  messages: Array<{ role: string; content: string }>;
  [field: string]: unknown;
}

export interface CompletionRequestBody {
  model: string;
  prompt: string | string[];
  [field: string]: unknown;
}

export interface ChatTokenLogprob {
  token: string;
  logprob: number;
  bytes?: number[] | null;
  top_logprobs?: Array<{ token: string; logprob: number; bytes?: number[] | null }>;
}

export interface CompletionLogprobs {
  tokens: string[];
  token_logprobs: Array<number | null>;
  top_logprobs: Array<Record<string, number> | null> | null;
  text_offset: number[];
}

export interface CompletionChoice {
  index: number;
  text: string;
  logprobs: CompletionLogprobs | null;
  finishReason: string | null;
}

interface Accounting {
  /** Requests sent for this call (1 + retries). */
  attempts: number;
  /** From the call's start to its outcome, retries and backoff included. */
  latencyMs: number;
  /** Base URL that produced the outcome. */
  endpoint: string;
}

export type FailureOutcome =
  | ({ kind: "context_overflow"; message: string; status: number } & Accounting)
  | ({ kind: "error"; message: string; status?: number; failure: FailureKind } & Accounting)
  /** Aborted by the caller: not an answer and not an error; the item is simply not done. */
  | ({ kind: "aborted" } & Accounting);

export interface ChatResult {
  content: string | null;
  /** `reasoning ?? reasoning_content`: vLLM renamed the field in v0.16. */
  reasoning: string | null;
  finishReason: string | null;
  usage: Usage | null;
  logprobs: ChatTokenLogprob[] | null;
  raw: unknown;
}

export interface CompletionResult {
  choices: CompletionChoice[];
  usage: Usage | null;
  raw: unknown;
}

export interface EmbeddingResult {
  vectors: number[][];
  usage: Usage | null;
}

export type ChatOutcome = ({ kind: "ok" } & ChatResult & Accounting) | FailureOutcome;
export type CompletionOutcome = ({ kind: "ok" } & CompletionResult & Accounting) | FailureOutcome;
export type EmbeddingOutcome = ({ kind: "ok" } & EmbeddingResult & Accounting) | FailureOutcome;

export type Attempt<T> = { ok: true; value: T } | { ok: false; failure: Failure };

/** One request per kind, no retries: what the pool calls so it can retry on another endpoint. */
export interface EndpointClient {
  readonly baseUrl: string;
  attemptChat(body: ChatRequestBody, signal?: AbortSignal): Promise<Attempt<ChatResult>>;
  attemptCompletions(body: CompletionRequestBody, signal?: AbortSignal): Promise<Attempt<CompletionResult>>;
  attemptEmbeddings(inputs: string[], model: string, signal?: AbortSignal): Promise<Attempt<EmbeddingResult>>;
  /** Turn a failure into words a person can act on (401: which key; 404: which models exist). */
  explain(failure: Failure, model?: string): Promise<string>;
}

export interface ChatClient extends EndpointClient {
  chat(body: ChatRequestBody, options?: CallOptions): Promise<ChatOutcome>;
  completions(body: CompletionRequestBody, options?: CallOptions): Promise<CompletionOutcome>;
  embeddings(inputs: string[], options: CallOptions & { model: string }): Promise<EmbeddingOutcome>;
  /** Release pooled sockets. */
  close(): void;
}

function usageOf(raw: any): Usage | null {
  const usage = raw?.usage;
  if (!usage || typeof usage !== "object") return null;
  return {
    prompt_tokens: Number(usage.prompt_tokens ?? 0),
    completion_tokens: Number(usage.completion_tokens ?? 0),
    total_tokens: Number(usage.total_tokens ?? 0),
  };
}

function choicesOf(raw: any): any[] {
  const choices = raw?.choices;
  if (!Array.isArray(choices) || choices.length === 0) throw new MalformedResponseError("the server answered 200 without any choices");
  if (choices.some((c: any) => c?.finish_reason === "abort")) throw new AbortedGenerationError();
  return choices;
}

export function parseChatResult(raw: any): ChatResult {
  const choice = choicesOf(raw)[0];
  const message = choice?.message ?? {};
  const reasoning = message.reasoning ?? message.reasoning_content ?? null;
  const content = message.content;
  return {
    content: typeof content === "string" ? content : null,
    reasoning: typeof reasoning === "string" ? reasoning : null,
    finishReason: typeof choice?.finish_reason === "string" ? choice.finish_reason : null,
    usage: usageOf(raw),
    logprobs: Array.isArray(choice?.logprobs?.content) ? choice.logprobs.content : null,
    raw,
  };
}

export function parseCompletionResult(raw: any): CompletionResult {
  const choices = choicesOf(raw)
    .map((c: any, position: number) => ({
      index: typeof c?.index === "number" ? c.index : position,
      text: typeof c?.text === "string" ? c.text : "",
      logprobs: c?.logprobs && Array.isArray(c.logprobs.tokens) ? (c.logprobs as CompletionLogprobs) : null,
      finishReason: typeof c?.finish_reason === "string" ? c.finish_reason : null,
    }))
    .sort((a, b) => a.index - b.index);
  return { choices, usage: usageOf(raw), raw };
}

function parseEmbeddingResult(raw: any): EmbeddingResult {
  const data = raw?.data;
  if (!Array.isArray(data)) throw new MalformedResponseError("the embeddings answer has no data list");
  const vectors = [...data].sort((a, b) => (a?.index ?? 0) - (b?.index ?? 0)).map((d) => d?.embedding);
  if (!vectors.every((v) => Array.isArray(v))) throw new MalformedResponseError("an embedding is not a list of numbers");
  return { vectors: vectors as number[][], usage: usageOf(raw) };
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

export interface RetryPolicy {
  maxRetries: number;
  backoff: BackoffPolicy;
}

/**
 * Run `attempt` until it succeeds, fails for good, runs out of retries or is aborted.
 * Exported for the endpoint pool, whose attempts may each go to a different endpoint.
 */
export async function runWithRetries<T>(
  attempt: (attemptNumber: number) => Promise<Attempt<T> & { endpoint: string }>,
  policy: RetryPolicy,
  explain: (failure: Failure, endpoint: string) => Promise<string>,
  signal?: AbortSignal,
): Promise<({ kind: "ok"; value: T } & Accounting) | FailureOutcome> {
  const start = performance.now();
  let attempts = 0;
  for (;;) {
    if (signal?.aborted) return { kind: "aborted", attempts, latencyMs: performance.now() - start, endpoint: "" };
    attempts++;
    const result = await attempt(attempts);
    const accounting = (): Accounting => ({ attempts, latencyMs: performance.now() - start, endpoint: result.endpoint });
    if (result.ok) return { kind: "ok", value: result.value, ...accounting() };
    const failure = result.failure;
    if (failure.kind === "aborted" || signal?.aborted) return { kind: "aborted", ...accounting() };
    if (failure.kind === "context_overflow") return { kind: "context_overflow", message: failure.message, status: failure.status ?? 400, ...accounting() };
    if (!isRetryable(failure) || attempts > policy.maxRetries) {
      const message = await explain(failure, result.endpoint);
      const after = isRetryable(failure) ? ` (gave up after ${attempts} attempt${attempts === 1 ? "" : "s"})` : "";
      return { kind: "error", message: message + after, status: failure.status, failure: failure.kind, ...accounting() };
    }
    await abortableSleep(retryDelayMs(attempts, failure, policy.backoff), signal);
  }
}

function combineSignals(a?: AbortSignal, b?: AbortSignal): AbortSignal | undefined {
  if (!a) return b;
  if (!b) return a;
  return AbortSignal.any([a, b]);
}

export function createChatClient(options: ChatClientOptions): ChatClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const ownFetch = options.fetch === undefined;
  const nodeFetch = options.fetch ?? createNodeFetch();
  const sdk = new OpenAI({
    baseURL: baseUrl,
    // vLLM without --api-key ignores the header; the SDK insists on some key.
    apiKey: options.apiKey || "EMPTY",
    maxRetries: 0,
    timeout: options.timeoutMs,
    fetch: nestFlatErrors(nodeFetch.fetch),
    organization: null,
    project: null,
  });
  // Cancellation goes to our fetch as a shared signal, not as the SDK's per-request signal:
  // see SharedAbortInit. Timeout and retries are the client's own settings.
  const requestOptions = (signal?: AbortSignal) => (signal ? ({ fetchOptions: { sharedSignal: signal } } as OpenAI.RequestOptions) : undefined);

  async function attempt<T>(send: (signal?: AbortSignal) => Promise<unknown>, parse: (raw: any) => T, signal?: AbortSignal): Promise<Attempt<T>> {
    const combined = combineSignals(options.signal, signal);
    const start = performance.now();
    let result: Attempt<T>;
    try {
      if (combined?.aborted) throw new APIUserAbortError();
      result = { ok: true, value: parse(await send(combined)) };
    } catch (err) {
      result = { ok: false, failure: classifyFailure(err, combined) };
    }
    if (options.onAttempt) {
      const latencyMs = performance.now() - start;
      options.onAttempt(result.ok ? { ok: true, latencyMs } : { ok: false, failure: result.failure, latencyMs });
    }
    return result;
  }

  // A wrong model name fails every request alike: ask /v1/models once, not once per item.
  let servedModels: Promise<string[]> | undefined;

  async function explain(failure: Failure, model?: string): Promise<string> {
    const where = `${baseUrl}`;
    if (failure.kind === "unauthorized") {
      const env = options.apiKeyEnv ? `the environment variable ${options.apiKeyEnv}` : "the model's api_key_env variable in models.yaml";
      return `${where} refused the API key (HTTP ${failure.status}: ${failure.message}). Check ${env}: it must hold the key the server was started with (vllm serve --api-key).`;
    }
    if (failure.kind === "not_found") {
      if (/model/i.test(failure.message)) {
        servedModels ??= fetchServerInfo(baseUrl, options.apiKey, 5_000).then((info) => servedModelIds(info.models));
        const ids = await servedModels;
        const served = ids.length > 0 ? `it serves: ${ids.join(", ")}` : "its /v1/models list could not be read";
        return `${where} does not serve the model${model ? ` "${model}"` : ""} (HTTP 404: ${failure.message}); ${served}. Set served_model in models.yaml (or --served-model) to one of these.`;
      }
      return `${where} has no such endpoint (HTTP 404: ${failure.message}). Is the base URL right (it usually ends in /v1)? A chat-only API has no /v1/completions.`;
    }
    if (failure.kind === "timeout") {
      const limit = options.timeoutMs >= 1000 ? `${Math.round(options.timeoutMs / 1000)} s` : `${options.timeoutMs} ms`;
      return `${where}: no answer within ${limit} (raise the timeout for long reasoning generations)`;
    }
    const status = failure.status ? `HTTP ${failure.status}: ` : "";
    return `${where}: ${status}${failure.message}`;
  }

  /** One call with our retry policy around single attempts, its outcome accounted to this endpoint. */
  async function retried<T>(
    attemptOnce: (signal?: AbortSignal) => Promise<Attempt<T>>,
    model: string,
    callOptions: CallOptions,
  ): Promise<({ kind: "ok" } & T & Accounting) | FailureOutcome> {
    const outcome = await runWithRetries(
      async () => ({ ...(await attemptOnce(callOptions.signal)), endpoint: baseUrl }),
      options,
      (failure) => explain(failure, model),
      combineSignals(options.signal, callOptions.signal),
    );
    return outcome.kind === "ok"
      ? { ...outcome.value, kind: "ok", attempts: outcome.attempts, latencyMs: outcome.latencyMs, endpoint: outcome.endpoint }
      : withEndpoint(outcome, baseUrl);
  }

  const client: ChatClient = {
    baseUrl,
    attemptChat: (body, signal) => attempt((s) => sdk.chat.completions.create(body as any, requestOptions(s)), parseChatResult, signal),
    attemptCompletions: (body, signal) => attempt((s) => sdk.completions.create(body as any, requestOptions(s)), parseCompletionResult, signal),
    attemptEmbeddings: (inputs, model, signal) =>
      attempt((s) => sdk.embeddings.create({ model, input: inputs, encoding_format: "float" }, requestOptions(s)), parseEmbeddingResult, signal),
    explain,

    chat: (body, callOptions = {}) => retried((signal) => client.attemptChat(body, signal), body.model, callOptions),
    completions: (body, callOptions = {}) => retried((signal) => client.attemptCompletions(body, signal), body.model, callOptions),
    embeddings: (inputs, callOptions) => retried((signal) => client.attemptEmbeddings(inputs, callOptions.model, signal), callOptions.model, callOptions),
    close() {
      if (ownFetch) nodeFetch.destroy();
    },
  };
  return client;
}

function withEndpoint(outcome: FailureOutcome, endpoint: string): FailureOutcome {
  return outcome.endpoint ? outcome : { ...outcome, endpoint };
}
