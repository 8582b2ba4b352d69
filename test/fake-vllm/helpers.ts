// Ready-made behaviours for the fake vLLM server: answer in a chosen style with a letter the
// test decides, and inject faults on a schedule.
import { answerLine, LANGUAGES, WORDS } from "../../harness/languages.ts";
import { LETTERS } from "../../harness/types.ts";
import { fnv1a } from "./tokenizer.ts";
import type { Behavior, FakeAnswer, FakeMessage, FakeReply, FakeRequest, Fault, TopList } from "./types.ts";

export type AnswerStyle = "direct" | "cot" | "think" | "reasoning_field";

/** The last user message: where the question and its options are. */
export function lastUserText(messages: FakeMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i].role === "user") return messages[i].content;
  return messages.at(-1)?.content ?? "";
}

/** Which of en/it/es/fr a prompt is in, judged by the answer label it asks for (en when none). */
export function promptLanguage(messages: FakeMessage[]): string {
  const text = messages.map((m) => m.content).join("\n");
  for (const lang of LANGUAGES) {
    if (lang !== "en" && text.includes(`${WORDS[lang].answerLabel}:`)) return lang;
  }
  return "en";
}

/** Option letters listed in a prompt as lines like "A. …", "B) …" or "(C) …". */
export function optionLetters(text: string): string[] {
  const found = new Set<string>();
  for (const match of text.matchAll(/^\s*\(?([A-J])[.):]\s/gm)) found.add(match[1]);
  return LETTERS.filter((letter) => found.has(letter));
}

/** A stable pseudo-random pick among the prompt's options (A–D when none are found). */
export function guessLetter(messages: FakeMessage[]): string {
  const text = lastUserText(messages);
  const letters = optionLetters(text);
  const pool = letters.length >= 2 ? letters : ["A", "B", "C", "D"];
  return pool[fnv1a(text) % pool.length];
}

export interface AnswerOptions {
  /** Language of the answer line; default: the prompt's language. */
  lang?: string;
}

/** A reply for a letter in one of the styles models use. */
export function replyFor(letter: string, style: AnswerStyle, lang = "en"): FakeReply {
  const line = answerLine(lang, letter);
  const reasoning = `The key finding points to option ${letter}; the other options do not fit the presentation.`;
  switch (style) {
    case "direct":
      return { content: letter };
    case "cot":
      return { content: `Let me think step by step.\n${reasoning}\n\n${line}` };
    case "think":
      return { content: `<think>\n${reasoning}\n</think>\n\n${line}` };
    case "reasoning_field":
      return { content: line, reasoning };
  }
}

/** Answer every chat request with `letterFor(messages)` in the given style. */
export function answerWith(letterFor: (messages: FakeMessage[], req: FakeRequest) => string, style: AnswerStyle, options: AnswerOptions = {}): Behavior {
  return (req) => replyFor(letterFor(req.messages, req), style, options.lang ?? promptLanguage(req.messages));
}

/** The default behaviour: a stable, plausible-looking chain-of-thought answer. */
export const guessingBehavior: Behavior = answerWith(guessLetter, "cot");

/** Put `fault` in front of `inner` wherever `when(req)` holds. */
export function faultWhen(when: (req: FakeRequest) => boolean, fault: Fault, inner: Behavior = guessingBehavior): Behavior {
  return (req) => (when(req) ? fault : inner(req));
}

/** Every n-th generation request (by arrival, starting at `offset`) gets `fault`. */
export function everyNth(n: number, fault: Fault, inner: Behavior = guessingBehavior, offset = 0): Behavior {
  return faultWhen((req) => req.index % n === offset, fault, inner);
}

/** The first `k` attempts of every distinct request fail with `fault`; the next one succeeds. */
export function failFirstAttempts(k: number, fault: Fault, inner: Behavior = guessingBehavior): Behavior {
  return faultWhen((req) => req.attempt <= k, fault, inner);
}

/**
 * Faults in turn by arrival order: request i gets schedule[i % length]; a null entry lets
 * `inner` answer. E.g. [null, {fault:"http",status:500}, null, {fault:"reset"}].
 */
export function faultCycle(schedule: Array<Fault | null>, inner: Behavior = guessingBehavior): Behavior {
  return (req): FakeAnswer | Promise<FakeAnswer> => schedule[req.index % schedule.length] ?? inner(req);
}

/**
 * A one-token chat reply with the given top logprobs (as `logprobs: true, top_logprobs: k`
 * returns them): the generated token is the most likely one.
 */
export function firstTokenReply(top: Record<string, number> | TopList): FakeReply {
  const [token, logprob] = (Array.isArray(top) ? [...top] : Object.entries(top)).sort((a, b) => b[1] - a[1])[0] ?? ["", 0];
  return { content: token, finish_reason: "length", logprobs: [{ token, logprob, top }] };
}

export function isFault(answer: FakeAnswer): answer is Fault {
  return typeof (answer as Fault).fault === "string";
}
