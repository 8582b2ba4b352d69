// Paired bootstrap for the difference in accuracy between two systems on the same items.
// With 0/1 outcomes an item pair falls in one of four cells; the difference depends only on
// the discordant cells, b (only A right) and c (only B right): diff = (b − c) / n.
// Resampling n pairs with replacement is a multinomial draw over the cells, drawn here
// exactly as D* ~ Binomial(n, (b+c)/n) discordant pairs, of which b* ~ Binomial(D*, b/(b+c)).
import { BinomialSampler } from "./binomial.ts";
import { type BootstrapOptions, type Interval, resolveBootstrapOptions } from "./bootstrap.ts";
import { mcnemarExact } from "./mcnemar.ts";
import { percentileInterval } from "./quantile.ts";
import { type Seed, uniformSource } from "./rng.ts";
import { checkWeight, normalisedWeights } from "./stratified.ts";

/** Paired 0/1 outcomes on n aligned items: b = only A right, c = only B right. */
export interface PairedCounts {
  n: number;
  b: number;
  c: number;
  /** Weight in a stratified macro average (default 1); weights are normalised. */
  weight?: number;
}

const NO_INTERVAL: Interval = { mean: Number.NaN, low: Number.NaN, high: Number.NaN };

function checkCounts(counts: PairedCounts, where: string): void {
  const { n, b, c } = counts;
  if (![n, b, c].every((v) => Number.isInteger(v) && v >= 0) || b + c > n) {
    throw new RangeError(`${where}: need non-negative integers with b + c ≤ n, got n=${n}, b=${b}, c=${c}`);
  }
}

/** Draws resampled (b* − c*) for one set of paired counts. */
class DiscordantResampler {
  private readonly discordant: BinomialSampler;
  private readonly split = new Map<number, BinomialSampler>();
  private readonly shareB: number;

  constructor(counts: PairedCounts) {
    const d = counts.b + counts.c;
    this.discordant = new BinomialSampler(counts.n, counts.n === 0 ? 0 : d / counts.n);
    this.shareB = d === 0 ? 0 : counts.b / d;
  }

  /** One resample's b* − c*, from two uniforms. */
  draw(u1: number, u2: number): number {
    const d = this.discordant.sample(u1);
    let split = this.split.get(d);
    if (split === undefined) {
      split = new BinomialSampler(d, this.shareB);
      this.split.set(d, split);
    }
    return 2 * split.sample(u2) - d;
  }
}

/** Paired percentile-bootstrap interval for accuracy(A) − accuracy(B) over aligned items. */
export function pairedBootstrapDiff(counts: PairedCounts, opts: BootstrapOptions): Interval {
  const { resamples, level } = resolveBootstrapOptions(opts);
  checkCounts(counts, "pairedBootstrapDiff");
  if (counts.n === 0) return NO_INTERVAL;
  const stats = resamplePairedDiffs(counts, resamples, opts.seed);
  return { mean: (counts.b - counts.c) / counts.n, ...percentileInterval(stats, level) };
}

/** Bootstrap distribution of (b* − c*) / n: the resampled differences in accuracy. */
export function resamplePairedDiffs(counts: PairedCounts, resamples: number, seed: Seed): Float64Array {
  checkCounts(counts, "resamplePairedDiffs");
  const resampler = new DiscordantResampler(counts);
  const uniform = uniformSource(seed);
  const stats = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) stats[r] = resampler.draw(uniform(), uniform()) / counts.n;
  return stats;
}

/**
 * Stratified paired bootstrap for an aggregate over tasks: each task's pairs are resampled
 * within the task. macro = (weighted) mean of the per-task differences, micro = pooled difference.
 */
export function stratifiedPairedBootstrap(
  strata: readonly PairedCounts[],
  opts: BootstrapOptions,
): { macro: Interval; micro: Interval } {
  const { resamples, level } = resolveBootstrapOptions(opts);
  const dist = resampleStratifiedPairedDiffs(strata, resamples, opts.seed);
  if (dist === null) return { macro: NO_INTERVAL, micro: NO_INTERVAL };
  return {
    macro: { mean: dist.macroMean, ...percentileInterval(dist.macro, level) },
    micro: { mean: dist.microMean, ...percentileInterval(dist.micro, level) },
  };
}

