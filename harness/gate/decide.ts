// The gate's decision, per task and per aggregate, from paired per-item outcomes:
// candidate − baseline with a paired bootstrap CI and an exact McNemar p-value (harness/stats),
// Holm-adjusted across everything the gate tests, then the rule.
import { distributionPValue } from "../stats/bootstrap-p.ts";
import { holmAdjust } from "../stats/holm.ts";
import { pairedComparison, resampleStratifiedPairedDiffs, type PairedCounts } from "../stats/paired.ts";
import { percentileInterval } from "../stats/quantile.ts";
import type { TaskPair } from "./comparable.ts";
import { points as pts } from "./report.ts";
import type { GateTask } from "./side.ts";
import { printedCommand } from "../invocation.ts";

export interface GateOptions {
  /** Tolerated drop in accuracy points (1.0 = one percentage point). */
  maxDrop: number;
  alpha: number;
  /** Fail whenever the CI's lower bound is below −maxDrop (not proven safe). */
  strict: boolean;
  resamples: number;
  seed: number;
  level: number;
  /**
   * Largest share of a task's items whose request failed (status "error") on either side for
   * the task to be judged: above it the accuracy rests on the items that happened to succeed
   * (a server that broke mid-run), and the gate says so (exit 2) instead of passing.
   */
  maxErrorRate: number;
}

export const DEFAULT_GATE_OPTIONS: GateOptions = { maxDrop: 1.0, alpha: 0.05, strict: false, resamples: 10_000, seed: 0, level: 0.95, maxErrorRate: 0.05 };

export type Verdict = "regression" | "pass" | "improved";

export interface GateRow {
  kind: "task" | "aggregate";
  /** Task id, or the aggregate's name ("macro", "mmlu_medical.en"). */
  name: string;
  /** For an aggregate: the tasks it averages. */
  members?: string[];
  /** Items scored on both sides (for an aggregate: summed over its tasks). */
  n: number;
  /** Items left out because the request failed on either side. */
  excluded: number;
  baseline: number;
  candidate: number;
  /** candidate − baseline, as a proportion. */
  diff: number;
  ci: { low: number; high: number };
  p: number;
  pHolm: number;
  /** Items only the candidate got right / only the baseline got right. */
  gained: number;
  lost: number;
  verdict: Verdict;
  /** Why, in words, for every output. */
  reason: string;
}

export interface GateDecision {
  options: GateOptions;
  rows: GateRow[];
  /** Tasks with no item scored on both sides: they cannot be judged (exit 2). */
  problems: string[];
  regressions: GateRow[];
  passed: boolean;
}

function scoredMap(task: GateTask, skip: ReadonlySet<string>): Map<string, boolean> {
  const map = new Map<string, boolean>();
  task.ids.forEach((id, i) => {
    if (!skip.has(id)) map.set(id, task.correct[i]);
  });
  return map;
}

function erroredIds(task: GateTask): Set<string> {
  return new Set(task.ids.filter((_, i) => task.errored[i]));
}

type Unjudged = Omit<GateRow, "pHolm" | "verdict" | "reason">;

function compareTask(pair: TaskPair, opts: GateOptions): { row: Unjudged; counts: PairedCounts } {
  // Errored items are not scored; a pair is compared only when both sides scored it.
  const skip = new Set([...erroredIds(pair.baseline), ...erroredIds(pair.candidate)]);
  const cmp = pairedComparison(scoredMap(pair.candidate, skip), scoredMap(pair.baseline, skip), {
    resamples: opts.resamples,
    seed: `gate:${opts.seed}:${pair.baseline.task}`,
    level: opts.level,
  });
  return {
    row: {
      kind: "task",
      name: pair.baseline.task,
      n: cmp.n,
      excluded: skip.size,
      baseline: cmp.accB,
      candidate: cmp.accA,
      diff: cmp.diff,
      ci: cmp.ci,
      p: cmp.p,
      gained: cmp.b,
      lost: cmp.c,
    },
    counts: { n: cmp.n, b: cmp.b, c: cmp.c },
  };
}

/** The aggregates the gate tests: the macro average over all tasks and each group per language. */
export function aggregateMembers(tasks: readonly GateTask[]): { name: string; members: string[] }[] {
  const aggregates: { name: string; members: string[] }[] = [];
  if (tasks.length > 1) aggregates.push({ name: "macro", members: tasks.map((t) => t.task) });
  const groups = new Map<string, string[]>();
  for (const t of tasks) {
    if (!t.group) continue;
    const key = `${t.group}.${t.lang}`;
    groups.set(key, [...(groups.get(key) ?? []), t.task]);
  }
  for (const [name, members] of groups) if (members.length > 1) aggregates.push({ name, members });
  return aggregates;
}

