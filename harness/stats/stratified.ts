// Stratified bootstrap for aggregates over tasks: each task is resampled within itself, so
// every resample keeps the task sizes, and the macro (mean of task accuracies) and micro
// (pooled) accuracies are computed from the same resampled counts.
import { BinomialSampler } from "./binomial.ts";
import { type BootstrapOptions, type Interval, resolveBootstrapOptions } from "./bootstrap.ts";
import { percentileInterval } from "./quantile.ts";
import { uniformSource } from "./rng.ts";

/** One task's 0/1 outcomes as counts: n scored items, `correct` of them right. */
export interface Stratum {
  n: number;
  correct: number;
  /** Weight of this task in the macro average (default 1); weights are normalised. */
  weight?: number;
}

export interface AggregateIntervals {
  /** (Weighted) mean of the per-task accuracies. */
  macro: Interval;
  /** All items pooled. */
  micro: Interval;
  /** Tasks that entered the aggregate (tasks with no scored items are left out). */
  strata: number;
  /** Items pooled. */
  n: number;
}

const NO_INTERVAL: Interval = { mean: Number.NaN, low: Number.NaN, high: Number.NaN };

/** Macro and micro accuracy with stratified percentile-bootstrap intervals. */
export function stratifiedBootstrap(strata: readonly Stratum[], opts: BootstrapOptions): AggregateIntervals {
  const { resamples, level } = resolveBootstrapOptions(opts);
  for (const [i, s] of strata.entries()) {
    if (!Number.isInteger(s.n) || !Number.isInteger(s.correct) || s.correct < 0 || s.correct > s.n) {
      throw new RangeError(`stratum ${i}: need integers 0 ≤ correct ≤ n, got correct=${s.correct}, n=${s.n}`);
    }
    checkWeight(s.weight, i);
  }
  const used = strata.filter((s) => s.n > 0);
  const total = used.reduce((acc, s) => acc + s.n, 0);
  if (used.length === 0) return { macro: NO_INTERVAL, micro: NO_INTERVAL, strata: 0, n: 0 };
  const weights = normalisedWeights(used);
  const samplers = used.map((s) => new BinomialSampler(s.n, s.correct / s.n));
  const uniform = uniformSource(opts.seed);
  const macro = new Float64Array(resamples);
  const micro = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let accSum = 0;
    let correct = 0;
    for (let t = 0; t < used.length; t++) {
      const k = samplers[t].sample(uniform());
      accSum += (weights[t] * k) / used[t].n;
      correct += k;
    }
    macro[r] = accSum;
    micro[r] = correct / total;
  }
  const macroMean = used.reduce((acc, s, t) => acc + (weights[t] * s.correct) / s.n, 0);
  const microMean = used.reduce((acc, s) => acc + s.correct, 0) / total;
  return {
    macro: { mean: macroMean, ...percentileInterval(macro, level) },
    micro: { mean: microMean, ...percentileInterval(micro, level) },
    strata: used.length,
    n: total,
  };
}

export function checkWeight(weight: number | undefined, index: number): void {
  if (weight !== undefined && !(Number.isFinite(weight) && weight > 0)) {
    throw new RangeError(`stratum ${index}: weight must be a positive number, got ${weight}`);
  }
}

/** Weights summing to 1 (equal when none are given). */
export function normalisedWeights(strata: readonly { weight?: number }[]): Float64Array {
  const raw = Float64Array.from(strata, (s) => s.weight ?? 1);
  const sum = raw.reduce((a, w) => a + w, 0);
  return raw.map((w) => w / sum);
}
