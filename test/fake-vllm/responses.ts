// Response bodies shaped like vLLM's OpenAI-compatible server (v0.16-ish): null fields are
// serialised, `model` is the served name, logprobs are clamped at -9999.
import { randomBytes } from "node:crypto";
import { countTokens, fnv1a, tokenize } from "./tokenizer.ts";
import type { FakeMessage, FakeReply, FakeVllmOptions, Scorer, TopList } from "./types.ts";

export const LOGPROB_FLOOR = -9999;

export function clampLogprob(value: number): number {
  return Number.isNaN(value) ? LOGPROB_FLOOR : Math.max(value, LOGPROB_FLOOR);
}

/** Default scorer: a stable pseudo-logprob in (-10, 0) from the prefix tail and the token. */
export const hashScorer: Scorer = (prefix, token) => -((fnv1a(prefix.slice(-64) + "\u0000" + token) % 1000) / 100) - 0.01;

export function errorBody(status: number, message: string, shape: "nested" | "flat", type?: string, param: string | null = null): unknown {
  const errorType = type ?? defaultErrorType(status);
  return shape === "flat"
    ? { object: "error", message, type: errorType, param, code: status }
    : { error: { message, type: errorType, param, code: status } };
}

function defaultErrorType(status: number): string {
  if (status === 400) return "BadRequestError";
  if (status === 404) return "NotFoundError";
  if (status === 429) return "RateLimitError";
  if (status === 503) return "ServiceUnavailableError";
  return "InternalServerError";
}

/**
 * The wordings vLLM has used for a request that does not fit the context (all HTTP 400):
 * - passed_tokens: current (renderers/params.py, prompt + max_tokens over max_model_len);
 * - maximum_context: older servers;
 * - max_model_len: max_tokens alone over max_model_len (renderers/params.py; the missing
 *   space after the number is vLLM's own);
 * - decoder_prompt: the prompt alone over max_model_len (v1/engine/input_processor.py).
 */
export type OverflowWording = "passed_tokens" | "maximum_context" | "max_model_len" | "decoder_prompt";

export function contextOverflowMessage(wording: OverflowWording, maxModelLen: number, promptTokens: number, maxTokens: number): string {
  switch (wording) {
    case "passed_tokens":
      return `You passed ${promptTokens} input tokens and requested ${maxTokens} output tokens. However, the model's context length is only ${maxModelLen} tokens, resulting in a maximum input length of ${Math.max(0, maxModelLen - maxTokens)} tokens. Please reduce the length of the input prompt. (parameter=input_tokens, value=${promptTokens})`;
    case "maximum_context":
      return `This model's maximum context length is ${maxModelLen} tokens. However, you requested ${promptTokens + maxTokens} tokens (${promptTokens} in the messages, ${maxTokens} in the completion). Please reduce the length of the messages or completion.`;
    case "max_model_len":
      return `max_tokens=${maxTokens}cannot be greater than max_model_len=max_total_tokens=${maxModelLen}. Please request fewer output tokens. (parameter=max_tokens, value=${maxTokens})`;
    case "decoder_prompt":
      return `The decoder prompt (length ${promptTokens}) is longer than the maximum model length of ${maxModelLen}. Make sure that \`max_model_len\` is no smaller than the number of text tokens.`;
  }
}

/** The wording the server itself uses for an overflow it detects, as current vLLM words it (unless told otherwise). */
export function detectedOverflowWording(forced: OverflowWording | undefined, maxModelLen: number, promptTokens: number, maxTokens: number): OverflowWording {
  if (forced) return forced;
  if (maxTokens > maxModelLen) return "max_model_len";
  if (promptTokens > maxModelLen) return "decoder_prompt";
  return "passed_tokens";
}

export function chatPromptTokens(messages: FakeMessage[]): number {
  let n = 3;
  for (const message of messages) n += countTokens(message.content) + 4;
  return n;
}

function requestId(prefix: string): string {
  return `${prefix}-${randomBytes(8).toString("hex")}`;
}

interface ChatChoiceInput {
  reply: FakeReply;
  content: string | null;
  reasoning: string | null;
  finishReason: string;
  completionTokens: number;
  /** Number of top_logprobs asked for, or null when logprobs were not requested. */
  topLogprobs: number | null;
}

