// What went wrong with one request to an endpoint, and whether trying again can help.
// Kept apart from the client so the retry policy can be read (and tested) in one place.
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from "openai";

export type FailureKind =
  /** 429 or 503: the server (or a router in front of it) wants less load. */
  | "overload"
  /** No answer within the client timeout. */
  | "timeout"
  /** Refused, reset or dropped connection (also: idle keep-alive sockets closed by vLLM). */
  | "connection"
  /** 500, 502, 504, …: the server failed this request. */
  | "server"
  /** 200 whose body is not the JSON it should be. */
  | "malformed"
  /** 400 saying the prompt and max_tokens do not fit the model's context. */
  | "context_overflow"
  | "unauthorized"
  | "not_found"
  /** Any other 4xx: the request itself is wrong; sending it again gives the same answer. */
  | "bad_request"
  /** Every endpoint of a pool was out for longer than the pool waits. */
  | "unavailable"
  /** The caller aborted (Ctrl-C): never retried. */
  | "aborted";

export interface Failure {
  kind: FailureKind;
  message: string;
  status?: number;
  /** From Retry-After (seconds or HTTP date) or retry-after-ms. */
  retryAfterMs?: number;
}

const RETRYABLE: ReadonlySet<FailureKind> = new Set(["overload", "timeout", "connection", "server", "malformed"]);

export function isRetryable(failure: Failure): boolean {
  return RETRYABLE.has(failure.kind);
}

/**
 * vLLM's context-length 400 has been worded several ways across versions and code paths
 * ("maximum context length is N tokens", "You passed N input tokens and requested M output
 * tokens", "max_tokens=M cannot be greater than max_model_len=…" from renderers/params.py,
 * "The decoder prompt (length N) is longer than the maximum model length of M" from
 * input_processor.py, "…is too large"), so match loosely. docs/vllm-compat.md says where each
 * was read.
 */
const CONTEXT_OVERFLOW =
  /maximum context length|context length is only|context window|input tokens and requested|input characters and requested|reduce the length|cannot be greater than max_(model_len|total_tokens)|longer than the maximum model length|(max_tokens|max_completion_tokens)'? (or '?max_completion_tokens'? )?is too large|prompt is too long|too many tokens/i;

export function isContextOverflowMessage(message: string): boolean {
  return CONTEXT_OVERFLOW.test(message);
}

/** Retry-After as seconds or an HTTP date (RFC 9110), or retry-after-ms; undefined when absent or unreadable. */
export function parseRetryAfter(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get("retry-after-ms");
  if (ms !== null && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Number(ms);
  const value = headers.get("retry-after");
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Older vLLM answers errors flat (`{"object":"error","message":…}`); the openai SDK reads only
 * `body.error`, so a flat body would reach us as "400 status code (no body)". Wrap the SDK's
 * fetch so that an error reply in the flat shape is handed on nested, with its words intact.
 */
export function nestFlatErrors<F extends (...args: any[]) => Promise<Response>>(fetch: F): F {
  return (async (...args: unknown[]) => {
    const response = await fetch(...args);
    if (response.ok || !/json/i.test(response.headers.get("content-type") ?? "")) return response;
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const flat = body && typeof body === "object" && !Array.isArray(body) && !("error" in body) && typeof (body as Record<string, unknown>).message === "string";
    const headers = new Headers(response.headers);
    headers.delete("content-length");
    return new Response(flat ? JSON.stringify({ error: body }) : text, { status: response.status, statusText: response.statusText, headers });
  }) as F;
}

/** The server's own words from either vLLM error shape (nested `{error:{message}}`, flat `{object:"error",message}`) or a bare string. */
function serverMessage(err: APIError): string {
  const body = err.error as unknown;
  if (typeof body === "string") return body;
  if (body && typeof body === "object") {
    const record = body as Record<string, unknown>;
    if (typeof record.message === "string") return record.message;
    const nested = record.error;
    if (typeof nested === "string") return nested;
    if (nested && typeof nested === "object" && typeof (nested as Record<string, unknown>).message === "string") return (nested as Record<string, string>).message;
    if (typeof record.detail === "string") return record.detail;
  }
  return err.message;
}

const CONNECTION_CODES = /ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|UND_ERR|socket hang up|terminated|other side closed|aborted/i;

function describeCause(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current && depth < 4; depth++) {
    const e = current as { message?: string; code?: string; cause?: unknown };
    if (e.code && !parts.includes(e.code)) parts.push(e.code);
    if (e.message && !parts.includes(e.message)) parts.push(e.message);
    current = e.cause;
  }
  return parts.join(": ");
}

/** Classify anything a request can throw: SDK errors, our fetch's errors, JSON parse errors. */
export function classifyFailure(err: unknown, signal?: AbortSignal): Failure {
  if (signal?.aborted || err instanceof APIUserAbortError) return { kind: "aborted", message: "aborted by the caller" };
  if (err instanceof APIConnectionTimeoutError) return { kind: "timeout", message: "no response within the client timeout" };
  if (err instanceof APIConnectionError) return { kind: "connection", message: `connection failed (${describeCause(err.cause ?? err)})` };
  if (err instanceof APIError && typeof err.status === "number") {
    const status = err.status;
    const message = serverMessage(err);
    const retryAfterMs = parseRetryAfter(err.headers);
    if (status === 429 || status === 503) return { kind: "overload", status, message, retryAfterMs };
    if (status >= 500) return { kind: "server", status, message, retryAfterMs };
    if (status === 400 && isContextOverflowMessage(message)) return { kind: "context_overflow", status, message };
    if (status === 401 || status === 403) return { kind: "unauthorized", status, message };
    if (status === 404) return { kind: "not_found", status, message };
    if (status === 408) return { kind: "timeout", status, message };
    return { kind: "bad_request", status, message };
  }
  if (err instanceof SyntaxError) return { kind: "malformed", message: `the server sent a response that is not valid JSON (${err.message})` };
  if (err instanceof MalformedResponseError) return { kind: "malformed", message: err.message };
  if (err instanceof AbortedGenerationError) return { kind: "server", message: err.message };
  const description = describeCause(err);
  if (CONNECTION_CODES.test(description)) return { kind: "connection", message: `connection failed (${description})` };
  return { kind: "connection", message: `request failed (${description || String(err)})` };
}

/** A 200 whose JSON lacks what every OpenAI-compatible answer has (e.g. no choices). */
export class MalformedResponseError extends Error {
  override name = "MalformedResponseError";
}

/**
 * A 200 whose choice ended with finish_reason "abort": vLLM stopped the generation (engine
 * shutdown, a dropped request) and what came back is not an answer. It may work on another try.
 */
export class AbortedGenerationError extends Error {
  override name = "AbortedGenerationError";
  constructor() {
    super('the server aborted the generation (finish_reason "abort"); what it returned is not an answer');
  }
}

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/**
 * Delay before retry number `retry` (1-based): exponential backoff with full jitter, or the
 * server's Retry-After when it gave one (capped at maxMs, so a router asking for an hour
 * cannot stall a run; the retry budget then runs out and the item is reported as an error).
 */
export function retryDelayMs(retry: number, failure: Failure, backoff: BackoffPolicy, random: () => number = Math.random): number {
  if (failure.retryAfterMs !== undefined) return Math.min(failure.retryAfterMs, backoff.maxMs);
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}
