// A tiny deterministic tokenizer that splits text the way BPE tokenizers tend to for Latin
// scripts: a word carries its leading whitespace (" Paris"), punctuation stands alone, and
// a run of whitespace with no word after it is its own token. Tests can predict every token,
// so logprob sums over a continuation can be worked out by hand.

const TOKEN = /\s*[\p{L}\p{N}]+|\s*[^\s\p{L}\p{N}]|\s+/gu;

export interface Token {
  text: string;
  /** Character offset of the token in the text it came from. */
  offset: number;
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (const match of text.matchAll(TOKEN)) tokens.push({ text: match[0], offset: match.index });
  return tokens;
}

export function countTokens(text: string): number {
  let n = 0;
  for (const _ of text.matchAll(TOKEN)) n++;
  return n;
}

/** The first `max` tokens of a text, joined back (a generation cut by max_tokens). */
export function firstTokens(text: string, max: number): string {
  if (max <= 0) return "";
  let end = 0;
  let n = 0;
  for (const match of text.matchAll(TOKEN)) {
    if (n === max) break;
    end = match.index + match[0].length;
    n++;
  }
  return text.slice(0, end);
}

/** 32-bit FNV-1a: cheap, stable hashing for deterministic fake outputs. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
