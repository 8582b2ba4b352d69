// A p-value for a statistic that only has a bootstrap interval (a macro average of paired
// differences has no exact test), taken from the same resamples as its interval so that the
// two never disagree: p < 1 − level exactly when the interval at that level excludes 0.
import { sortedQuantile } from "./quantile.ts";

/**
 * Two-sided percentile-bootstrap p-value for "no difference", found by inverting the
 * interval: p = 1 − the highest confidence level whose interval still excludes 0. Every
 * call draws the same seeded resamples, so the intervals are nested and bisection applies.
 */
export function bootstrapPValue(intervalAt: (level: number) => { low: number; high: number }): number {
  const excludesZero = (level: number): boolean => {
    const i = intervalAt(level);
    return i.low > 0 || i.high < 0;
  };
  let lo = 1e-6;
  let hi = 1 - 1e-6;
  if (!excludesZero(lo)) return 1;
  if (excludesZero(hi)) return 1 - hi;
  // Each step reruns the bootstrap, so stop at 2% relative precision of p (or 2e-5
  // absolute): finer than the Monte Carlo error of the resamples themselves.
  while (hi - lo > Math.max(2e-5, 0.02 * (1 - hi))) {
    const mid = (lo + hi) / 2;
    if (excludesZero(mid)) lo = mid;
    else hi = mid;
  }
  return 1 - hi;
}

/** `bootstrapPValue` of a bootstrap distribution already drawn: one sort, no new resamples. */
export function distributionPValue(stats: Float64Array): number {
  const sorted = stats.slice().sort();
  return bootstrapPValue((level) => {
    const alpha = 1 - level;
    return { low: sortedQuantile(sorted, alpha / 2), high: sortedQuantile(sorted, 1 - alpha / 2) };
  });
}
