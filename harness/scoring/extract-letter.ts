// Reading an option letter from the text that follows an answer cue ("the answer is ▮").
// A capital letter is ambiguous in running text (the article "A", Italian "e"/"a", Spanish
// "a"/"e"/"o", "vitamin A"), so a letter only counts where its shape says it is a label:
// bracketed, introduced by "option", or standing alone before punctuation or the line end.
// A hedge ("B or D", "either A or C") is read as a hedge, never as its first letter.
import { LETTERS } from "../types.ts";
import { normalizeForMatch } from "./normalize.ts";

export type LetterRead =
  | { kind: "letter"; letter: string; index: number; end: number }
  | { kind: "hedge"; end: number }
  /** `bare`: no bracket or option word makes it a label, so it may be an option's text ("E" as the text of D). */
  | { kind: "out_of_range"; letter: string; end: number; bare?: boolean }
  /** The letter is followed by another option's text ("Choice B) Decreased residual volume" when that is C). */
  | { kind: "conflict"; letter: string; end: number };

export interface LetterReadOptions {
  /** Option texts, used to confirm "B Ciprofloxacin" and to bound the letters. */
  options: readonly string[];
  /** Accept a bare lowercase letter ("answer: c"): only where the context is unmistakable. */
  lowercase?: boolean;
  /** Accept the letter only when the option's own text follows it ("is B. Cocaine"). */
  requireOptionText?: boolean;
}

