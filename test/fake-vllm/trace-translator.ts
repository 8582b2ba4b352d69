// A translating fake model for `traces generate --lang-source traces`: it reads the trace from
// the request ({"question", "options", "reasoning"} as the user turn), the target language from
// the system prompt ("… into Italian."), and replies with each text put through the test's own
// translation for that language, as JSON. A broken mode answers chosen requests wrongly, by a
// rule of the source question and the language, so a test knows exactly which translations the
// checks must reject and why.
import { TRACE_PROMPT_OPENING } from "../../harness/translate/trace-prompt.ts";
import { answerLine } from "../../harness/languages.ts";
import { lastUserText } from "./helpers.ts";
import { requestedLanguage } from "./translator.ts";
import type { Behavior, FakeMessage } from "./types.ts";

/**
 * wrong_letter: an answer line naming another letter than the gold one is added to the reasoning;
 * gold_line: an answer line naming the gold letter is added (kept, the line taken off);
 * untranslated: the reasoning comes back in the source language;
 * lost_number: the reasoning's digits are dropped;
 * not_json: the reply is prose, not JSON;
 * http_500: the request fails (a server error: the trace is not done, a re-run retries it).
 */
export const TRACE_TRANSLATION_FAULTS = ["wrong_letter", "gold_line", "untranslated", "lost_number", "not_json", "http_500"] as const;
export type TraceTranslationFault = (typeof TRACE_TRANSLATION_FAULTS)[number];

export interface TraceTranslatorOptions {
  /** Translation of one text, by language name ("Italian"); a language without one is answered unchanged. */
  translate: Record<string, (text: string) => string>;
  /** The fault for a request, from the source question and the language name (null: a good translation). */
  fault?: (question: string, language: string) => TraceTranslationFault | null;
  /** The gold letter of a source question (for wrong_letter and gold_line). */
  gold?: (question: string) => string;
}

export interface TraceTranslationRequest {
  question: string;
  options: string[];
  reasoning: string;
}

export function isTraceTranslation(messages: FakeMessage[]): boolean {
  return (messages.find((m) => m.role === "system")?.content ?? "").startsWith(TRACE_PROMPT_OPENING);
}

const LANGUAGE_CODES: Record<string, string> = { Italian: "it", Spanish: "es", French: "fr", English: "en" };
const LETTERS = ["A", "B", "C", "D", "E"];

export function traceTranslatorBehavior(opts: TraceTranslatorOptions): Behavior {
  return (req) => {
    const language = requestedLanguage(req.messages) ?? "";
    const source = JSON.parse(lastUserText(req.messages)) as TraceTranslationRequest;
    const fault = opts.fault?.(source.question, language) ?? null;
    if (fault === "http_500") return { fault: "http", status: 500, message: "translator overloaded" };
    if (fault === "not_json") return { content: "Here is the translation you asked for." };
    const t = opts.translate[language] ?? ((x: string) => x);
    let reasoning = fault === "untranslated" ? source.reasoning : t(source.reasoning);
    if (fault === "lost_number") reasoning = reasoning.replace(/\d+/g, "");
    const gold = opts.gold?.(source.question) ?? "A";
    const code = LANGUAGE_CODES[language] ?? "en";
    if (fault === "wrong_letter") reasoning += `\n${answerLine(code, LETTERS[(LETTERS.indexOf(gold) + 1) % source.options.length])}`;
    if (fault === "gold_line") reasoning += `\n${answerLine(code, gold)}`;
    return { content: JSON.stringify({ question: t(source.question), options: source.options.map(t), reasoning }) };
  };
}