export function chatCompletionBody(
  opts: FakeVllmOptions,
  model: string,
  promptTokens: number,
  choices: ChatChoiceInput[],
  scorer: Scorer,
): unknown {
  const field = opts.reasoningField ?? "reasoning";
  let completionTokens = 0;
  const outChoices = choices.map((choice, index) => {
    completionTokens += choice.completionTokens;
    const message: Record<string, unknown> = {
      role: "assistant",
      content: choice.content,
      refusal: null,
      annotations: null,
      audio: null,
      function_call: null,
      tool_calls: [],
    };
    if (field === "reasoning" || field === "both" || field === "inline") message.reasoning = field === "inline" ? null : choice.reasoning;
    if (field === "reasoning_content" || field === "both") message.reasoning_content = choice.reasoning;
    return {
      index,
      message,
      logprobs: choice.topLogprobs === null || opts.logprobs === false ? null : { content: chatLogprobs(choice, scorer) },
      finish_reason: choice.finishReason,
      stop_reason: choice.reply.stop_reason ?? null,
      token_ids: null,
    };
  });
  // With a reasoning parser vLLM counts the reasoning's share of the completion (else the details are null).
  const reasoningTokens = choices.reduce((n, c) => n + (c.reasoning === null ? 0 : countTokens(c.reasoning)), 0);
  const details = opts.reasoningParser || choices.some((c) => c.reasoning !== null) ? { reasoning_tokens: reasoningTokens } : null;
  const usage = choices.length === 1 && choices[0].reply.usage
    ? choices[0].reply.usage
    : { prompt_tokens: promptTokens, total_tokens: promptTokens + completionTokens, completion_tokens: completionTokens, prompt_tokens_details: null, completion_tokens_details: details };
  return {
    id: requestId("chatcmpl"),
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: outChoices,
    service_tier: null,
    system_fingerprint: null,
    usage,
    prompt_logprobs: null,
    prompt_token_ids: null,
    kv_transfer_params: null,
  };
}

function chatLogprobs(choice: ChatChoiceInput, scorer: Scorer): unknown[] {
  const k = choice.topLogprobs ?? 0;
  const entry = (token: string, logprob: number, top: Record<string, number> | TopList) => ({
    token,
    logprob: clampLogprob(logprob),
    bytes: [...Buffer.from(token, "utf8")],
    top_logprobs: (Array.isArray(top) ? [...top] : Object.entries(top))
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([t, lp]) => ({ token: t, logprob: clampLogprob(lp), bytes: [...Buffer.from(t, "utf8")] })),
  });
  if (choice.reply.logprobs) return choice.reply.logprobs.map((t) => entry(t.token, t.logprob, t.top ?? { [t.token]: t.logprob }));
  const text = choice.content ?? "";
  return tokenize(text).map((t) => {
    const lp = scorer(text.slice(0, t.offset), t.text);
    return entry(t.text, lp, { [t.text]: lp });
  });
}

export interface CompletionChoiceInput {
  prompt: string;
  generated: string;
  finishReason: string;
  /** The `logprobs` int asked for, or null. */
  logprobs: number | null;
  echo: boolean;
}

/** One echoed token as the server spells it (see FakeVllmOptions.echoDecoding). */
function decodeAlone(token: string, decoding: "whole" | "sentencepiece" | "raw_pieces"): string {
  if (decoding === "sentencepiece") return token.replace(/^ /, "");
  if (decoding === "raw_pieces") return token.replace(/^ /, "\u0120");
  return token;
}

