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
}

export interface AggregateIntervals {
  /** Mean of the per-task accuracies. */
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
  }
  const used = strata.filter((s) => s.n > 0);
  const total = used.reduce((acc, s) => acc + s.n, 0);
  if (used.length === 0) return { macro: NO_INTERVAL, micro: NO_INTERVAL, strata: 0, n: 0 };
  const samplers = used.map((s) => new BinomialSampler(s.n, s.correct / s.n));
  const uniform = uniformSource(opts.seed);
  const macro = new Float64Array(resamples);
  const micro = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let accSum = 0;
    let correct = 0;
    for (let t = 0; t < used.length; t++) {
      const k = samplers[t].sample(uniform());
      accSum += k / used[t].n;
      correct += k;
    }
    macro[r] = accSum / used.length;
    micro[r] = correct / total;
  }
  const macroMean = used.reduce((acc, s) => acc + s.correct / s.n, 0) / used.length;
  const microMean = used.reduce((acc, s) => acc + s.correct, 0) / total;
  return {
    macro: { mean: macroMean, ...percentileInterval(macro, level) },
    micro: { mean: microMean, ...percentileInterval(micro, level) },
    strata: used.length,
    n: total,
  };
}
