// Passages into chunks for retrieval: whole paragraphs packed together up to a size, so a
// chunk reads as the source wrote it. A paragraph longer than the size is cut at sentence
// ends, and a sentence longer than that at the last space before the size.

/**
 * Characters per chunk (default of --chunk-chars): about 250–350 English words, a few
 * paragraphs of an encyclopedia article, so five retrieved chunks fit a prompt with room left.
 */
export const DEFAULT_CHUNK_CHARS = 1500;

/** The smallest size allowed: below it, chunks stop being passages. */
export const MIN_CHUNK_CHARS = 100;

/** The text's chunks, in order, each at most maxChars long (whitespace inside paragraphs collapsed). */
export function chunkText(text: string, maxChars: number = DEFAULT_CHUNK_CHARS): string[] {
  const paragraphs = splitParagraphs(text).flatMap((p) => (p.length <= maxChars ? [p] : splitLong(p, maxChars)));
  const chunks: string[] = [];
  let current = "";
  for (const paragraph of paragraphs) {
    if (current === "") current = paragraph;
    else if (current.length + 2 + paragraph.length <= maxChars) current = `${current}\n\n${paragraph}`;
    else {
      chunks.push(current);
      current = paragraph;
    }
  }
  if (current !== "") chunks.push(current);
  return chunks;
}

/** Paragraphs are separated by blank lines; a text with none is split at its line breaks. */
function splitParagraphs(text: string): string[] {
  const blocks = /\n\s*\n/.test(text) ? text.split(/\n\s*\n/) : text.split(/\n/);
  return blocks.map((b) => b.replace(/\s+/g, " ").trim()).filter((b) => b !== "");
}

/** A paragraph longer than maxChars as pieces of whole sentences where it can. */
function splitLong(paragraph: string, maxChars: number): string[] {
  const sentences = paragraph.match(/[^.!?]+(?:[.!?]+|$)\s*/g) ?? [paragraph];
  const pieces: string[] = [];
  let current = "";
  for (const raw of sentences) {
    for (const sentence of hardSplit(raw.trim(), maxChars)) {
      if (current === "") current = sentence;
      else if (current.length + 1 + sentence.length <= maxChars) current = `${current} ${sentence}`;
      else {
        pieces.push(current);
        current = sentence;
      }
    }
  }
  if (current !== "") pieces.push(current);
  return pieces;
}

function hardSplit(sentence: string, maxChars: number): string[] {
  const out: string[] = [];
  let rest = sentence;
  while (rest.length > maxChars) {
    const space = rest.lastIndexOf(" ", maxChars);
    const cut = space > maxChars / 2 ? space : maxChars;
    out.push(rest.slice(0, cut).trim());
    rest = rest.slice(cut).trim();
  }
  if (rest !== "") out.push(rest);
  return out;
}
