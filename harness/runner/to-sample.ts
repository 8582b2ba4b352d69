// One answered request → one Sample line: the raw response is kept whole (reasoning
// included); extraction decides the answer and its status.
import { extractAnswer } from "../scoring/extract.ts";
import { letterOf, type ChatMessage, type Item, type Sample, type Usage } from "../types.ts";

import type { ChatReply, RequestResult } from "../endpoints/dispatcher.ts";

export type { RequestResult };

export interface SampleContext {
  task: string;
  item: Item;
  messages: ChatMessage[];
  shots?: string[];
  /** The answer label the prompt asked for, when not the language's (fine-tuned formats). */
  answerLabel?: string;
  /** Read the answer from `reasoning` when the reply has no content (models.yaml answer_from_reasoning). */
  answerFromReasoning?: boolean;
}

const blank = (text: string | null) => text === null || text.trim() === "";

/**
 * The whole reply came back in `reasoning` with no content: vLLM's reasoning parsers return a
 * text without </think> that way (thinking skipped or switched off, a parser on a model that
 * does not think), with finish_reason "stop". A cut-off reply ("length") is truncated instead.
 */
export function isReasoningOnly(result: Pick<ChatReply, "content" | "reasoning" | "finishReason">): boolean {
  return blank(result.content) && !blank(result.reasoning) && result.finishReason !== "length";
}

export function toSample(ctx: SampleContext, result: RequestResult): Sample {
  const { item } = ctx;
  const base = {
    task: ctx.task,
    item_id: item.id,
    item_hash: item.hash,
    lang: item.lang,
    ...(item.subject ? { subject: item.subject } : {}),
    messages: ctx.messages,
    gold: letterOf(item.answer),
    latency_ms: Math.round(result.latencyMs),
    attempts: result.attempts,
    ...(result.endpoint ? { endpoint: result.endpoint } : {}),
    ...(ctx.shots ? { shots: ctx.shots } : {}),
    finished_at: new Date().toISOString(),
  };
  if (result.kind !== "ok") {
    return {
      ...base,
      content: null,
      reasoning: null,
      finish_reason: null,
      usage: null,
      answer: null,
      status: result.kind,
      correct: false,
      error: result.message,
    };
  }
  const reasoningOnly = isReasoningOnly(result);
  const raw = {
    ...base,
    content: result.content,
    reasoning: result.reasoning,
    finish_reason: result.finishReason,
    usage: result.usage,
    cached: result.cached ?? false,
  };
  if (reasoningOnly && !ctx.answerFromReasoning) {
    return { ...raw, answer: null, status: "reasoning_only", correct: false, scores: { rule: "reasoning_only" } };
  }
  // With answer_from_reasoning the reasoning is read as the reply (its own <think> tags still apply).
  const read = reasoningOnly ? { content: result.reasoning, reasoning: null } : { content: result.content, reasoning: result.reasoning };
  const extraction = extractAnswer({
    content: read.content,
    reasoning: read.reasoning,
    finishReason: result.finishReason,
    options: item.options,
    lang: item.lang,
    answerLabel: ctx.answerLabel,
  });
  return {
    ...raw,
    answer: extraction.letter,
    status: extraction.status,
    correct: extraction.answer !== null && extraction.answer === item.answer,
    scores: { rule: extraction.rule, ...(reasoningOnly ? { answer_source: "reasoning" } : {}) },
  };
}