/**
 * The bootstrap distributions behind `stratifiedPairedBootstrap` (the same draws for the same
 * seed), for callers that need more than one interval of them, such as a p-value; null when
 * no stratum has items.
 */
export function resampleStratifiedPairedDiffs(
  strata: readonly PairedCounts[],
  resamples: number,
  seed: Seed,
): { macro: Float64Array; micro: Float64Array; macroMean: number; microMean: number } | null {
  strata.forEach((s, i) => {
    checkCounts(s, `stratum ${i}`);
    checkWeight(s.weight, i);
  });
  const used = strata.filter((s) => s.n > 0);
  if (used.length === 0) return null;
  const weights = normalisedWeights(used);
  const total = used.reduce((acc, s) => acc + s.n, 0);
  const resamplers = used.map((s) => new DiscordantResampler(s));
  const uniform = uniformSource(seed);
  const macro = new Float64Array(resamples);
  const micro = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let diffSum = 0;
    let net = 0;
    for (let t = 0; t < used.length; t++) {
      const x = resamplers[t].draw(uniform(), uniform());
      diffSum += (weights[t] * x) / used[t].n;
      net += x;
    }
    macro[r] = diffSum;
    micro[r] = net / total;
  }
  const macroMean = used.reduce((acc, s, t) => acc + (weights[t] * (s.b - s.c)) / s.n, 0);
  const microMean = used.reduce((acc, s) => acc + s.b - s.c, 0) / total;
  return { macro, micro, macroMean, microMean };
}

export interface PairedComparison {
  /** Items scored on both sides. */
  n: number;
  /** Accuracies of A and B on the aligned items. */
  accA: number;
  accB: number;
  /** accA − accB. */
  diff: number;
  /** Paired percentile-bootstrap interval for diff. */
  ci: { low: number; high: number };
  /** Two-sided exact McNemar p-value. */
  p: number;
  /** Items only A got right. */
  b: number;
  /** Items only B got right. */
  c: number;
  /** Item ids scored in A but not in B, and the reverse, sorted. */
  onlyA: string[];
  onlyB: string[];
}

/**
 * Compares two systems item by item. Keys are item ids (make them unique across tasks, e.g.
 * `task\u0000item_id`, when pooling tasks); values say whether the item was answered correctly.
 * Items on one side only are not compared but returned in onlyA / onlyB.
 */
export function pairedComparison(
  a: ReadonlyMap<string, boolean>,
  b: ReadonlyMap<string, boolean>,
  opts: { resamples?: number; seed: Seed; level?: number },
): PairedComparison {
  let n = 0;
  let rightA = 0;
  let rightB = 0;
  let onlyRightA = 0;
  let onlyRightB = 0;
  const onlyA: string[] = [];
  for (const [id, okA] of a) {
    const okB = b.get(id);
    if (okB === undefined) {
      onlyA.push(id);
      continue;
    }
    n++;
    if (okA) rightA++;
    if (okB) rightB++;
    if (okA && !okB) onlyRightA++;
    if (!okA && okB) onlyRightB++;
  }
  const onlyB: string[] = [];
  for (const id of b.keys()) if (!a.has(id)) onlyB.push(id);
  const counts = { n, b: onlyRightA, c: onlyRightB };
  const ci = pairedBootstrapDiff(counts, opts);
  return {
    n,
    accA: n === 0 ? Number.NaN : rightA / n,
    accB: n === 0 ? Number.NaN : rightB / n,
    diff: ci.mean,
    ci: { low: ci.low, high: ci.high },
    p: mcnemarExact(onlyRightA, onlyRightB),
    b: onlyRightA,
    c: onlyRightB,
    onlyA: onlyA.sort(),
    onlyB: onlyB.sort(),
  };
}
