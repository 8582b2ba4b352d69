// The way the answerers reach a model when there is no live server: a batch file instead.
// The answerers (generative, loglikelihood, first-token) are the ones a live run uses; only
// the endpoint under them changes. Exporting, the endpoint records the request an item would
// send and answers nothing; importing, it answers each item's request with its line from the
// batch output, parsed as the client parses a live reply. Which item is being answered travels
// with the call (AsyncLocalStorage), so the answerers need not know about batches.
import { AsyncLocalStorage } from "node:async_hooks";
import { APIError } from "openai";
import { parseChatResult, parseCompletionResult, type ChatOutcome, type ChatRequestBody, type CompletionOutcome, type CompletionRequestBody, type FailureOutcome } from "../endpoints/client.ts";
import { requestResultOf, type ChatDispatcher } from "../endpoints/dispatcher.ts";
import { classifyFailure, type Failure } from "../endpoints/errors.ts";
import type { Item, Sample } from "../types.ts";
import type { ChatEndpoint } from "./first-token.ts";
import type { CompletionsEndpoint } from "./loglikelihood.ts";
import type { PlannedTask } from "./plan.ts";
import type { ItemAnswerer } from "./run.ts";

/** The endpoint of chat requests in a batch file (generative and first-token scoring). */
export const BATCH_CHAT_URL = "/v1/chat/completions";
/** The endpoint of completions requests (loglikelihood scoring: echoed prompt logprobs). */
export const BATCH_COMPLETIONS_URL = "/v1/completions";

/** What the answerers call: `chat` for generative scoring, `pool` for the logprob modes (createDispatcher's shape). */
export interface AnswerRoute extends ChatDispatcher {
  pool: ChatEndpoint & CompletionsEndpoint;
}

export interface BatchRequest {
  url: string;
  body: Record<string, unknown>;
}

/** One line of a batch output file (vLLM run-batch, OpenAI Batch API), as read. */
export interface BatchOutputLine {
  /** file:line, for messages. */
  where: string;
  customId: string;
  /** response.status_code (null when the line has no response). */
  status: number | null;
  /** response.body: the reply, or the error body of a non-200. */
  body: unknown;
  /** The line's error field (null when none). */
  error: unknown;
}

/** A line that carries no reply: an error, no response, or a status other than 200. */
export function lineFailed(line: BatchOutputLine): boolean {
  return (line.error !== null && line.error !== undefined) || line.status !== 200;
}

interface RecordScope {
  kind: "record";
  requests: BatchRequest[];
  stop: AbortController;
}

interface ReplayScope {
  kind: "replay";
  /** null: the item has no line (it was left out because the response cache answers it). */
  line: BatchOutputLine | null;
  used: boolean;
}

const scope = new AsyncLocalStorage<RecordScope | ReplayScope>();

const NOT_SENT = { attempts: 0, latencyMs: 0, endpoint: "" } as const;

function current(): RecordScope | ReplayScope {
  const s = scope.getStore();
  if (!s) throw new Error("a batch route was called outside an item's scope (internal)");
  return s;
}

// ---------------------------------------------------------------------------------------
// Export: record the request, answer nothing.

function record(url: string, body: Record<string, unknown>): void {
  const s = current();
  if (s.kind !== "record") throw new Error("the recording route was called while replaying (internal)");
  s.requests.push({ url, body });
  // The answerer sees a call abandoned by its caller: no sample, nothing cached.
  s.stop.abort();
}

export const recordingRoute: AnswerRoute = {
  async chat(body) {
    record(BATCH_CHAT_URL, body);
    return { kind: "error", message: "aborted", ...NOT_SENT };
  },
  pool: {
    async chat(body: ChatRequestBody): Promise<ChatOutcome> {
      record(BATCH_CHAT_URL, body);
      return { kind: "aborted", ...NOT_SENT };
    },
    async completions(body: CompletionRequestBody): Promise<CompletionOutcome> {
      record(BATCH_COMPLETIONS_URL, body);
      return { kind: "aborted", ...NOT_SENT };
    },
  },
};

/**
 * What answering `item` would send: its one request, or the sample when the response cache
 * already answers it (nothing to send). `answer` must be built over `recordingRoute`.
 */
