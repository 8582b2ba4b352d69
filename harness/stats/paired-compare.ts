// The one paired comparison of two systems that `compare`, `table`, `report` and `check` all
// use: per task, Δ = accuracy(A) − accuracy(B) on the items both scored, with a paired
// bootstrap interval and the exact McNemar p-value; per aggregate, the weighted macro mean of
// the task Δs with a stratified paired bootstrap interval, and a p-value read from the same
// resamples (McNemar on pooled items would test the micro difference, not the macro Δ shown,
// and could call significant a Δ whose interval includes 0). Holm adjusts over one family:
// every task and every distinct aggregate of the comparison, whichever of them a command shows.
import { distributionPValue } from "./bootstrap-p.ts";
import { DEFAULT_LEVEL, DEFAULT_RESAMPLES, DEFAULT_SEED, type Interval } from "./bootstrap.ts";
import { holmAdjust } from "./holm.ts";
import { pairedComparison, resampleStratifiedPairedDiffs } from "./paired.ts";
import { percentileInterval } from "./quantile.ts";
import type { Seed } from "./rng.ts";

/** The defaults every command that compares two systems declares its options from. */
export const DEFAULT_COMPARISON = { resamples: DEFAULT_RESAMPLES, level: DEFAULT_LEVEL, alpha: 0.05, seed: DEFAULT_SEED } as const;

export interface PairedTaskInput {
  task: string;
  /** Item id → correct, for the items each side scored (errored and changed items left out). */
  a: ReadonlyMap<string, boolean>;
  b: ReadonlyMap<string, boolean>;
}

export interface PairedAggregateInput {
  id: string;
  /** Member tasks with their macro weights (normalised over the members). */
  members: readonly { task: string; weight: number }[];
}

export interface PairedOptions {
  resamples: number;
  level: number;
  alpha: number;
  seed: Seed;
}

interface PairedFigures {
  /** Items scored on both sides (for an aggregate: summed over its tasks). */
  n: number;
  /** Accuracies on the paired items (for an aggregate: weighted macro means). */
  accA: number;
  accB: number;
  /** accA − accB, and its interval. */
  diff: number;
  ci: { low: number; high: number };
  /** Items only A got right / only B got right. */
  b: number;
  c: number;
  p: number;
  /** Holm-adjusted over the comparison's family. */
  pHolm: number;
  significant: boolean;
}

export interface PairedTaskResult extends PairedFigures {
  task: string;
  test: "mcnemar";
  onlyA: string[];
  onlyB: string[];
}

export interface PairedAggregateResult extends PairedFigures {
  id: string;
  tasks: string[];
  /** "mcnemar" for an aggregate of one task: it is that task's test, with its figures. */
  test: "bootstrap" | "mcnemar";
  /** The pooled (micro) difference and its interval, from the same resamples. */
  micro: Interval;
}

export interface PairedResult {
  tasks: PairedTaskResult[];
  /** One per aggregate input whose every member has paired items; the rest in `unscored`. */
  aggregates: PairedAggregateResult[];
  /** Aggregates left out, with the member tasks that had no paired item. */
  unscored: { id: string; missing: string[] }[];
}

/** The seed of one test: the comparison's seed and the task or aggregate id, in every command. */
export function testSeed(seed: Seed, id: string): string {
  return `${seed}:${id}`;
}

type Unadjusted<T> = Omit<T, "pHolm" | "significant">;

/**
 * Compares A and B on each task and aggregate. An aggregate is computed only when every member
 * task has paired items: an average over fewer tasks is another average.
 */
