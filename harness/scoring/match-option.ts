// Matching an answer statement that names its option by words ("the answer is omeprazol",
// "Answer: DVT", "the answer is 4") when the words are not the option's text as written.
// Used only on what follows an answer cue, never on free prose: a loose match in a chain of
// thought would pick up every option it discusses. Only a match to exactly one option counts.
import { distance } from "fastest-levenshtein";
import { normalizeForMatch } from "./normalize.ts";

/** Words before an option's text that do not belong to it ("the answer is the omeprazole"). */
const LEADING_FILLER = new Set(["the", "a", "an", "option", "choice", "la", "el", "il", "lo", "le", "l", "opzione", "opcion"]);
const STOPWORDS = new Set(["of", "and", "the", "in", "to", "with", "for", "by", "de", "del", "di", "y", "e", "et", "des", "du"]);

function words(text: string): string[] {
  const all = normalizeForMatch(text).split(" ").filter((w) => w !== "");
  let start = 0;
  while (start < all.length - 1 && LEADING_FILLER.has(all[start]!)) start++;
  return all.slice(start);
}

function unique(found: number[]): number | null {
  return found.length === 1 ? found[0]! : null;
}

/** The option whose whole text the statement is, however short ("4", "O", "AB", "20%"). */
export function exactOption(statement: string, options: readonly string[]): number | null {
  const said = words(statement).join(" ");
  if (said === "") return null;
  return unique(options.flatMap((o, i) => (normalizeForMatch(o) === said ? [i] : [])));
}

/**
 * One word misspelled: one edit in a word of six letters or more with its first two letters
 * right, or two letters swapped in a word of four or more. Numbers and short words must be
 * equal: "10%" is not "20%", and "abduction" is not "adduction".
 */
function sameWord(said: string, option: string): boolean {
  if (said === option) return true;
  if (/\p{N}/u.test(said + option) || option.length < 4 || said[0] !== option[0]) return false;
  const d = distance(said, option);
  if (d === 1) return option.length >= 6 && said[1] === option[1];
  return d === 2 && said.length === option.length && [...said].sort().join("") === [...option].sort().join("");
}

/** Does the statement hold the option's words in order, each the same or misspelled by a little? */
function spelledLike(said: string[], option: string[]): boolean {
  // One word of slack for a head noun or a hedge-free qualifier ("approximately 40%", "vitamin E").
  if (option.length === 0 || said.length < option.length || said.length > option.length + 1) return false;
  for (let start = 0; start + option.length <= said.length; start++) {
    if (option.every((w, k) => sameWord(said[start + k]!, w))) return true;
  }
  return false;
}

function initials(ws: string[]): string[] {
  const content = ws.filter((w) => !STOPWORDS.has(w));
  return [ws.map((w) => w[0]).join(""), content.map((w) => w[0]).join("")];
}

/** "DVT" for "Deep vein thrombosis" and back: an acronym written in capitals, of two words or more. */
function acronymOf(statement: string, option: string): boolean {
  const acronym = /^\s*(?:the\s+|an?\s+)?[*_"'(]*([A-Z]{2,6})[*_"')]*[.!]?\s*$/u;
  const fromSaid = statement.match(acronym)?.[1];
  if (fromSaid !== undefined) {
    const ws = words(option);
    return ws.length >= 2 && ws.every((w) => /^\p{L}/u.test(w)) && initials(ws).includes(fromSaid.toLowerCase());
  }
  const fromOption = option.match(acronym)?.[1];
  if (fromOption === undefined) return false;
  const ws = words(statement);
  return ws.length >= 2 && ws.length <= 6 && initials(ws).includes(fromOption.toLowerCase());
}

/** The one option the statement spells approximately, or names by its acronym; null when none or several. */
export function fuzzyOption(statement: string, options: readonly string[]): number | null {
  const said = words(statement);
  if (said.length === 0) return null;
  const spelled = options.flatMap((o, i) => (spelledLike(said, words(o)) ? [i] : []));
  if (spelled.length > 0) return unique(spelled);
  return unique(options.flatMap((o, i) => (acronymOf(statement, o) ? [i] : [])));
}

/** The normalised text with every option's own words taken out: what the model said about them. */
export function withoutOptionTexts(text: string, options: readonly string[]): string {
  let rest = ` ${normalizeForMatch(text)} `;
  const texts = options.map(normalizeForMatch).filter((t) => t !== "").sort((a, b) => b.length - a.length);
  for (const t of texts) rest = rest.split(` ${t} `).join("  ");
  return rest.trim();
}

/** The unique option whose whole text is this letter ("E" as the text of D), or -1. */
export function letterLikeOption(letter: string, options: readonly string[]): number {
  const found = options.flatMap((o, i) => (normalizeForMatch(o) === letter.toLowerCase() ? [i] : []));
  return found.length === 1 ? found[0]! : -1;
}