export async function requestOf(answer: ItemAnswerer, task: PlannedTask, item: Item): Promise<{ kind: "request"; request: BatchRequest } | { kind: "cached"; sample: Sample }> {
  const s: RecordScope = { kind: "record", requests: [], stop: new AbortController() };
  const answered = await scope.run(s, () => answer(task, item, s.stop.signal));
  if (s.requests.length === 1) return { kind: "request", request: s.requests[0] };
  if (s.requests.length === 0 && answered?.sample.cached) return { kind: "cached", sample: answered.sample };
  throw new Error(`answering ${task.meta.id}/${item.id} made ${s.requests.length} requests where a batch line holds one (internal)`);
}

// ---------------------------------------------------------------------------------------
// Import: answer the item's request with its line.

/** Runs `answer` for an item with its batch output line as the endpoint's reply. */
export function replaying(answer: ItemAnswerer, lineOf: (task: PlannedTask, item: Item) => BatchOutputLine | undefined): ItemAnswerer {
  return (task, item, signal) => scope.run({ kind: "replay", line: lineOf(task, item) ?? null, used: false }, () => answer(task, item, signal));
}

/** The failure a line reports, classified as the client classifies a live HTTP failure. */
function lineFailure(line: BatchOutputLine): Failure {
  const payload = line.error ?? line.body;
  if (line.status !== null && line.status !== 200) return classifyFailure(APIError.generate(line.status, { error: payload }, undefined, new Headers()));
  const words = errorWords(payload);
  return { kind: "server", message: words ?? "the line has no response" };
}

/** The message of an error field: a string, `{message}`, or `{error: {message}}`. */
function errorWords(payload: unknown): string | null {
  if (typeof payload === "string") return payload;
  const record = payload as { message?: unknown; error?: unknown } | null;
  if (record && typeof record.message === "string") return record.message;
  if (record && record.error !== undefined) return errorWords(record.error);
  return payload === null || payload === undefined ? null : JSON.stringify(payload);
}

function failureOutcome(line: BatchOutputLine, failure: Failure): FailureOutcome {
  const at = { attempts: 1, latencyMs: 0, endpoint: "" };
  if (failure.kind === "context_overflow") return { kind: "context_overflow", message: failure.message, status: failure.status ?? 400, ...at };
  const status = failure.status ? `HTTP ${failure.status}: ` : "";
  return { kind: "error", message: `batch line ${line.where} (${line.customId}): ${status}${failure.message}`, status: failure.status, failure: failure.kind, ...at };
}

/** The reply object a chat (chat.completion) or completions (text_completion) body says it is. */
const OBJECT_OF: Record<string, string> = { [BATCH_CHAT_URL]: "chat.completion", [BATCH_COMPLETIONS_URL]: "text_completion" };

function replay<T>(url: string, parse: (raw: unknown) => T): ({ kind: "ok" } & T & { attempts: number; latencyMs: number; endpoint: string }) | FailureOutcome {
  const s = current();
  if (s.kind !== "replay") throw new Error("the replay route was called while recording (internal)");
  const { line } = s;
  if (line === null) {
    const missing: BatchOutputLine = { where: "(none)", customId: "(none)", status: null, body: null, error: null };
    return failureOutcome(missing, { kind: "server", message: "the item has no line in the batch output, and the response cache no longer answers it" });
  }
  if (s.used) {
    // loglikelihood asks again, one prompt per option, when a server refuses a list of prompts.
    return failureOutcome(line, {
      kind: "bad_request",
      message:
        "answering this item asked for a second request, which no batch line holds (loglikelihood scoring sends one request per option after a server refuses a list of prompts); " +
        "run the item live: `medeval run` of the same spec resumes it",
    });
  }
  s.used = true;
  if (lineFailed(line)) return failureOutcome(line, lineFailure(line));
  const object = (line.body as { object?: unknown } | null)?.object;
  if (typeof object === "string" && object !== OBJECT_OF[url]) {
    return failureOutcome(line, { kind: "malformed", message: `the reply is a ${object}, but this run's request for the item goes to ${url}` });
  }
  try {
    return { kind: "ok", ...parse(line.body), attempts: 1, latencyMs: 0, endpoint: "" };
  } catch (err) {
    return failureOutcome(line, classifyFailure(err));
  }
}

export const replayRoute: AnswerRoute = {
  async chat() {
    return requestResultOf(replay(BATCH_CHAT_URL, parseChatResult) as ChatOutcome);
  },
  pool: {
    async chat(): Promise<ChatOutcome> {
      return replay(BATCH_CHAT_URL, parseChatResult) as ChatOutcome;
    },
    async completions(): Promise<CompletionOutcome> {
      return replay(BATCH_COMPLETIONS_URL, parseCompletionResult) as CompletionOutcome;
    },
  },
};
