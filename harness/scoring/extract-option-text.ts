// The last stage: the model named its answer by the option's words, not its letter
// ("The most likely diagnosis in this patient is bipolar I disorder."). Only a conclusive
// statement is read (the whole reply, or the text after the last conclusion cue), and only an
// unambiguous match counts: one option, or one whose text contains every other match.
import { normalizeForMatch } from "./normalize.ts";

export type OptionTextMatch = { kind: "match"; index: number; rule: string } | { kind: "ambiguous"; rule: string };

const CONCLUSION = new RegExp(
  [
    String.raw`\b(?:answer|choice|option)\s+(?:is|would\s+be|should\s+be)\b`,
    String.raw`\banswer\s*:`,
    String.raw`\bmost\s+(?:likely|appropriate|probable|common|accurate|effective|important|suitable)\b[^.!?\n]{0,80}?\b(?:is|would\s+be|are)\b`,
    String.raw`\b(?:best|next|initial|first|preferred|correct|right)\s+[^.!?\n]{0,60}?\b(?:is|would\s+be)\b`,
    String.raw`\b(?:therefore|thus|hence|so|in\s+conclusion|in\s+summary|overall),?`,
    String.raw`\b(?:risposta|opzione)[^.!?\n]{0,30}?\b(?:[èe]|sarebbe)\b`,
    String.raw`\b(?:quindi|pertanto|dunque|in\s+conclusione),?`,
    String.raw`\b(?:respuesta|opci[oó]n)[^.!?\n]{0,30}?\b(?:es|ser[ií]a)\b`,
    String.raw`\b(?:por\s+lo\s+tanto|por\s+tanto|en\s+conclusi[oó]n|as[ií]\s+que),?`,
    String.raw`\b(?:r[ée]ponse)[^.!?\n]{0,30}?\b(?:est|serait)\b`,
    String.raw`\b(?:donc|en\s+conclusion),?`,
  ].join("|"),
  "giu",
);

const NEGATION = /\b(?:not|no|unlikely|less\s+likely|rather\s+than|instead\s+of|incorrect|wrong|non|no\s+es|pas|except|excluded?)\b/i;

/** Options whose normalised text occurs as whole words in `statement`, nested matches dropped. */
function optionsNamedIn(statement: string, options: readonly string[]): number[] {
  const haystack = ` ${normalizeForMatch(statement)} `;
  const texts = options.map(normalizeForMatch);
  const found = texts.flatMap((t, i) => (t.length >= 3 && haystack.includes(` ${t} `) ? [i] : []));
  // "Autoimmune hepatitis" also names "hepatitis": the longer, containing option is meant.
  return found.filter((i) => !found.some((j) => j !== i && texts[j]!.includes(texts[i]!) && texts[j] !== texts[i]));
}

function sentenceFrom(text: string, start: number): string {
  const rest = text.slice(start);
  const end = rest.search(/(?<![A-Z])[.!?](?:\s|$)|\n/u);
  return end < 0 ? rest : rest.slice(0, end);
}

export function findOptionText(text: string, options: readonly string[]): OptionTextMatch | null {
  const texts = options.map(normalizeForMatch);
  const whole = normalizeForMatch(text);
  const exact = texts.flatMap((t, i) => (t !== "" && t === whole ? [i] : []));
  if (exact.length === 1) return { kind: "match", index: exact[0]!, rule: "option_text_whole" };

  let last: RegExpExecArray | null = null;
  for (const m of text.matchAll(CONCLUSION)) last = m;
  if (!last) return null;
  const statement = sentenceFrom(text, last.index + last[0].length);
  if (NEGATION.test(statement)) return null;
  const named = optionsNamedIn(statement, options);
  if (named.length === 1) return { kind: "match", index: named[0]!, rule: "option_text_conclusion" };
  if (named.length > 1) return { kind: "ambiguous", rule: "option_text_ambiguous" };
  return null;
}
