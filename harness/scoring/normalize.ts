// One normalisation for comparing a model's words with an option's text: case, accents,
// punctuation and spacing do not decide whether "Bipolar I disorder." names an option. Numbers
// keep what makes them different numbers: "0.5" is not "5" (a decimal comma reads as a point,
// "0,5 mg/kg" as in it/es/fr), "%" is a word of its own, and "0.5mg" reads as "0.5 mg". A
// possessive "'s" is dropped: "Baker's cyst" is "Baker cyst".

export function normalizeForMatch(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/['’]s\b/gu, "")
    .replace(/(?<=\p{N})[.,](?=\p{N})/gu, "\u0001")
    .replace(/%/gu, " % ")
    .replace(/(?<=\p{N})(?=\p{L})|(?<=\p{L})(?=\p{N})/gu, " ")
    .replace(/[^\p{L}\p{N}%\u0001]+/gu, " ")
    .replace(/\u0001/gu, ".")
    .trim();
}

/** Dice coefficient over character bigrams of the normalised texts: 1 for equal, near 0 for unrelated. */
export function textSimilarity(a: string, b: string): number {
  const grams = (s: string) => {
    const n = normalizeForMatch(s);
    const out = new Map<string, number>();
    for (let i = 0; i < n.length - 1; i++) out.set(n.slice(i, i + 2), (out.get(n.slice(i, i + 2)) ?? 0) + 1);
    return out;
  };
  const ga = grams(a);
  const gb = grams(b);
  let shared = 0;
  let total = 0;
  for (const [g, c] of ga) shared += Math.min(c, gb.get(g) ?? 0);
  for (const c of ga.values()) total += c;
  for (const c of gb.values()) total += c;
  return total === 0 ? 0 : (2 * shared) / total;
}
