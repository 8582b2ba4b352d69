// One normalisation for comparing a model's words with an option's text: case, accents,
// punctuation and spacing do not decide whether "Bipolar I disorder." names an option.

export function normalizeForMatch(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}