const OPTION_WORD = String.raw`(?:answer\s+choice|answer\s+option|option|choice|letter|opzione|alternativa|scelta|lettera|opci[oó]n|letra|r[ée]ponse|proposition|choix)`;
const ARTICLE = String.raw`(?:the|la|l['’]\s*|el|le)`;
const LEADING_NOISE = /^[\s:=*_"'`“”‘’>#~-]*/;
const HEDGE_PREFIX = /^(?:either|both|entrambe|entrambi|ambas|ambos|soit)\s+/i;
const ARTICLE_AND_OPTION_WORD = new RegExp(String.raw`^(?:${ARTICLE}\s*)?(?:(${OPTION_WORD})\s*(?:number|n[.°º]|#)?\s*)?`, "i");
// Spaces inside a label ("( C )", "** C **") but never a line break: what follows on the next
// line ("Answer: C\n\nExplanation: …") must stay in view to end the statement.
const LETTER = /^(\*\*|__|["'“‘])?[ \t]*([([])?[ \t]*([A-Ja-j])(?![\p{L}\p{N}])[ \t]*([)\]])?(\*\*|__|["'”’])?/u;
const CONNECTOR = String.raw`(?:,|/|&|\bor\b|\band\b|\bnor\b|\bo\b|\be\b|\by\b|\bu\b|\bou\b|\bet\b|\boppure\b|\bversus\b|\bvs\.?)`;
const MAYBE = String.raw`(?:possibly|maybe|perhaps|potentially|forse|quiz[aá]s|tal\s+vez|peut-[êe]tre)`;
// "B or D", "B, C", "B (or possibly C)": a second letter joined on, bracketed or not.
const SECOND_LETTER = new RegExp(
  String.raw`^[\s*_"'”’)\]]*\(?\s*${CONNECTOR}\s*(?:${MAYBE}\s+)?(?:${ARTICLE}\s*)?(?:${OPTION_WORD}\s*)?[([]?\s*[A-J](?![\p{L}\p{N}])`,
  "iu",
);
// "B) Replace warfarin … or D) Use LMW heparin", "A) Sickle cell anemia and B) Cystic fibrosis":
// a second labelled option joined on in the same sentence, or listed on the next line.
const LATER_LETTER = new RegExp(
  String.raw`${CONNECTOR}\s*(?:${ARTICLE}\s*)?(?:${OPTION_WORD}\s*[([]?[A-J](?![\p{L}\p{N}])|[([]?[A-J][)\]])`,
  "iu",
);
// "the answer is B, but it could also be C": a second candidate later in the sentence.
const ALSO_LETTER = /\b(?:could|might|may|can)\s+(?:also\s+|equally\s+)?be\s+(?:option\s+|choice\s+)?[([]?[A-J](?![\p{L}\p{N}])/u;
const NEXT_LINE_LISTED = /^[^\n]*\n[ \t*_-]*(?:option\s+)?[([]?[A-J][).\]]\s/iu;

function sentenceOf(rest: string): string {
  const end = rest.search(/[.!?](?:\s|$)|\n/u);
  return end < 0 ? rest : rest.slice(0, end);
}

// Sentence punctuation, a bracket, the line end, or a dash before an option's text.
const BOUNDARY = /^(?:\s*$|\s*\n|\s*[.,;:!?)\]}"'”’*_(–—`$\\-]|\s*(?:because|since|as|which|given|per|perch[ée]|porque|ya\s+que|car)\b)/i;

const STOPWORDS = new Set(["a", "an", "the", "of", "to", "in", "and", "or", "by", "with", "for", "la", "el", "il", "lo", "le", "de", "di", "del", "y", "e"]);

/**
 * Does `rest` begin with the text of `option` ("Ciprofloxacin and …")? Loosely: the option's
 * first content words appear among the first words of `rest`, since models paraphrase
 * ("Evisceration by a sharp weapon" for "Evisceration by sharp weapon").
 */
export function optionTextFollows(rest: string, option: string | undefined): boolean {
  if (option === undefined) return false;
  const opt = normalizeForMatch(option).split(" ").filter((w) => w !== "" && !STOPWORDS.has(w));
  if (opt.length === 0) return false;
  const wanted = opt.slice(0, 3);
  const head = normalizeForMatch(rest.slice(0, option.length + 40)).split(" ").slice(0, wanted.length + 3);
  if (head[0] !== undefined && STOPWORDS.has(head[0]) && head[0] !== wanted[0]) head.shift();
  if (head[0] !== wanted[0]) return false;
  return wanted.every((w) => head.includes(w));
}

export function readLetter(tail: string, opts: LetterReadOptions): LetterRead | null {
  let pos = tail.match(LEADING_NOISE)![0].length;
  let hedged = false;
  const hedge = tail.slice(pos).match(HEDGE_PREFIX);
  if (hedge) {
    hedged = true;
    pos += hedge[0].length;
  }
  const intro = tail.slice(pos).match(ARTICLE_AND_OPTION_WORD)!;
  const optionWord = intro[1] !== undefined;
  pos += intro[0].length;

  const m = tail.slice(pos).match(LETTER);
  if (!m) return null;
  const [whole, before, , raw, close, after] = m;
  const letter = raw!.toUpperCase();
  // "(C)", "C)", a quoted "C" or a bold **C** is a label whatever follows it.
  const bracketed = close !== undefined || (before !== undefined && after !== undefined);
  const lower = raw !== letter;
  const end = pos + whole.length;
  const rest = tail.slice(end);
  const index = LETTERS.indexOf(letter as (typeof LETTERS)[number]);

  if (SECOND_LETTER.test(rest)) return { kind: "hedge", end };
  if (hedged) return null;
  const sentence = sentenceOf(rest);
  if (LATER_LETTER.test(sentence) || ALSO_LETTER.test(sentence) || NEXT_LINE_LISTED.test(rest)) return { kind: "hedge", end };

  // A lowercase "a" or "e" ending the statement ("La respuesta es a.") can only be a letter.
  const endsStatement = /^\s*[.!]?\s*(?:$|\n)/u.test(rest);
  if (lower && !bracketed && !optionWord && !opts.lowercase && !endsStatement) return null;
  const optionText = optionTextFollows(rest.replace(/^[\s.:)\]*_-]+/, ""), opts.options[index]);
  if (opts.requireOptionText && !optionText) return null;
  if (!bracketed && !optionWord && !BOUNDARY.test(rest) && !optionText) return null;
  if (index < 0 || index >= opts.options.length) return { kind: "out_of_range", letter, end, bare: close === undefined && !optionWord };
  if (!optionText && (close !== undefined || /^\s*[.:\-–—]/u.test(rest))) {
    const named = rest.replace(/^[\s.:)\]*_\-–—]+/u, "");
    if (opts.options.some((o, j) => j !== index && optionTextFollows(named, o) && normalizeForMatch(named).startsWith(normalizeForMatch(o)))) {
      return { kind: "conflict", letter, end };
    }
  }
  return { kind: "letter", letter, index, end };
}
