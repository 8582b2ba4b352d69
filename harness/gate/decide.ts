// The gate's decision, per task and per aggregate, from paired per-item outcomes:
// candidate − baseline through the one paired comparison (stats/paired-compare.ts) that
// compare and table use, Holm-adjusted over its family, then the rule.
import { aggregateDefinitions, type AggregateDef } from "../report/aggregates.ts";
import { DEFAULT_COMPARISON, comparePaired } from "../stats/paired-compare.ts";
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

export const DEFAULT_GATE_OPTIONS: GateOptions = { ...DEFAULT_COMPARISON, maxDrop: 1.0, strict: false, maxErrorRate: 0.05 };

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

/**
 * The aggregates the gate judges: every aggregate of the comparison (report/aggregates.ts, the
 * same as compare and table) over two or more tasks, each distinct set of members once (with
 * one language, "overall" and "lang:en" are one test).
 */
export function gateAggregates(tasks: readonly GateTask[]): AggregateDef[] {
  const seen = new Set<string>();
  return aggregateDefinitions(tasks).filter((def) => {
    const key = def.members.map((m) => `${m.task}\u0000${m.weight}`).sort().join("\n");
    if (def.members.length < 2 || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Candidate (A) against baseline (B) on the judged tasks, through the one paired comparison. */
function compareSides(pairs: readonly TaskPair[], opts: GateOptions): { rows: Unjudged[]; pHolm: number[]; significant: boolean[] } {
  const skipOf = new Map(pairs.map((p) => [p.baseline.task, new Set([...erroredIds(p.baseline), ...erroredIds(p.candidate)])]));
  const inputs = pairs.map((p) => {
    // Errored items are not scored; a pair is compared only when both sides scored it.
    const skip = skipOf.get(p.baseline.task)!;
    return { task: p.baseline.task, a: scoredMap(p.candidate, skip), b: scoredMap(p.baseline, skip) };
  });
  const defs = gateAggregates(pairs.map((p) => p.baseline));
  const result = comparePaired(inputs, defs, opts);
  const excluded = (task: string) => skipOf.get(task)!.size;
  const taskRows = result.tasks.map((t): Unjudged => ({
    kind: "task",
    name: t.task,
    n: t.n,
    excluded: excluded(t.task),
    baseline: t.accB,
    candidate: t.accA,
    diff: t.diff,
    ci: t.ci,
    p: t.p,
    gained: t.b,
    lost: t.c,
  }));
  const aggRows = result.aggregates.map((a): Unjudged => ({
    kind: "aggregate",
    name: a.id,
    members: a.tasks,
    n: a.n,
    excluded: a.tasks.reduce((acc, t) => acc + excluded(t), 0),
    baseline: a.accB,
    candidate: a.accA,
    diff: a.diff,
    ci: a.ci,
    p: a.p,
    gained: a.b,
    lost: a.c,
  }));
  const all = [...result.tasks, ...result.aggregates];
  return { rows: [...taskRows, ...aggRows], pHolm: all.map((r) => r.pHolm), significant: all.map((r) => r.significant) };
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
  const judged: TaskPair[] = [];
  for (const pair of pairs) {
    const tooManyErrors = errorRateProblems(pair, opts.maxErrorRate);
    if (tooManyErrors.length > 0) {
      problems.push(...tooManyErrors);
      continue;
    }
    const skip = new Set([...erroredIds(pair.baseline), ...erroredIds(pair.candidate)]);
    const candidateIds = new Set(pair.candidate.ids);
    if (!pair.baseline.ids.some((id) => !skip.has(id) && candidateIds.has(id))) {
      problems.push(`task ${pair.baseline.task}: no item was scored on both sides (${skip.size} failed requests); nothing to compare`);
      continue;
    }
    judged.push(pair);
  }
  // One family of tests, the comparison's own: every task and aggregate that can fail the gate.
  const compared = compareSides(judged, opts);
  const rows = compared.rows.map((r, i) => judge(r, compared.pHolm[i], opts));
  const regressions = rows.filter((r) => r.verdict === "regression");
  return { options: opts, rows, problems, regressions, passed: regressions.length === 0 && problems.length === 0 };
}
