// Quality checks on one translated item, each recorded with the item: language identification
// (franc), numbers and units kept, options still distinct, length ratio, copied text, and the
// back-translation chrF when there is one.
import { franc } from "franc";
import { chrF } from "./chrf.ts";

/** franc's ISO 639-3 codes for the registry's language markers. */
export const ISO639_3: Record<string, string> = { en: "eng", it: "ita", es: "spa", fr: "fra" };
/** Languages franc chooses among: ours plus the close ones a wrong translation tends to land in. */
const CANDIDATES = ["eng", "ita", "spa", "fra", "por", "cat", "glg", "ron", "deu"];
/** Shorter texts are not identified (franc is unreliable below this). */
export const LANGUAGE_MIN_CHARS = 40;
/** Translated / source length outside [LOW, HIGH] is an outlier. */
export const LENGTH_RATIO_LOW = 0.5;
export const LENGTH_RATIO_HIGH = 2.0;
/** Share of source word 4-grams found verbatim in the translation above which it is "copied". */
export const COPY_SHARE = 0.5;
/** Back-translation chrF below this flags the item. */
export const BACK_CHRF_MIN = 40;

/** The checks of a translated question and its options, in the order they run (back-translation comes after, when asked for). */
export const QUESTION_CHECKS = ["language", "numbers", "distinct_options", "length_ratio", "copied"] as const;
export type CheckName = (typeof QUESTION_CHECKS)[number] | "back_translation";
/** A translated trace's checks besides its question's: the same on the reasoning, and its answer letter (checked by the caller, which reads answers). */
export const REASONING_CHECKS = ["reasoning_language", "reasoning_numbers", "reasoning_length_ratio", "reasoning_copied"] as const;
export type TraceCheckName = CheckName | (typeof REASONING_CHECKS)[number] | "answer_letter";

export interface CheckResult<Name extends string = CheckName> {
  name: Name;
  pass: boolean;
  detail: string;
}

export interface TextPair {
  question: string;
  options: string[];
}

/** The numbers of a text as written ("3,1", "500.000", "1,234.5"), in order of appearance. */
export function numberTokens(text: string): string[] {
  return text.match(/\d+(?:[.,]\d+)*/g) ?? [];
}

/** 2.50 → 2.5, 3.0 → 3: a decimal as a value, not as typed. */
function decimal(intPart: string, fraction: string): string {
  const f = fraction.replace(/0+$/, "");
  return f ? `${intPart}.${f}` : intPart;
}

/**
 * The values a written number can stand for across locales: "3,1" and "3.1" are 3.1; "500.000"
 * is 500 000 in Italian or Spanish and 500 in English; "4.730" 4.73 or 4730; "1,234.5" 1234.5
 * (the last separator of two kinds is the decimal one). Two numbers match when they share one.
 */
export function numberReadings(token: string): Set<string> {
  const parts = token.split(/[.,]/);
  if (parts.length === 1) return new Set([token]);
  const readings = new Set<string>();
  const grouped = parts.slice(1).every((p) => p.length === 3);
  const separators = new Set(token.match(/[.,]/g));
  if (separators.size === 1) {
    if (grouped) readings.add(parts.join(""));
    if (parts.length === 2) readings.add(decimal(parts[0], parts[1]));
  } else {
    const last = Math.max(token.lastIndexOf("."), token.lastIndexOf(","));
    const whole = token.slice(0, last).replace(/[.,]/g, "");
    readings.add(decimal(whole, token.slice(last + 1)));
  }
  if (readings.size === 0) readings.add(token);
  return readings;
}

function words(text: string): string[] {
  return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}

function shingles(text: string, n = 4): Set<string> {
  const w = words(text);
  const out = new Set<string>();
  for (let i = 0; i + n <= w.length; i++) out.add(w.slice(i, i + n).join(" "));
  return out;
}

const joined = (p: TextPair): string => [p.question, ...p.options].join("\n");

