// Exact binomial sampling and tail probabilities. Resampling n items of 0/1 data with
// replacement and counting the ones is exactly a Binomial(n, k/n) draw, so the bootstrap of
// an accuracy can draw the count instead of n indices: same distribution, n times less work.

/**
 * Draws from Binomial(n, p) by inverting a cumulative table. The table covers the support
 * around the mode until the probability falls below 1e-18 of the mode's (about ±9 standard
 * deviations): the mass left out is far below the resolution of a 53-bit uniform draw.
 */
export class BinomialSampler {
  private readonly lo: number;
  private readonly cdf: Float64Array;

  constructor(
    readonly n: number,
    readonly p: number,
  ) {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`binomial n must be a non-negative integer, got ${n}`);
    if (!(p >= 0 && p <= 1)) throw new RangeError(`binomial p must be in [0, 1], got ${p}`);
    if (n === 0 || p === 0 || p === 1) {
      this.lo = p === 1 ? n : 0;
      this.cdf = Float64Array.of(1);
      return;
    }
    const odds = p / (1 - p);
    const mode = Math.min(n, Math.floor((n + 1) * p));
    const cutoff = 1e-18;
    // Unnormalised pmf relative to the mode, by the ratio pmf(k+1)/pmf(k) = (n-k)/(k+1)·p/(1-p).
    const up: number[] = [];
    for (let k = mode, w = 1; k < n; k++) {
      w *= ((n - k) / (k + 1)) * odds;
      if (w < cutoff) break;
      up.push(w);
    }
    const down: number[] = [];
    for (let k = mode, w = 1; k > 0; k--) {
      w *= k / ((n - k + 1) * odds);
      if (w < cutoff) break;
      down.push(w);
    }
    this.lo = mode - down.length;
    const weights = new Float64Array(down.length + 1 + up.length);
    for (let i = 0; i < down.length; i++) weights[down.length - 1 - i] = down[i];
    weights[down.length] = 1;
    for (let i = 0; i < up.length; i++) weights[down.length + 1 + i] = up[i];
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i];
    let running = 0;
    for (let i = 0; i < weights.length; i++) {
      running += weights[i];
      weights[i] = running / total;
    }
    weights[weights.length - 1] = 1;
    this.cdf = weights;
  }

  /** The count whose cumulative probability first exceeds u (u uniform on [0, 1)). */
  sample(u: number): number {
    const cdf = this.cdf;
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    return this.lo + lo;
  }
}

const logFactorials: number[] = [0];

/** ln(k!), from a table grown by summing logarithms (exact to ~1e-13 relative for k ≤ 10^7). */
export function logFactorial(k: number): number {
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`logFactorial needs a non-negative integer, got ${k}`);
  for (let i = logFactorials.length; i <= k; i++) logFactorials.push(logFactorials[i - 1] + Math.log(i));
  return logFactorials[k];
}

/** ln P(X = k) for X ~ Binomial(n, 1/2). */
export function logHalfBinomialPmf(n: number, k: number): number {
  return logFactorial(n) - logFactorial(k) - logFactorial(n - k) - n * Math.LN2;
}

/** P(X ≤ k) for X ~ Binomial(n, 1/2), summed in log space so large n neither under- nor overflows. */
export function halfBinomialCdf(n: number, k: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  // Terms grow with i up to n/2, so the last term is the largest for k ≤ n/2; factor it out.
  const terms: number[] = [];
  let max = -Infinity;
  for (let i = 0; i <= k; i++) {
    const t = logHalfBinomialPmf(n, i);
    terms.push(t);
    if (t > max) max = t; // not Math.max(...terms): hundreds of thousands of arguments overflow the stack
  }
  let sum = 0;
  for (const t of terms) sum += Math.exp(t - max);
  return Math.min(1, Math.exp(max + Math.log(sum)));
}
