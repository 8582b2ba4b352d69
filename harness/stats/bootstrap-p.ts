// A p-value for a statistic that only has a bootstrap interval (a macro average of paired
// differences has no exact test), taken from the same resamples as its interval so that the
// two never disagree: p < 1 − level exactly when the percentile interval at that level
// excludes 0 (low > 0 or high < 0), for every level.

/**
 * Two-sided percentile-bootstrap p-value for "no difference": the smallest α at which the
 * percentile interval at level 1 − α excludes 0, found exactly by inverting the type-7
 * quantile function of the sorted resamples (the one `percentileInterval` uses).
 * Excluding 0 from below needs Q(α/2) > 0, i.e. α/2 above the last quantile position where
 * Q ≤ 0; from above, Q(1 − α/2) < 0, i.e. 1 − α/2 below the first position where Q ≥ 0.
 */
export function distributionPValue(stats: Float64Array): number {
  const n = stats.length;
  if (n === 0) return 1;
  const x = stats.slice().sort();
  if (n === 1) return 1;
  const last = n - 1;
  let alpha = 1;
  // Lower tail: j = the last index with x[j] ≤ 0; Q(h) > 0 exactly for h > h*.
  let j = -1;
  while (j + 1 < n && x[j + 1] <= 0) j++;
  if (j === -1) alpha = 0; // every resample above 0: excluded at every level
  else if (j < last) {
    const hStar = j + -x[j] / (x[j + 1] - x[j]);
    alpha = Math.min(alpha, (2 * hStar) / last);
  }
  // Upper tail: k = the first index with x[k] ≥ 0; Q(h) < 0 exactly for h < h**.
  let k = n;
  while (k - 1 >= 0 && x[k - 1] >= 0) k--;
  if (k === n) alpha = 0; // every resample below 0
  else if (k > 0) {
    const hStarStar = k - 1 + -x[k - 1] / (x[k] - x[k - 1]);
    alpha = Math.min(alpha, 2 * (1 - hStarStar / last));
  }
  return Math.min(1, Math.max(0, alpha));
}