export function completionLogprobs(
  choice: CompletionChoiceInput,
  scorer: Scorer,
  alternatives?: (prefix: string) => Record<string, number>,
  bos?: string,
  decoding: "whole" | "sentencepiece" | "raw_pieces" = "whole",
): unknown {
  const k = choice.logprobs ?? 0;
  const tokens: string[] = [];
  const tokenLogprobs: Array<number | null> = [];
  const top: Array<Record<string, number> | null> = [];
  const offsets: number[] = [];
  const push = (fullPrefix: string, token: string, offset: number, isFirstPromptToken: boolean) => {
    tokens.push(token);
    offsets.push(offset);
    if (isFirstPromptToken) {
      // vLLM has no logprob for the very first prompt token: nothing conditions it.
      tokenLogprobs.push(null);
      top.push(null);
      return;
    }
    const lp = clampLogprob(scorer(fullPrefix, token));
    tokenLogprobs.push(lp);
    const candidates = Object.entries(alternatives?.(fullPrefix) ?? {})
      .filter(([t]) => t !== token)
      .sort((a, b) => b[1] - a[1])
      .slice(0, k);
    const dict: Record<string, number> = {};
    for (const [t, alt] of candidates) dict[t] = clampLogprob(alt);
    dict[token] = lp;
    top.push(dict);
  };
  // Offsets count the decoded tokens, as vLLM's do: a BOS token's text shifts every one of them.
  const shift = bos ? bos.length : 0;
  const base = choice.echo ? shift + choice.prompt.length : 0;
  if (choice.echo) {
    if (bos) push("", bos, 0, true);
    tokenize(choice.prompt).forEach((t, i) => push(choice.prompt.slice(0, t.offset), t.text, shift + t.offset, i === 0 && !bos));
  }
  for (const t of tokenize(choice.generated)) push(choice.prompt + choice.generated.slice(0, t.offset), t.text, base + t.offset, false);
  if (decoding !== "whole") {
    // Each token decoded alone; offsets accumulate what was decoded (vLLM: len(token)).
    let at = 0;
    for (let i = 0; i < tokens.length; i++) {
      tokens[i] = decodeAlone(tokens[i], decoding);
      offsets[i] = at;
      at += [...tokens[i]].length;
    }
  }
  return { text_offset: offsets, token_logprobs: tokenLogprobs, tokens, top_logprobs: top };
}

export function completionBody(model: string, choices: Array<CompletionChoiceInput & { logprobsBody: unknown }>, promptTokens: number, completionTokens: number): unknown {
  return {
    id: requestId("cmpl"),
    object: "text_completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: choices.map((c, index) => ({
      index,
      text: c.echo ? c.prompt + c.generated : c.generated,
      logprobs: c.logprobsBody,
      finish_reason: c.finishReason,
      stop_reason: null,
      prompt_logprobs: null,
      prompt_token_ids: null,
      token_ids: null,
    })),
    service_tier: null,
    system_fingerprint: null,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens + completionTokens, completion_tokens: completionTokens, prompt_tokens_details: null },
    kv_transfer_params: null,
  };
}

/** Hashed bag of words, L2-normalised: texts sharing words get similar vectors. */
export function embedText(text: string, dim: number): number[] {
  const vector = new Array<number>(dim).fill(0);
  for (const t of tokenize(text.toLowerCase())) {
    const word = t.text.trim();
    if (!word) continue;
    const h = fnv1a(word);
    vector[h % dim] += h & 0x80000000 ? -1 : 1;
  }
  const norm = Math.hypot(...vector);
  return norm === 0 ? vector.map((_, i) => (i === 0 ? 1 : 0)) : vector.map((v) => v / norm);
}

export function embeddingsBody(model: string, inputs: string[], dim: number, encoding: "float" | "base64"): unknown {
  let promptTokens = 0;
  const data = inputs.map((input, index) => {
    promptTokens += countTokens(input);
    const vector = embedText(input, dim);
    const embedding = encoding === "base64" ? Buffer.from(new Float32Array(vector).buffer).toString("base64") : vector;
    return { index, object: "embedding", embedding };
  });
  return {
    id: requestId("embd"),
    object: "list",
    created: Math.floor(Date.now() / 1000),
    model,
    data,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens, completion_tokens: 0, prompt_tokens_details: null },
  };
}

export function metricsText(model: string, running: number, promptTokens: number, generationTokens: number, requests: number): string {
  const label = `{model_name="${model}"}`;
  return [
    "# HELP vllm:num_requests_running Number of requests in model execution batches.",
    "# TYPE vllm:num_requests_running gauge",
    `vllm:num_requests_running${label} ${running}`,
    "# HELP vllm:num_requests_waiting Number of requests waiting to be processed.",
    "# TYPE vllm:num_requests_waiting gauge",
    `vllm:num_requests_waiting${label} 0`,
    "# TYPE vllm:kv_cache_usage_perc gauge",
    `vllm:kv_cache_usage_perc${label} 0.0`,
    "# TYPE vllm:prompt_tokens_total counter",
    `vllm:prompt_tokens_total${label} ${promptTokens}`,
    "# TYPE vllm:generation_tokens_total counter",
    `vllm:generation_tokens_total${label} ${generationTokens}`,
    "# TYPE vllm:e2e_request_latency_seconds histogram",
    `vllm:e2e_request_latency_seconds_count${label} ${requests}`,
    "",
  ].join("\n");
}
