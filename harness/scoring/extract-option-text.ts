// Answers given by the option's words instead of its letter ("The most likely diagnosis in
// this patient is bipolar I disorder.", "…increasing PEEP first (D)"). Only a conclusive
// clause is read: the whole reply, or the last clause that states a conclusion. Only an
// unambiguous match counts: one option, or one whose text contains every other match.
import { LETTERS } from "../types.ts";
import { exactOption, fuzzyOption, withoutOptionTexts } from "./match-option.ts";
import { normalizeForMatch } from "./normalize.ts";

const SHORT_REPLY_WORDS = 8;
const SHORT_REPLY_CHARS = 120;

/** span: where the option's words were read (offsets into the text), when they are found verbatim. */
export type OptionTextMatch = { kind: "match"; index: number; rule: string; span?: { start: number; end: number } } | { kind: "ambiguous"; rule: string };

/** Words that mark a clause as the model's conclusion, in either order ("X is the most likely"). */
const CONCLUSION = new RegExp(
  [
    String.raw`\b(?:answer|choice|option)\s+(?:is|would\s+be|should\s+be)\b`,
    String.raw`\banswer\s*:`,
    String.raw`\bmost\s+(?:likely|appropriate|probable|accurate|effective|suitable|consistent)\b`,
    String.raw`\b(?:best|correct|right|preferred)\b[^.!?\n]{0,80}?\b(?:is|would\s+be)\b`,
    String.raw`\b(?:is|would\s+be)\s+(?:the\s+)?(?:best|correct|right|preferred)\b`,
    String.raw`\b(?:therefore|thus|hence|in\s+conclusion|in\s+summary|so)\b,?`,
    String.raw`\b(?:risposta|opzione)\b[^.!?\n]{0,30}?(?:\s[èe]|sarebbe)\b`,
    String.raw`\b(?:quindi|pertanto|dunque|in\s+conclusione|pi[uù]\s+probabile)\b`,
    String.raw`\b(?:respuesta|opci[oó]n)\b[^.!?\n]{0,30}?\b(?:es|ser[ií]a)\b`,
    String.raw`\b(?:por\s+lo\s+tanto|por\s+tanto|en\s+conclusi[oó]n|as[ií]\s+que|m[aá]s\s+probable)\b`,
    String.raw`\b(?:r[ée]ponse)\b[^.!?\n]{0,30}?\b(?:est|serait)\b`,
    String.raw`\b(?:donc|en\s+conclusion|plus\s+probable)\b`,
  ].join("|"),
  "iu",
);

const NEGATION =
  /\b(?:not|no|never|unlikely|less\s+likely|rather\s+than|instead\s+of|incorrect|wrong|false|non|pas|except|exclude[ds]?|ruled?\s+out|neither|nor)\b|n['’ ]t\b/iu;

/** A negation outside the options' own words: "No screening needed" as an option denies nothing. */
export function negatesBeyondOptions(clause: string, options: readonly string[]): boolean {
  return NEGATION.test(clause) && NEGATION.test(withoutOptionTexts(clause, options));
}

/** Sentences, then clauses: "X may help, but Y is the most important step" concludes only Y. */
function clauses(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+(?=[A-Z(*"'¿¡])|\n+/u)
    .flatMap((s) => s.split(/;|,\s*(?:but|while|whereas|although|though|however|ma|pero|mais|sin\s+embargo)\b|\s(?:but|whereas)\s/iu))
    .map((c) => c.trim())
    .filter((c) => c !== "");
}

/** Options whose normalised text occurs as whole words in `clause`, nested matches dropped. */
export function optionsNamedIn(clause: string, options: readonly string[]): number[] {
  const haystack = ` ${normalizeForMatch(clause)} `;
  const texts = options.map(normalizeForMatch);
  const found = texts.flatMap((t, i) => (t.length >= 3 && haystack.includes(` ${t} `) ? [i] : []));
  // "Autoimmune hepatitis" also names "hepatitis": the longer, containing option is meant.
  return found.filter((i) => !found.some((j) => j !== i && texts[j] !== texts[i] && texts[j]!.includes(texts[i]!)));
}

/**
 * The last clause that states a conclusion, or null when none does. Given the options, a
 * negated one ("…but it is not the most appropriate next step") is passed over.
 */
export function lastConclusion(text: string, affirmativeAmong?: readonly string[]): string | null {
  const all = clauses(text);
  for (let i = all.length - 1; i >= 0; i--) {
    const c = all[i]!;
    if (CONCLUSION.test(c) && !(affirmativeAmong && negatesBeyondOptions(c, affirmativeAmong))) return c;
  }
  return null;
}

/**
 * A conclusion naming its option by a bracketed letter after the option's words: "…increasing
 * PEEP first (D)". When the words name a different option than the letter ("riboflavin (B)"
 * where riboflavin is C), the reply contradicts itself and is a conflict.
 */
export function findBracketedLetter(
  conclusion: string,
  options: readonly string[],
): { kind: "letter"; index: number } | { kind: "conflict" } | null {
  const brackets = [...conclusion.matchAll(/\((?:option|choice|opzione|opci[oó]n|answer)?\s*([A-J])\)/giu)];
  const letters = new Set(brackets.map((m) => m[1]!.toUpperCase()));
  if (letters.size !== 1) return null;
  const letter = [...letters][0]!;
  const index = LETTERS.indexOf(letter as (typeof LETTERS)[number]);
  if (index < 0 || index >= options.length) return null;
  const named = optionsNamedIn(conclusion.slice(0, brackets[0]!.index), options);
  if (named.length > 0 && !named.includes(index)) return { kind: "conflict" };
  return { kind: "letter", index };
}

export function findOptionText(text: string, options: readonly string[]): OptionTextMatch | null {
  const texts = options.map(normalizeForMatch);
  const whole = normalizeForMatch(text);
  const exact = texts.flatMap((t, i) => (t !== "" && t === whole ? [i] : []));
  if (exact.length === 1) return { kind: "match", index: exact[0]!, rule: "option_text_whole", span: { start: 0, end: text.length } };
  // A reply of a few words only ("Omeprazol.", "DVT"): near an option's text, it is that option.
  if (whole.length <= SHORT_REPLY_CHARS && whole.split(" ").length <= SHORT_REPLY_WORDS && !negatesBeyondOptions(text, options)) {
    const near = exactOption(text, options) ?? fuzzyOption(text, options);
    if (near !== null) return { kind: "match", index: near, rule: "option_text_whole_near", span: { start: 0, end: text.length } };
  }

  const conclusion = lastConclusion(text, options);
  if (conclusion === null) return null;
  const named = optionsNamedIn(conclusion, options);
  const at = text.lastIndexOf(conclusion);
  if (named.length === 1) {
    return { kind: "match", index: named[0]!, rule: "option_text_conclusion", ...(at >= 0 ? { span: { start: at, end: at + conclusion.length } } : {}) };
  }
  if (named.length > 1) return { kind: "ambiguous", rule: "option_text_ambiguous" };
  return null;
}
