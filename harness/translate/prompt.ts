// The translation request for one item: question and every option in one request, answered
// as JSON under a schema (vLLM's response_format json_schema), and the strict parse of it.
import type { Item } from "../types.ts";
import { hashJson } from "../hash.ts";
import { UserError } from "../user-error.ts";

export const TARGET_LANGUAGES = { it: "Italian", es: "Spanish", fr: "French", en: "English" } as const;
export type TargetLanguage = keyof typeof TARGET_LANGUAGES;

export function targetLanguage(code: string): TargetLanguage {
  if (code in TARGET_LANGUAGES) return code as TargetLanguage;
  throw new UserError(`unknown target language "${code}": use one of ${Object.keys(TARGET_LANGUAGES).join(", ")}`);
}

export const KEEP_RULES: Record<TargetLanguage, string> = {
  it: "Use the standard Italian medical terminology (e.g. as in Italian clinical textbooks); keep drug names as INN in their Italian form.",
  es: "Use the standard Spanish medical terminology (as in Spanish clinical textbooks); keep drug names as INN in their Spanish form.",
  fr: "Use the standard French medical terminology; keep drug names as INN in their French form.",
  en: "Use standard English medical terminology; keep drug names as INN.",
};

export const KEEP_NUMBERS = "Keep every number, unit, lab value, dose, abbreviation of a unit (mg, mmol/L, mmHg) and eponym exactly as written.";

/** The language's name in a prompt ("English" for en). */
export function languageName(code: string): string {
  return TARGET_LANGUAGES[code as TargetLanguage] ?? code;
}

export function systemPrompt(from: string, to: TargetLanguage): string {
  return [
    `You translate medical multiple-choice exam questions from ${languageName(from)} into ${TARGET_LANGUAGES[to]}.`,
    "Translate the question and every option faithfully, one option for each given option, in the same order.",
    KEEP_NUMBERS,
    KEEP_RULES[to],
    "Do not answer the question, do not add or drop options, do not explain.",
    'Reply with JSON only: {"question": string, "options": [string, ...]}.',
  ].join("\n");
}

export function userPrompt(item: Pick<Item, "question" | "options">): string {
  return JSON.stringify({ question: item.question, options: item.options });
}

/** The JSON schema the reply must follow: exactly as many options as the source item has. */
export function replySchema(optionCount: number): Record<string, unknown> {
  return {
    type: "object",
    properties: {
      question: { type: "string", minLength: 1 },
      options: { type: "array", items: { type: "string", minLength: 1 }, minItems: optionCount, maxItems: optionCount },
    },
    required: ["question", "options"],
    additionalProperties: false,
  };
}

export interface RequestParams {
  servedModel: string;
  temperature: number;
  maxTokens: number;
  /** Send response_format json_schema (false for servers without structured output: strict parse only). */
  structured: boolean;
}

export function requestBody(item: Pick<Item, "question" | "options" | "lang">, to: TargetLanguage, params: RequestParams): Record<string, unknown> {
  return chatBody({ system: systemPrompt(item.lang, to), user: userPrompt(item), schemaName: "translated_item", schema: replySchema(item.options.length) }, params);
}

/** One translation request: system and user turn, and the reply's JSON schema when the server takes one. */
export function chatBody(prompt: { system: string; user: string; schemaName: string; schema: Record<string, unknown> }, params: RequestParams): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model: params.servedModel,
    messages: [
      { role: "system", content: prompt.system },
      { role: "user", content: prompt.user },
    ],
    temperature: params.temperature,
    max_tokens: params.maxTokens,
  };
  if (params.structured) {
    body.response_format = { type: "json_schema", json_schema: { name: prompt.schemaName, schema: prompt.schema, strict: true } };
  }
  return body;
}

/** What the prompt is, for the card: a change of wording changes it. */
export function promptHash(to: TargetLanguage, from = "en"): string {
  return hashJson({ system: systemPrompt(from, to), schema: replySchema(0) });
}

export type ParsedReply = { ok: true; question: string; options: string[] } | { ok: false; error: string };

/** Strict parse: one JSON object (a ```json fence allowed), a non-empty question, exactly `optionCount` non-empty options. */
export function parseReply(content: string | null, optionCount: number): ParsedReply {
  const object = parseReplyObject(content);
  return object.ok ? itemFields(object.value, optionCount) : object;
}

/** The reply as one JSON object (a ```json fence allowed), or what it is instead. */
export function parseReplyObject(content: string | null): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } {
  if (!content) return { ok: false, error: "empty reply" };
  const text = content.trim().replace(/^```(?:json)?\s*/i, "").replace(/\s*```$/, "");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: "reply is not JSON" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { ok: false, error: "reply is not a JSON object" };
  return { ok: true, value: value as Record<string, unknown> };
}

/** A non-empty question and exactly `optionCount` non-empty options from a reply object. */
export function itemFields(value: Record<string, unknown>, optionCount: number): ParsedReply {
  const { question, options } = value;
  if (typeof question !== "string" || question.trim() === "") return { ok: false, error: "reply has no question" };
  if (!Array.isArray(options) || !options.every((o) => typeof o === "string" && o.trim() !== "")) return { ok: false, error: "reply options are not non-empty strings" };
  if (options.length !== optionCount) return { ok: false, error: `reply has ${options.length} options, the source ${optionCount}` };
  return { ok: true, question: question.trim(), options: (options as string[]).map((o) => o.trim()) };
}