export function comparePaired(
  tasks: readonly PairedTaskInput[],
  aggregates: readonly PairedAggregateInput[],
  opts: PairedOptions,
): PairedResult {
  const boot = { resamples: opts.resamples, level: opts.level };
  const taskRows = tasks.map((t): Unadjusted<PairedTaskResult> => {
    const cmp = pairedComparison(t.a, t.b, { ...boot, seed: testSeed(opts.seed, t.task) });
    return { task: t.task, test: "mcnemar", n: cmp.n, accA: cmp.accA, accB: cmp.accB, diff: cmp.diff, ci: cmp.ci, b: cmp.b, c: cmp.c, p: cmp.p, onlyA: cmp.onlyA, onlyB: cmp.onlyB };
  });
  const byTask = new Map(taskRows.map((t) => [t.task, t]));
  const aggRows: Unadjusted<PairedAggregateResult>[] = [];
  const unscored: PairedResult["unscored"] = [];
  const aggKeys: string[] = [];
  for (const agg of aggregates) {
    const missing = agg.members.filter((m) => (byTask.get(m.task)?.n ?? 0) === 0).map((m) => m.task);
    if (missing.length > 0 || agg.members.length === 0) {
      unscored.push({ id: agg.id, missing });
      continue;
    }
    aggRows.push(agg.members.length === 1 ? asAggregate(agg.id, byTask.get(agg.members[0].task)!) : compareAggregate(agg, byTask, opts));
    // An aggregate of one task is that task's test; others with the same members and weights
    // (overall and the only language, say) are one test, counted once.
    aggKeys.push(
      agg.members.length === 1
        ? `task:${agg.members[0].task}`
        : `agg:${JSON.stringify([...agg.members].sort((x, y) => x.task.localeCompare(y.task)).map((m) => [m.task, m.weight]))}`,
    );
  }
  // Holm over the distinct hypotheses.
  const family: { key: string; p: number }[] = [];
  for (const t of taskRows) if (t.n > 0) family.push({ key: `task:${t.task}`, p: t.p });
  const seen = new Set(family.map((f) => f.key));
  aggRows.forEach((r, i) => {
    if (seen.has(aggKeys[i])) return;
    seen.add(aggKeys[i]);
    family.push({ key: aggKeys[i], p: r.p });
  });
  const adjusted = holmAdjust(family.map((f) => f.p));
  const holmOf = new Map(family.map((f, i) => [f.key, adjusted[i]]));
  const judge = (key: string) => {
    const pHolm = holmOf.get(key);
    return pHolm === undefined ? { pHolm: 1, significant: false } : { pHolm, significant: pHolm < opts.alpha };
  };
  return {
    tasks: taskRows.map((t) => ({ ...t, ...judge(`task:${t.task}`) })),
    aggregates: aggRows.map((r, i) => ({ ...r, ...judge(aggKeys[i]) })),
    unscored,
  };
}

/** An aggregate of one task: the task's own figures and test. */
function asAggregate(id: string, t: Unadjusted<PairedTaskResult>): Unadjusted<PairedAggregateResult> {
  const pooled = t.n === 0 ? Number.NaN : (t.b - t.c) / t.n;
  return {
    id,
    tasks: [t.task],
    test: "mcnemar",
    n: t.n,
    accA: t.accA,
    accB: t.accB,
    diff: t.diff,
    ci: t.ci,
    b: t.b,
    c: t.c,
    p: t.p,
    micro: { mean: pooled, ...t.ci },
  };
}

function compareAggregate(
  agg: PairedAggregateInput,
  byTask: ReadonlyMap<string, Unadjusted<PairedTaskResult>>,
  opts: PairedOptions,
): Unadjusted<PairedAggregateResult> {
  const parts = agg.members.map((m) => ({ row: byTask.get(m.task)!, weight: m.weight }));
  const strata = parts.map((p) => ({ n: p.row.n, b: p.row.b, c: p.row.c, weight: p.weight }));
  // One set of resamples for the interval and the p-value, so that the two agree.
  const dist = resampleStratifiedPairedDiffs(strata, opts.resamples, testSeed(opts.seed, agg.id))!;
  const totalWeight = parts.reduce((s, p) => s + p.weight, 0);
  const macroOf = (f: (r: Unadjusted<PairedTaskResult>) => number) => parts.reduce((s, p) => s + (p.weight * f(p.row)) / totalWeight, 0);
  return {
    id: agg.id,
    tasks: parts.map((p) => p.row.task),
    test: "bootstrap",
    n: strata.reduce((s, x) => s + x.n, 0),
    accA: macroOf((r) => r.accA),
    accB: macroOf((r) => r.accB),
    diff: dist.macroMean,
    ci: percentileInterval(dist.macro, opts.level),
    b: strata.reduce((s, x) => s + x.b, 0),
    c: strata.reduce((s, x) => s + x.c, 0),
    p: distributionPValue(dist.macro),
    micro: { mean: dist.microMean, ...percentileInterval(dist.micro, opts.level) },
  };
}
