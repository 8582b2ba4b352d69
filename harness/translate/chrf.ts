// chrF (Popović 2015): character n-gram F-score, n = 1..6, beta = 2, whitespace removed,
// averaged over n as sacrebleu does (precision and recall averaged, then F). Scores 0..100.
export const CHRF_ORDER = 6;
export const CHRF_BETA = 2;

function ngrams(text: string, n: number): Map<string, number> {
  const chars = Array.from(text.replace(/\s+/g, ""));
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= chars.length; i++) {
    const gram = chars.slice(i, i + n).join("");
    counts.set(gram, (counts.get(gram) ?? 0) + 1);
  }
  return counts;
}

/** Sentence-level chrF of a hypothesis against one reference. */
export function chrF(hypothesis: string, reference: string, order = CHRF_ORDER, beta = CHRF_BETA): number {
  let precision = 0;
  let recall = 0;
  let orders = 0;
  for (let n = 1; n <= order; n++) {
    const hyp = ngrams(hypothesis, n);
    const ref = ngrams(reference, n);
    let hypTotal = 0;
    let refTotal = 0;
    let match = 0;
    for (const c of hyp.values()) hypTotal += c;
    for (const c of ref.values()) refTotal += c;
    if (hypTotal === 0 || refTotal === 0) continue;
    for (const [gram, c] of hyp) match += Math.min(c, ref.get(gram) ?? 0);
    precision += match / hypTotal;
    recall += match / refTotal;
    orders++;
  }
  if (orders === 0) return 0;
  precision /= orders;
  recall /= orders;
  if (precision + recall === 0) return 0;
  const b2 = beta * beta;
  return (100 * (1 + b2) * precision * recall) / (b2 * precision + recall);
}
