// The translation request for one reasoning trace: its question, every option and its worked
// reasoning in one request, answered as JSON under a schema (as prompt.ts does for a question),
// and the strict parse of the reply.
import { hashJson } from "../hash.ts";
import { chatBody, itemFields, KEEP_NUMBERS, KEEP_RULES, languageName, parseReplyObject, replySchema, TARGET_LANGUAGES, type RequestParams, type TargetLanguage } from "./prompt.ts";

/** What a trace translation carries: the question as asked and the reasoning that answers it. */
export interface TraceText {
  question: string;
  options: string[];
  reasoning: string;
}

/** Marks the request as a trace's (the fake translator tells the two requests apart by it). */
export const TRACE_PROMPT_OPENING = "You translate a medical multiple-choice exam question together with its worked reasoning";

export function traceSystemPrompt(from: string, to: TargetLanguage): string {
  return [
    `${TRACE_PROMPT_OPENING} from ${languageName(from)} into ${TARGET_LANGUAGES[to]}.`,
    "Translate the question, every option (one for each given option, in the same order) and the reasoning faithfully, sentence by sentence.",
    KEEP_NUMBERS,
    "Keep option letters (A, B, C …) and passage citations ([1], [2] …) exactly as written: the reasoning must still point to the same option letter.",
    KEEP_RULES[to],
    "Do not add, drop or change a step of the reasoning, do not answer the question anew, do not add an answer line, do not explain.",
    'Reply with JSON only: {"question": string, "options": [string, ...], "reasoning": string}.',
  ].join("\n");
}

export function traceReplySchema(optionCount: number): Record<string, unknown> {
  const item = replySchema(optionCount) as { properties: Record<string, unknown>; required: string[] };
  return { ...item, properties: { ...item.properties, reasoning: { type: "string", minLength: 1 } }, required: [...item.required, "reasoning"] };
}

export function traceRequestBody(text: TraceText, from: string, to: TargetLanguage, params: RequestParams): Record<string, unknown> {
  const user = JSON.stringify({ question: text.question, options: text.options, reasoning: text.reasoning });
  return chatBody({ system: traceSystemPrompt(from, to), user, schemaName: "translated_trace", schema: traceReplySchema(text.options.length) }, params);
}

/** What the prompt is, recorded with each translated trace: a change of wording changes it. */
export function tracePromptHash(to: TargetLanguage, from = "en"): string {
  return hashJson({ system: traceSystemPrompt(from, to), schema: traceReplySchema(0) });
}

export type ParsedTraceReply = ({ ok: true } & TraceText) | { ok: false; error: string };

/** Strict parse: the question and options as for a question's translation, and a non-empty reasoning. */
export function parseTraceReply(content: string | null, optionCount: number): ParsedTraceReply {
  const object = parseReplyObject(content);
  if (!object.ok) return object;
  const item = itemFields(object.value, optionCount);
  if (!item.ok) return item;
  const { reasoning } = object.value;
  if (typeof reasoning !== "string" || reasoning.trim() === "") return { ok: false, error: "reply has no reasoning" };
  return { ok: true, question: item.question, options: item.options, reasoning: reasoning.trim() };
}
