// Chunking by paragraph: whole paragraphs packed up to the size, long ones cut at sentences.
import { describe, expect, it } from "vitest";
import { chunkText, DEFAULT_CHUNK_CHARS } from "../../harness/corpus/chunk.ts";

describe("chunkText", () => {
  it("packs whole paragraphs together up to the size", () => {
    const text = "First paragraph here.\n\nSecond one.\n\n\nThird paragraph, a little longer than the others.";
    expect(chunkText(text, 50)).toEqual(["First paragraph here.\n\nSecond one.", "Third paragraph, a little longer than the others."]);
    expect(chunkText(text, 1000)).toEqual(["First paragraph here.\n\nSecond one.\n\nThird paragraph, a little longer than the others."]);
  });

  it("splits at line breaks when a text has no blank lines, and collapses whitespace inside a paragraph", () => {
    expect(chunkText("line one\nline   two", 10)).toEqual(["line one", "line two"]);
  });

  it("cuts a paragraph longer than the size at sentence ends, and a sentence longer than it at a space", () => {
    const sentences = "Alpha beta gamma. Delta epsilon zeta. Eta theta iota.";
    // 17 + 1 + 19 > 36: the first sentence alone; 19 + 1 + 15 <= 36: the next two together.
    expect(chunkText(sentences, 36)).toEqual(["Alpha beta gamma.", "Delta epsilon zeta. Eta theta iota."]);
    const long = Array.from({ length: 50 }, (_, i) => `word${i}`).join(" ");
    const chunks = chunkText(long, 60);
    expect(chunks.every((c) => c.length <= 60)).toBe(true);
    expect(chunks.join(" ")).toBe(long);
  });

  it("keeps every chunk within the default size on a long article", () => {
    const para = "The kidney filters blood and makes urine. ".repeat(20).trim();
    const article = Array.from({ length: 12 }, () => para).join("\n\n");
    const chunks = chunkText(article);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.every((c) => c.length <= DEFAULT_CHUNK_CHARS)).toBe(true);
    expect(chunks.join("\n\n").replace(/\s+/g, " ")).toBe(article.replace(/\s+/g, " "));
  });
});
