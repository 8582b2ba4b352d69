// Staged answer extraction: from a model's reply to the option it chose, with how it was
// found. Pure: no I/O, no state. Stages, first that decides wins:
//   0. truncated: finish_reason "length" or a <think> that never closes (never read)
//   1. strict: the fixed answer line the prompts ask for ("Answer: C", "Risposta: C")
//   2. lenient: answer phrases in en/it/es/fr, JSON-ish wrappers, a lone letter line
//   3. option_text: the final statement names exactly one option by its words
// Within a stage the last conclusive statement wins, and a hedge ("B or D") is unparsed.
import { LETTERS, indexOfLetter } from "../types.ts";
import { wordsFor } from "../languages.ts";
import { LENIENT_CUES, LETTER_FIRST, type Cue } from "./extract-cues.ts";
import { optionTextFollows, readLetter, type LetterRead } from "./extract-letter.ts";
import { findBracketedLetter, findOptionText, lastConclusion, negatesBeyondOptions, optionsNamedIn } from "./extract-option-text.ts";
import { exactOption, fuzzyOption, letterLikeOption } from "./match-option.ts";
import { normalizeForMatch, textSimilarity } from "./normalize.ts";
import { splitThink } from "./think.ts";

export { splitThink, type ThinkSplit } from "./think.ts";

export type ExtractionStatus = "strict" | "lenient" | "option_text" | "unparsed" | "truncated";

export interface ExtractionInput {
  content: string | null;
  reasoning?: string | null;
  finishReason?: string | null;
  /** Option texts in order; option i is LETTERS[i]. Letters beyond them never count. */
  options: readonly string[];
  lang: string;
  /** The answer line's label the prompt asked for, when not the language's own (a fine-tuned model's "Final Answer"). */
  answerLabel?: string;
}

export interface Extraction {
  /** Index of the chosen option, or null. */
  answer: number | null;
  letter: string | null;
  status: ExtractionStatus;
  /** Which rule decided, for audits (e.g. "strict_line", "en_answer_is", "hedge:en_answer_is"). */
  rule: string;
  /**
   * Where the answer was read: offsets into the answer text (splitThink's answerText, the only
   * text read), end exclusive. Set whenever an option was chosen, so a viewer can show it.
   */
  span?: TextSpan;
}

export interface TextSpan {
  start: number;
  end: number;
}

