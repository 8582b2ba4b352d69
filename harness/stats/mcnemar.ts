// McNemar's test for paired 0/1 outcomes, exact form: under "both systems are equally
// accurate" each discordant item is equally likely to favour either side, so b is
// Binomial(b + c, 1/2). No normal approximation: it is poor exactly where it matters,
// with few discordant items.
import { halfBinomialCdf } from "./binomial.ts";

/**
 * Two-sided exact McNemar p-value for b items only A got right and c items only B got right:
 * min(1, 2 · P(X ≤ min(b, c))) with X ~ Binomial(b + c, 1/2). No discordant items: p = 1.
 */
export function mcnemarExact(b: number, c: number): number {
  for (const [name, v] of [
    ["b", b],
    ["c", c],
  ] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`McNemar ${name} must be a non-negative integer count, got ${v}`);
  }
  const n = b + c;
  if (n === 0) return 1;
  return Math.min(1, 2 * halfBinomialCdf(n, Math.min(b, c)));
}
