// Normalised question text for the leakage guard: two phrasings of one question that differ
// only in case, accents, punctuation or spacing must compare equal, and near-copies must
// score a high token-set overlap.

/** Lowercase, accents folded, anything but letters and digits turned into single spaces. */
export function normalizeQuestion(text: string): string {
  const lower = text.toLowerCase();
  // The Unicode-aware path is several times slower; most trace text is plain ASCII.
  if (!/[^\x00-\x7f]/.test(lower)) return lower.replace(/[^a-z0-9]+/g, " ").trim();
  return lower
    .normalize("NFKD")
    .toLowerCase()
    .replace(/\p{M}+/gu, "")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

export function tokenSet(normalized: string): Set<string> {
  return new Set(normalized.split(" ").filter((t) => t.length > 0));
}
