// Options arrive either as a list or as an object keyed by letter ({"A": …, "B": …}); the
// extractor wants a list where option i is LETTERS[i].
import { LETTERS } from "../types.ts";

/** The option texts in letter order, or a sentence saying what is wrong with `value`. */
export function optionList(value: unknown): string[] | { problem: string } {
  if (Array.isArray(value)) {
    if (value.length < 2 || value.length > LETTERS.length) return { problem: `expected 2 to ${LETTERS.length} options, got ${value.length}` };
    if (!value.every((v) => typeof v === "string")) return { problem: "every option must be a string" };
    return value as string[];
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    const keys = entries.map(([k]) => k.trim().toUpperCase());
    const expected = LETTERS.slice(0, entries.length);
    if (entries.length < 2 || entries.length > LETTERS.length) return { problem: `expected 2 to ${LETTERS.length} options, got ${entries.length}` };
    if ([...keys].sort().join("") !== expected.join("")) {
      return { problem: `keys must be the letters ${expected.join(", ")} (got ${keys.join(", ")})` };
    }
    const byLetter = new Map(entries.map(([k, v]) => [k.trim().toUpperCase(), v]));
    const texts = expected.map((l) => byLetter.get(l));
    if (!texts.every((v) => typeof v === "string")) return { problem: "every option must be a string" };
    return texts as string[];
  }
  return { problem: "expected an array of option texts or an object keyed by letter" };
}
