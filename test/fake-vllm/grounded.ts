// A generator for `medeval traces generate` that answers from the passages it is shown. The
// gold letter is read from a marker the test writes into a passage ("GOLD=C"), or from a map
// of question text to letter; a reply is wrong, or has no answer line, by set rates decided by
// a hash of the request's seed and the question, so a test knows exactly which attempts are
// rejected (groundedVerdict).
import { createHash } from "node:crypto";
import { LANGUAGES, WORDS } from "../../harness/languages.ts";
import { lastUserText, optionLetters, promptLanguage } from "./helpers.ts";
import type { Behavior } from "./types.ts";

export interface GroundedOptions {
  /** Share of (seed, question) pairs answered with a wrong letter. */
  wrongRate: number;
  /** Share answered without any answer line (after the wrong ones). */
  noAnswerRate?: number;
  /** Gold letters by question text, for passages without a marker. */
  gold?: Record<string, string>;
}

export type GroundedVerdict = "right" | "wrong" | "none";

/** A uniform number in [0, 1) from the seed and the question: the same on every run. */
export function seedDraw(seed: number, question: string): number {
  return parseInt(createHash("sha256").update(`${seed}|${question}`).digest("hex").slice(0, 8), 16) / 2 ** 32;
}

export function groundedVerdict(seed: number, question: string, opts: GroundedOptions): GroundedVerdict {
  const u = seedDraw(seed, question);
  if (u < opts.wrongRate) return "wrong";
  if (u < opts.wrongRate + (opts.noAnswerRate ?? 0)) return "none";
  return "right";
}

/** The question line of a prompt: the text after "Question: " (or its label in the prompt's language). */
export function promptQuestion(text: string): string | null {
  for (const lang of LANGUAGES) {
    const match = new RegExp(`^${WORDS[lang].questionLabel}: (.*)$`, "m").exec(text);
    if (match) return match[1].trim();
  }
  return null;
}

/** The passage markers shown ("GOLD=C"): the passages carry the answer only when retrieval found them. */
export function shownGold(text: string): string | null {
  return /GOLD=([A-J])\b/.exec(text)?.[1] ?? null;
}

export function groundedBehavior(opts: GroundedOptions): Behavior {
  return (req) => {
    const text = lastUserText(req.messages);
    const question = promptQuestion(text) ?? "";
    const label = WORDS[promptLanguage(req.messages) as keyof typeof WORDS].answerLabel;
    const gold = shownGold(text) ?? opts.gold?.[question] ?? null;
    const seed = typeof req.body.seed === "number" ? req.body.seed : 0;
    const verdict = gold === null ? "none" : groundedVerdict(seed, question, opts);
    if (verdict === "none") return { content: "The passages shown do not settle this question, and I cannot choose an option from them." };
    const letters = optionLetters(text);
    const letter = verdict === "right" ? gold! : letters[(letters.indexOf(gold!) + 1) % letters.length];
    return { content: `Passage [1] bears on the question.\nReading it against each option, option ${letter} fits best.\n${label}: ${letter}` };
  };
}
