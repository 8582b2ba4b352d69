// One answered request → one Sample line: the raw response is kept whole (reasoning
// included); extraction decides the answer and its status.
import { extractAnswer } from "../scoring/extract.ts";
import { letterOf, type ChatMessage, type Item, type Sample, type Usage } from "../types.ts";

export interface ResponseData {
  content: string | null;
  reasoning: string | null;
  finishReason: string | null;
  usage: Usage | null;
}

export type RequestResult =
  | ({ kind: "ok"; attempts: number; latencyMs: number; endpoint?: string; cached?: boolean } & ResponseData)
  | { kind: "context_overflow"; message: string; attempts: number; latencyMs: number; endpoint?: string }
  | { kind: "error"; message: string; attempts: number; latencyMs: number; endpoint?: string };

export interface SampleContext {
  task: string;
  item: Item;
  messages: ChatMessage[];
  shots?: string[];
  /** The answer label the prompt asked for, when not the language's (fine-tuned formats). */
  answerLabel?: string;
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
  const extraction = extractAnswer({
    content: result.content,
    reasoning: result.reasoning,
    finishReason: result.finishReason,
    options: item.options,
    lang: item.lang,
    answerLabel: ctx.answerLabel,
  });
  return {
    ...base,
    content: result.content,
    reasoning: result.reasoning,
    finish_reason: result.finishReason,
    usage: result.usage,
    answer: extraction.letter,
    status: extraction.status,
    correct: extraction.answer !== null && extraction.answer === item.answer,
    cached: result.cached ?? false,
    scores: { rule: extraction.rule },
  };
}
