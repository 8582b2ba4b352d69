// Seeded percentile bootstrap for the mean of a sample (an accuracy is the mean of 0/1 values).
import { BinomialSampler } from "./binomial.ts";
import { percentileInterval } from "./quantile.ts";
import { type Seed, uint32State, uniformSource } from "./rng.ts";

export interface BootstrapOptions {
  /** Number of bootstrap resamples (default 10,000). */
  resamples?: number;
  /** Same seed, same interval. */
  seed: Seed;
  /** Confidence level (default 0.95). */
  level?: number;
}

export interface Interval {
  /** The statistic on the original data (not the bootstrap mean). */
  mean: number;
  low: number;
  high: number;
}

export const DEFAULT_RESAMPLES = 10_000;
export const DEFAULT_LEVEL = 0.95;
/** The one seed default: a run's bootstrap and few-shot selection, and every comparison's resamples. */
export const DEFAULT_SEED = 1234;

export function resolveBootstrapOptions(opts: BootstrapOptions): { resamples: number; level: number } {
  const resamples = opts.resamples ?? DEFAULT_RESAMPLES;
  const level = opts.level ?? DEFAULT_LEVEL;
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`bootstrap resamples must be a positive integer, got ${resamples}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be in (0, 1), got ${level}`);
  return { resamples, level };
}

/**
 * Percentile bootstrap confidence interval for the mean of `values`.
 *
 * 0/1 data (accuracies) is resampled through its count of ones, which for n draws with
 * replacement is exactly Binomial(n, k/n): the same bootstrap distribution as drawing n
 * indices, at the cost of one draw per resample. Other data is resampled index by index.
 * An empty sample has no mean: all three fields are NaN.
 */
export function bootstrapCI(values: ArrayLike<number>, opts: BootstrapOptions): Interval {
  const { resamples, level } = resolveBootstrapOptions(opts);
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, low: Number.NaN, high: Number.NaN };
  let sum = 0;
  let binary = true;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) throw new RangeError(`bootstrapCI: value ${i} is ${v}; only finite numbers can be averaged`);
    if (v !== 0 && v !== 1) binary = false;
    sum += v;
  }
  const stats = binary ? resampleBinaryMeans(n, sum, resamples, opts.seed) : resampleMeans(values, resamples, opts.seed);
  return { mean: sum / n, ...percentileInterval(stats, level) };
}

/** Bootstrap distribution of the proportion k/n: one Binomial(n, k/n) draw per resample. */
export function resampleBinaryMeans(n: number, ones: number, resamples: number, seed: Seed): Float64Array {
  const sampler = new BinomialSampler(n, ones / n);
  const uniform = uniformSource(seed);
  const stats = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) stats[r] = sampler.sample(uniform()) / n;
  return stats;
}

/** Bootstrap distribution of the mean, drawing n indices with replacement per resample. */
export function resampleMeans(values: ArrayLike<number>, resamples: number, seed: Seed): Float64Array {
  const n = values.length;
  const data = Float64Array.from(values);
  const state = uint32State(seed);
  let a = state[0] | 0;
  let b = state[1] | 0;
  let c = state[2] | 0;
  let d = state[3] | 0;
  const scale = n / 4294967296;
  const stats = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      // sfc32, inlined: a closure call per draw would double the cost of this loop.
      const t = (((a + b) | 0) + d) | 0;
      d = (d + 1) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (c << 21) | (c >>> 11);
      c = (c + t) | 0;
      sum += data[((t >>> 0) * scale) | 0];
    }
    stats[r] = sum / n;
  }
  return stats;
}