export function checkLanguage(target: TextPair, to: string): CheckResult {
  const text = target.question;
  if (text.length < LANGUAGE_MIN_CHARS) return { name: "language", pass: true, detail: `too short to identify (${text.length} chars)` };
  const found = franc(text, { minLength: 1, only: CANDIDATES });
  const want = ISO639_3[to] ?? to;
  return { name: "language", pass: found === want, detail: found === want ? want : `identified ${found}, expected ${want}` };
}

export function checkNumbers(source: TextPair, target: TextPair): CheckResult {
  const a = numberTokens(joined(source));
  const b = numberTokens(joined(target));
  const readings = new Map([...a, ...b].map((n) => [n, numberReadings(n)]));
  const sameValue = (x: string, y: string) => [...readings.get(x)!].some((r) => readings.get(y)!.has(r));
  const missing = a.filter((n) => { const i = b.findIndex((m) => sameValue(n, m)); if (i < 0) return true; b.splice(i, 1); return false; });
  return { name: "numbers", pass: missing.length === 0 && b.length === 0, detail: missing.length || b.length ? `missing ${missing.join(" ") || "none"}; added ${b.join(" ") || "none"}` : `${a.length} kept` };
}

export function checkDistinct(target: TextPair): CheckResult {
  const seen = new Map<string, number>();
  const dup: string[] = [];
  target.options.forEach((o, i) => {
    const k = o.trim().toLowerCase();
    if (seen.has(k)) dup.push(`${seen.get(k)}=${i}`);
    else seen.set(k, i);
  });
  return { name: "distinct_options", pass: dup.length === 0, detail: dup.length ? `same options ${dup.join(", ")}` : "distinct" };
}

export function checkLengthRatio(source: TextPair, target: TextPair): CheckResult {
  const ratio = joined(target).length / Math.max(1, joined(source).length);
  const pass = ratio >= LENGTH_RATIO_LOW && ratio <= LENGTH_RATIO_HIGH;
  return { name: "length_ratio", pass, detail: ratio.toFixed(2) };
}

export function checkCopied(source: TextPair, target: TextPair): CheckResult {
  const a = shingles(joined(source));
  if (a.size === 0) {
    const same = joined(source).trim().toLowerCase() === joined(target).trim().toLowerCase();
    return { name: "copied", pass: !same, detail: same ? "identical to the source" : "too short to compare" };
  }
  const b = shingles(joined(target));
  let shared = 0;
  for (const s of a) if (b.has(s)) shared++;
  const share = shared / a.size;
  return { name: "copied", pass: share <= COPY_SHARE, detail: `${(share * 100).toFixed(0)}% of source 4-grams verbatim` };
}

export function checkBackTranslation(source: TextPair, back: TextPair): CheckResult {
  const score = chrF(joined(back), joined(source));
  return { name: "back_translation", pass: score >= BACK_CHRF_MIN, detail: `chrF ${score.toFixed(1)}` };
}

/** All checks on one item (back-translation only when one was made). */
export function runChecks(source: TextPair, target: TextPair, to: string, back: TextPair | null): CheckResult[] {
  const results = [
    checkLanguage(target, to),
    checkNumbers(source, target),
    checkDistinct(target),
    checkLengthRatio(source, target),
    checkCopied(source, target),
  ];
  if (back) results.push(checkBackTranslation(source, back));
  return results;
}

/**
 * A translated trace's checks: its question and options as any translated item's, then its
 * reasoning checked the same way (language, numbers kept, length ratio, copied text).
 */
export function runTraceChecks(source: TextPair & { reasoning: string }, target: TextPair & { reasoning: string }, to: string): CheckResult<TraceCheckName>[] {
  const text = (x: { reasoning: string }): TextPair => ({ question: x.reasoning, options: [] });
  const [a, b] = [text(source), text(target)];
  const reasoning: CheckResult<TraceCheckName>[] = [
    { ...checkLanguage(b, to), name: "reasoning_language" },
    { ...checkNumbers(a, b), name: "reasoning_numbers" },
    { ...checkLengthRatio(a, b), name: "reasoning_length_ratio" },
    { ...checkCopied(a, b), name: "reasoning_copied" },
  ];
  return [...runChecks(source, target, to, null), ...reasoning];
}