interface Found {
  /** Where the answer statement's letter begins: the later, the more final. */
  at: number;
  read: LetterRead;
  rule: string;
  /** The statement the letter was read from. */
  span: TextSpan;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function decide(found: Found | null, status: "strict" | "lenient", options: readonly string[]): Extraction | null {
  if (!found) return null;
  const { read, rule, span } = found;
  if (read.kind === "letter") return { answer: read.index, letter: read.letter, status, rule, span };
  if (read.kind === "out_of_range" && read.bare) {
    // "Answer: E" with four options where D's text is "E": the letter beyond the options is that text.
    const index = letterLikeOption(read.letter, options);
    if (index >= 0) return { answer: index, letter: LETTERS[index]!, status: "option_text", rule: `letter_like:${rule}`, span };
  }
  if (read.kind === "hedge") return { answer: null, letter: null, status: "unparsed", rule: `hedge:${rule}` };
  return { answer: null, letter: null, status: "unparsed", rule: `${read.kind}:${rule}` };
}

function latest(a: Found | null, b: Found | null): Found | null {
  if (!a) return b;
  if (!b) return a;
  // On a tie (two cues ending at the same letter) the first, stronger cue keeps its name.
  return b.at > a.at ? b : a;
}

/** The last "Answer: C" line in the prompt language (markdown bold, brackets, a period tolerated). */
const strictPatterns = new Map<string, RegExp>();

/** The "Answer:" line pattern of a label, compiled once per label (matchAll copies it, so one can be shared). */
function strictPattern(label: string): RegExp {
  let pattern = strictPatterns.get(label);
  if (!pattern) {
    pattern = new RegExp(String.raw`(?:^|\n)[ \t>*_#-]*${escapeRegExp(label)}[ \t]*(?:\*\*|__)?[ \t]*:`, "giu");
    strictPatterns.set(label, pattern);
  }
  return pattern;
}

function findStrict(text: string, lang: string, options: readonly string[], answerLabel?: string): Found | null {
  const pattern = strictPattern(answerLabel ?? wordsFor(lang).answerLabel);
  let found: Found | null = null;
  for (const m of text.matchAll(pattern)) {
    const read = readLetter(text.slice(m.index + m[0].length), { options, lowercase: true });
    const start = m.index + (m[0].startsWith("\n") ? 1 : 0);
    if (read) found = { at: m.index, read, rule: "strict_line", span: { start, end: m.index + m[0].length + read.end } };
  }
  return found;
}

function findCue(text: string, cue: Cue, options: readonly string[]): Found | null {
  let found: Found | null = null;
  for (const m of text.matchAll(cue.pattern)) {
    const read = readLetter(text.slice(m.index + m[0].length), {
      options,
      lowercase: cue.lowercase,
      requireOptionText: cue.requireOptionText,
    });
    if (read) found = { at: m.index + m[0].length, read, rule: cue.name, span: { start: m.index, end: m.index + m[0].length + read.end } };
  }
  return found;
}

/** "…the answer is none of the above", "…is unknown", "…is not listed": the model chose no option. */
const NO_OPTION =
  /^[\W_]*(?:none\b|neither\b|unknown\b|unclear\b|not\s+(?:listed|given|provided|among|one\s+of|possible|known|clear|determin)|cannot\b|can['’]?t\b|impossible\b|all\s+of\s+the\s+above\b)/iu;

interface WordedAnswer {
  at: number;
  statement: string;
  rule: string;
  span: TextSpan;
}

// Sticky, so skipping the markup before a statement never copies the rest of the reply.
const STATEMENT_NOISE = /[\s*_>"'`:]*/uy;
const LONGEST_CUE = 200;

const strictLabelCues = new Map<string, Cue>();

/** The prompt's own answer label as a cue ("Final Answer:"), for answers given by the option's words. */
function strictLabelCue(label: string): Cue {
  let cue = strictLabelCues.get(label);
  if (!cue) {
    cue = { name: "strict_line", statesAnswer: true, pattern: new RegExp(String.raw`(?:^|\n)[ \t>*_#-]*${escapeRegExp(label)}[ \t]*(?:\*\*|__)?[ \t]*:`, "giu") };
    strictLabelCues.set(label, cue);
  }
  return cue;
}

/**
 * The last "the answer is …" or "Answer: …" whose words are not a letter ("…the answer is
 * Dabigatran.", "Answer: Misoprostol" above its explanation). A letter beyond the options
 * still leaves the words in view: "the answer is I, III and IV" names an option.
 */
function findWordedAnswer(text: string, options: readonly string[], label: string, endingFrom: number): WordedAnswer | null {
  let found: WordedAnswer | null = null;
  // Only a statement ending at or after the letter answer can overrule it; no cue is this long.
  const start = Math.max(0, endingFrom - LONGEST_CUE);
  const scanned = start === 0 ? text : text.slice(start);
  for (const cue of [strictLabelCue(label), ...LENIENT_CUES]) {
    if (!cue.statesAnswer) continue;
    for (const m of scanned.matchAll(cue.pattern)) {
      const at = start + m.index + m[0].length;
      if (at < endingFrom) continue;
      STATEMENT_NOISE.lastIndex = at;
      STATEMENT_NOISE.test(text);
      const tail = text.slice(STATEMENT_NOISE.lastIndex);
      const read = readLetter(tail, { options });
      if (read !== null && read.kind !== "out_of_range") continue;
      const end = tail.search(/(?<![A-Z])[.!?](?:\s|$)|\n/u);
      const statement = (end < 0 ? tail : tail.slice(0, end)).trim();
      if (statement !== "" && (!found || at > found.at)) {
        const span = { start: start + m.index, end: STATEMENT_NOISE.lastIndex + (end < 0 ? tail.length : end) };
        found = { at, statement, rule: cue.name, span };
      }
    }
  }
  return found;
}

function findLetterFirst(text: string, options: readonly string[]): Found | null {
  let found: Found | null = null;
  for (const m of text.matchAll(LETTER_FIRST)) {
    const [, optionWord, open, raw, close] = m;
    const letter = raw!.toUpperCase();
    if (raw !== letter && optionWord === undefined && open === undefined && close === undefined) continue;
    const index = LETTERS.indexOf(letter as (typeof LETTERS)[number]);
    const read: LetterRead =
      index >= 0 && index < options.length ? { kind: "letter", letter, index, end: 0 } : { kind: "out_of_range", letter, end: 0 };
    found = { at: m.index, read, rule: "letter_first", span: { start: m.index, end: m.index + m[0].length } };
  }
  return found;
}

const NEGATED = /\b(?:not|no|unlikely|incorrect|wrong|false|non|pas)\b|n['’ ]t\b/iu;

/**
 * The options an answer statement names by its words: as written, then (when none) as the
 * whole statement however short ("4", "O"), then spelled a little off or by acronym. A
 * negation outside the options' own words ("not omeprazole") names none.
 */
function namedByWords(statement: string, options: readonly string[]): { named: number[]; how: string } {
  if (NEGATED.test(statement) && negatesBeyondOptions(statement, options)) return { named: [], how: "" };
  const named = optionsNamedIn(statement, options);
  if (named.length > 0) return { named, how: "option_text" };
  const exact = exactOption(statement, options);
  if (exact !== null) return { named: [exact], how: "option_text" };
  const near = fuzzyOption(statement, options);
  return near === null ? { named: [], how: "" } : { named: [near], how: "option_text_near" };
}

/** A line that labels an option ("B) Interleukins", "Option C: …"), as in a list of options. */
const OPTION_LINE = /^[\s>*_#-]*(?:option\s+)?[([]?[A-J][)\].:]\s+\S/iu;

// The last line: a letter, marked up or not, then its option's text after a separator
// ("D) Ferroportin"), in brackets ("**A** (Thyroxine)") or, for a marked-up letter, after a space
// ("[B] Sucralfate").
const FINAL_LINE =
  /^[\s>*_#`-]*(?:(?:option|choice|opzione|alternativa|opci[oó]n|r[ée]ponse)\s+)?([([])?([A-J])(?![\p{L}\p{N}])([)\]])?([\s*_`]*)(?:[.:)\-–—]\s*(.*)|\s+\((.*)\)[\s*_.]*|\s+(\S.*))?$/iu;
// "**B** (or C)", "[A] though B is also reasonable": a second letter beside the first.
const ANOTHER_LETTER = /(?:^|[\s(,;/])(?:or|and|o|y|ou|e|et|vs\.?|versus|though|but|also)\b[^\n]*?(?<![\p{L}\p{N}])[A-J](?![\p{L}\p{N}])/u;

/**
 * The reply's last line is only a letter ("B", "(B)", "**Opción B**") or a letter with its
 * option's text ("D) Ferroportin"). A reply that lists the options back is not an answer.
 */
function findFinalLine(text: string, options: readonly string[]): Found | null {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  const last = lines.at(-1);
  if (last === undefined) return null;
  const at = text.lastIndexOf(last);
  const m = last.match(FINAL_LINE);
  if (!m) return null;
  const [, open, raw, close, markup, afterSeparator, inBrackets, afterSpace] = m;
  const letter = raw!.toUpperCase();
  const marked = open !== undefined || close !== undefined || /[*_`]/u.test(markup!) || /^[\s>#-]*[*_`]/u.test(last);
  // A plain "B Propranolol" could be any sentence; a marked-up letter is a label.
  if (afterSpace !== undefined && !marked) return null;
  // "B) Terazosin", "(B) Terazosin": the label's own bracket separates, as in a list of options.
  const separated = close === ")" && afterSpace !== undefined;
  const beside = separated ? undefined : (inBrackets ?? afterSpace);
  const index = LETTERS.indexOf(letter as (typeof LETTERS)[number]);
  const rest = (afterSeparator ?? (separated ? afterSpace : beside) ?? "").trim();
  const span = { start: at, end: at + last.length };
  if (index < 0 || index >= options.length) {
    const bare = open === undefined && close === undefined && rest === "";
    return { at, read: { kind: "out_of_range", letter, end: 0, bare }, rule: "final_line", span };
  }
  if (beside !== undefined) {
    // Beside a marked letter only the option's own words count, never "(or C)" or "is wrong".
    const said = normalizeForMatch(beside);
    const option = normalizeForMatch(options[index]!);
    const own = said === option || (option.startsWith(said) && said.length >= 3) || (said.startsWith(option) && textSimilarity(said, option) >= 0.7);
    if (!own || ANOTHER_LETTER.test(beside)) return null;
    return { at, read: { kind: "letter", letter, index, end: 0 }, rule: "final_line_option", span };
  }
  // A lowercase bare "a" or "e" on its own line is still a letter; inside prose it is not.
  if (rest !== "") {
    // "A) …, B) … and E) …" on one line is a list, not an answer.
    const labels = [...rest.matchAll(/(?:^|[\s,;])\(?([A-J])\)\s/gu)];
    const others = labels.filter((l) => l[1] !== letter);
    if (others.length > 1 || others.some((l) => optionTextFollows(rest.slice(l.index + l[0].length), options[indexOfLetter(l[1]!)]))) {
      return null;
    }
    const previous = lines.at(-2);
    if (previous !== undefined && OPTION_LINE.test(previous)) return null;
    // On a last line after other text, the words must be the option's own (not "D) X is not
    // a common site…", the tail of an option-by-option walk-through).
    const said = normalizeForMatch(rest.replace(/[*_]+/g, ""));
    const option = normalizeForMatch(options[index]!);
    const onlyLine = lines.length === 1;
    const sameText =
      option.startsWith(said) || (said.startsWith(option) && !NEGATED.test(said)) || textSimilarity(said, option) >= 0.7;
    const introduced = previous !== undefined && /:[\s*_]*$/u.test(previous);
    if (!onlyLine && !sameText && !introduced) return null;
  }
  return { at, read: { kind: "letter", letter, index, end: 0 }, rule: rest === "" ? "final_line_letter" : "final_line_option", span };
}

/** "…obtained for diagnosis of CMV by PCR. D." — a letter standing alone as the last sentence. */
function findFinalLetter(text: string, options: readonly string[]): Found | null {
  const m = text.match(/(?:^|[.!?:]\s+|\n)([*_(\[]*)([A-J])([*_)\]]*)[.!]?[\s*_]*$/u);
  if (!m) return null;
  const letter = m[2]!;
  const index = LETTERS.indexOf(letter as (typeof LETTERS)[number]);
  const bare = !/[(\[\])]/u.test(m[1]! + m[3]!);
  const read: LetterRead =
    index < options.length ? { kind: "letter", letter, index, end: 0 } : { kind: "out_of_range", letter, end: 0, bare };
  return { at: m.index!, read, rule: "final_letter", span: { start: m.index!, end: m.index! + m[0].length } };
}

/** "…it may be more beneficial to try increasing PEEP first (D)": a bracketed letter in the conclusion. */
function findConclusionBracket(text: string, options: readonly string[]): Found | null {
  const conclusion = lastConclusion(text);
  if (conclusion === null) return null;
  const found = findBracketedLetter(conclusion, options);
  if (!found) return null;
  const at = text.lastIndexOf(conclusion);
  const span = { start: at, end: at + conclusion.length };
  if (found.kind === "conflict") return { at, read: { kind: "conflict", letter: "", end: 0 }, rule: "conclusion_bracket", span };
  const letter = LETTERS[found.index]!;
  return { at, read: { kind: "letter", letter, index: found.index, end: 0 }, rule: "conclusion_bracket", span };
}

function findLenient(text: string, options: readonly string[]): Found | null {
  let found: Found | null = null;
  for (const cue of LENIENT_CUES) found = latest(found, findCue(text, cue, options));
  found = latest(found, findLetterFirst(text, options));
  found = latest(found, findFinalLine(text, options));
  found = latest(found, findFinalLetter(text, options));
  found = latest(found, findConclusionBracket(text, options));
  return found;
}

export function extractAnswer(input: ExtractionInput): Extraction {
  const none = (status: ExtractionStatus, rule: string): Extraction => ({ answer: null, letter: null, status, rule });
  if (input.finishReason === "length") return none("truncated", "finish_reason_length");
  const split = splitThink(input.content, input.reasoning ?? null);
  if (split.truncated) return none("truncated", "unclosed_think");
  const text = split.answerText;
  if (text === "") return none("unparsed", "empty");
  const { options, lang } = input;

  const label = input.answerLabel ?? wordsFor(lang).answerLabel;
  const strict = decide(findStrict(text, lang, options, input.answerLabel), "strict", options);
  if (strict) return strict;
  // The last statement of the answer decides, even when it names the option by its words.
  const letter = findLenient(text, options);
  const worded = findWordedAnswer(text, options, label, letter?.at ?? 0);
  const outOfRange = letter?.read.kind === "out_of_range";
  if (worded && (!letter || worded.at > letter.at || (outOfRange && worded.at >= letter.at))) {
    const bracketed = findBracketedLetter(worded.statement, options);
    if (bracketed?.kind === "conflict") return none("unparsed", `conflict:${worded.rule}`);
    if (bracketed?.kind === "letter") {
      return { answer: bracketed.index, letter: LETTERS[bracketed.index]!, status: "lenient", rule: `bracket:${worded.rule}`, span: worded.span };
    }
    let byWords = namedByWords(worded.statement, options);
    // "the answer is E, None of the above" with four options names a fifth option, not D;
    // "the answer is I, III and IV" begins the option's own text with that letter.
    const beyond = outOfRange && worded.at <= letter!.at && letter!.read.kind === "out_of_range" ? letter!.read.letter.toLowerCase() : null;
    if (beyond !== null && !byWords.named.every((i) => normalizeForMatch(options[i]!).split(" ")[0] === beyond)) byWords = { named: [], how: "" };
    const sameAsLetter = letter?.read.kind === "letter" && byWords.named.length === 1 && byWords.named[0] === letter.read.index;
    if (byWords.named.length === 1 && !sameAsLetter) {
      const index = byWords.named[0]!;
      return { answer: index, letter: LETTERS[index]!, status: "option_text", rule: `${byWords.how}:${worded.rule}`, span: worded.span };
    }
    if (byWords.named.length > 1) return none("unparsed", `ambiguous_words:${worded.rule}`);
    if (NO_OPTION.test(worded.statement)) return none("unparsed", `no_option:${worded.rule}`);
  }
  const lenient = decide(letter, "lenient", options);
  if (lenient) return lenient;
  const byText = findOptionText(text, options);
  if (byText?.kind === "match") {
    return { answer: byText.index, letter: LETTERS[byText.index]!, status: "option_text", rule: byText.rule, ...(byText.span ? { span: byText.span } : {}) };
  }
  return none("unparsed", byText?.rule ?? "no_answer_found");
}
