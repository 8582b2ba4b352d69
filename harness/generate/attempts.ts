// One question, up to N attempts: passages retrieved once, the grounded prompt sent with a new
// seed per attempt (base seed + attempt), the answer read with the scorer's extractor, and the
// first reply that names the gold option kept (rejection sampling). Every rejected attempt is
// counted under its reason.
import { wordsFor } from "../languages.ts";
import { cachedChat, type CachedChatOptions } from "../endpoints/dispatcher.ts";
import { extractAnswer, splitThink } from "../scoring/extract.ts";
import type { Item } from "../types.ts";
import { groundedMessages, type ShownPassage } from "./prompt.ts";

export const REJECT_REASONS = ["wrong_answer", "no_answer", "request_error", "context_overflow"] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];
export type RejectCounts = Record<RejectReason, number>;

export function noRejects(): RejectCounts {
  return { wrong_answer: 0, no_answer: 0, request_error: 0, context_overflow: 0 };
}

/** What the request carries besides the messages: the model's name and sampling (the seed is per attempt). */
export interface AttemptParams {
  servedModel: string;
  /** Sampling fields sent with every request (temperature, top_p, …, max_tokens). */
  sampling: Record<string, number>;
  chatTemplateKwargs?: Record<string, unknown>;
  baseSeed: number;
  attempts: number;
}

export interface AttemptsOutcome {
  /** The kept reply's reasoning (the answer line taken off) and the attempt (1-based) it came from. */
  kept: { reasoning: string; attempt: number; seed: number } | null;
  /** Attempts made (a context overflow ends them: the same prompt overflows again). */
  made: number;
  rejected: RejectCounts;
  /** The last request error, when no attempt was kept. */
  lastError: string | null;
  sent: number;
  requestAttempts: number;
}

/** The seed of attempt `attempt` (0-based): a new one each time, the same on a re-run. */
export function attemptSeed(baseSeed: number, attempt: number): number {
  return baseSeed + attempt;
}

export function requestBody(messages: ReturnType<typeof groundedMessages>, params: AttemptParams, seed: number): Record<string, unknown> {
  return {
    model: params.servedModel,
    messages,
    ...params.sampling,
    seed,
    ...(params.chatTemplateKwargs ? { chat_template_kwargs: params.chatTemplateKwargs } : {}),
  };
}

/** The reply's reasoning for the trace: the answer text without its final answer line, else the reasoning field. */
export function traceReasoning(content: string | null, reasoning: string | null, lang: string): string {
  const split = splitThink(content, reasoning);
  const label = wordsFor(lang).answerLabel.toLowerCase();
  const lines = split.answerText.trimEnd().split("\n");
  const last = lines.at(-1)?.replace(/[*_#>\s]/g, "").toLowerCase() ?? "";
  if (last.startsWith(`${label}:`)) lines.pop();
  const text = lines.join("\n").trim();
  return text !== "" ? text : (split.reasoning ?? "").trim();
}

/** Rejection sampling for one item; null when the caller stopped before an attempt finished. */
export async function sampleUntilGold(item: Item, passages: readonly ShownPassage[], params: AttemptParams, chat: CachedChatOptions, signal: AbortSignal): Promise<AttemptsOutcome | null> {
  const messages = groundedMessages(item, passages);
  const out: AttemptsOutcome = { kept: null, made: 0, rejected: noRejects(), lastError: null, sent: 0, requestAttempts: 0 };
  for (let attempt = 0; attempt < params.attempts; attempt++) {
    const seed = attemptSeed(params.baseSeed, attempt);
    const reply = await cachedChat(chat, requestBody(messages, params, seed), signal);
    if (!reply) return null;
    out.made++;
    out.sent += reply.sent;
    out.requestAttempts += reply.result.attempts;
    const result = reply.result;
    if (result.kind === "context_overflow") {
      out.rejected.context_overflow++;
      break;
    }
    if (result.kind === "error") {
      out.rejected.request_error++;
      out.lastError = result.message;
      continue;
    }
    const extraction = extractAnswer({ content: result.content, reasoning: result.reasoning, finishReason: result.finishReason, options: item.options, lang: item.lang });
    if (extraction.answer === null) {
      out.rejected.no_answer++;
      continue;
    }
    if (extraction.answer !== item.answer) {
      out.rejected.wrong_answer++;
      continue;
    }
    const reasoning = traceReasoning(result.content, result.reasoning, item.lang);
    // A bare answer line is no worked reasoning: nothing to learn from or show as an example.
    if (reasoning === "") {
      out.rejected.no_answer++;
      continue;
    }
    out.kept = { reasoning, attempt: attempt + 1, seed };
    out.lastError = null;
    break;
  }
  return out;
}
