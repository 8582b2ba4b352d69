// Quantiles of a bootstrap distribution.

/**
 * Quantile q of values that are already sorted ascending, by linear interpolation between
 * order statistics (Hyndman & Fan type 7, the default of R and NumPy).
 */
export function sortedQuantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (q <= 0) return sorted[0];
  if (q >= 1) return sorted[n - 1];
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** The percentile interval [low, high] of a bootstrap distribution at a confidence level. */
export function percentileInterval(stats: Float64Array, level: number): { low: number; high: number } {
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be in (0, 1), got ${level}`);
  const sorted = stats.slice().sort();
  const alpha = 1 - level;
  return { low: sortedQuantile(sorted, alpha / 2), high: sortedQuantile(sorted, 1 - alpha / 2) };
}
