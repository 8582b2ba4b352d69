// Holm's step-down adjustment: controls the family-wise error rate across the tasks compared,
// uniformly more powerful than Bonferroni, with no assumption about dependence between tests.

/**
 * Holm-adjusted p-values, in the order given. NaN entries (no test possible) stay NaN and do
 * not count towards the number of tests. Adjusted p_(i) = max over j ≤ i of min(1, (m−j+1)·p_(j))
 * for the p-values sorted ascending.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const indexed = pValues
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => !Number.isNaN(p));
  for (const { p, i } of indexed) {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`p-value ${i} is ${p}; p-values must lie in [0, 1]`);
  }
  indexed.sort((x, y) => x.p - y.p || x.i - y.i);
  const m = indexed.length;
  const adjusted = pValues.map(() => Number.NaN);
  let running = 0;
  indexed.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[i] = running;
  });
  return adjusted;
}