function compareAggregate(
  name: string,
  members: string[],
  taskRows: Map<string, { row: Unjudged; counts: PairedCounts }>,
  opts: GateOptions,
): Unjudged {
  const parts = members.map((m) => taskRows.get(m)!).filter((r) => r.row.n > 0);
  const strata = parts.map((p) => p.counts);
  const seed = `gate:${opts.seed}:${name}`;
  // One set of resamples for both the interval and the p-value, so that they agree.
  const dist = resampleStratifiedPairedDiffs(strata, opts.resamples, seed);
  const macro = dist ? { mean: dist.macroMean, ...percentileInterval(dist.macro, opts.level) } : { mean: Number.NaN, low: Number.NaN, high: Number.NaN };
  const mean = (f: (r: Unjudged) => number): number => parts.reduce((acc, p) => acc + f(p.row), 0) / parts.length;
  return {
    kind: "aggregate",
    name,
    members,
    n: parts.reduce((acc, p) => acc + p.row.n, 0),
    excluded: parts.reduce((acc, p) => acc + p.row.excluded, 0),
    baseline: mean((r) => r.baseline),
    candidate: mean((r) => r.candidate),
    diff: macro.mean,
    ci: { low: macro.low, high: macro.high },
    // A macro difference has no exact test (McNemar on the pooled items would test the
    // micro difference, and could call a drop significant that the macro CI does not);
    // the p-value comes from the same seeded bootstrap as the CI, so the two agree.
    p: dist ? distributionPValue(dist.macro) : 1,
    gained: parts.reduce((acc, p) => acc + p.counts.b, 0),
    lost: parts.reduce((acc, p) => acc + p.counts.c, 0),
  };
}

function judge(row: Unjudged, pHolm: number, opts: GateOptions): GateRow {
  const tol = opts.maxDrop / 100;
  const significant = pHolm < opts.alpha;
  const ciText = `${pts(row.diff)} pts, ${Math.round(opts.level * 100)}% CI [${pts(row.ci.low)}, ${pts(row.ci.high)}]`;
  let verdict: Verdict;
  let reason: string;
  if (opts.strict) {
    if (row.ci.low < -tol) {
      verdict = "regression";
      reason = `${ciText}: the CI's lower bound is below −${opts.maxDrop} pts, so a drop beyond the tolerance is not ruled out (--strict)`;
    } else {
      verdict = significant && row.diff > 0 ? "improved" : "pass";
      reason = `${ciText}: the CI's lower bound is within −${opts.maxDrop} pts`;
    }
  } else if (significant && row.diff < -tol) {
    verdict = "regression";
    reason = `${ciText}: the drop is significant (${pText("Holm p", pHolm)}, alpha ${opts.alpha}) and larger than ${opts.maxDrop} pts`;
  } else if (significant && row.diff > 0) {
    verdict = "improved";
    reason = `${ciText}: a significant improvement (${pText("Holm p", pHolm)})`;
  } else if (row.diff < -tol) {
    verdict = "pass";
    reason = `${ciText}: a drop beyond ${opts.maxDrop} pts, but not significant (${pText("Holm p", pHolm)}, alpha ${opts.alpha})`;
  } else {
    verdict = "pass";
    reason = `${ciText}: within the tolerance of ${opts.maxDrop} pts`;
  }
  return { ...row, pHolm, verdict, reason };
}

/** "p = 0.0123" or "p < 0.0001". */
function pText(label: string, p: number): string {
  return p < 0.0001 ? `${label} < 0.0001` : `${label} = ${p.toFixed(4)}`;
}

export function formatP(p: number): string {
  if (Number.isNaN(p)) return "–";
  if (p < 0.0001) return "<0.0001";
  return p.toFixed(4);
}

function errorRateProblems(pair: TaskPair, maxErrorRate: number): string[] {
  const out: string[] = [];
  for (const [side, task] of [["baseline", pair.baseline], ["candidate", pair.candidate]] as const) {
    const total = task.ids.length;
    const failed = task.errored.filter(Boolean).length;
    if (total === 0 || failed / total <= maxErrorRate) continue;
    out.push(
      `task ${task.task}: ${failed} of the ${side}'s ${total} requests failed (${(100 * failed / total).toFixed(1)}%, above --max-error-rate ${maxErrorRate}); ` +
        `its accuracy would rest on the items that happened to succeed. Resume that run to retry them (${printedCommand(["run", "--resume", "RUN_ID"])}), or raise --max-error-rate.`,
    );
  }
  return out;
}

export function decideGate(pairs: readonly TaskPair[], opts: GateOptions): GateDecision {
  const problems: string[] = [];
  const taskRows = new Map<string, { row: Unjudged; counts: PairedCounts }>();
  for (const pair of pairs) {
    const tooManyErrors = errorRateProblems(pair, opts.maxErrorRate);
    if (tooManyErrors.length > 0) {
      problems.push(...tooManyErrors);
      continue;
    }
    const compared = compareTask(pair, opts);
    if (compared.row.n === 0) {
      problems.push(`task ${pair.baseline.task}: no item was scored on both sides (${compared.row.excluded} failed requests); nothing to compare`);
      continue;
    }
    taskRows.set(pair.baseline.task, compared);
  }
  const judgedTasks = pairs.map((p) => p.baseline).filter((t) => taskRows.has(t.task));
  const unjudged: Unjudged[] = [
    ...[...taskRows.values()].map((r) => r.row),
    ...aggregateMembers(judgedTasks).map((a) => compareAggregate(a.name, a.members, taskRows, opts)),
  ];
  // One family of tests: every task and aggregate that can fail the gate.
  const adjusted = holmAdjust(unjudged.map((r) => r.p));
  const rows = unjudged.map((r, i) => judge(r, adjusted[i], opts));
  const regressions = rows.filter((r) => r.verdict === "regression");
  return { options: opts, rows, problems, regressions, passed: regressions.length === 0 && problems.length === 0 };
}
