// `medeval compare`: two systems on the items they share, through the one paired comparison
// (stats/paired-compare.ts) that `table` and `check` use too, over the aggregates of
// report/aggregates.ts. Items on one side only, and items whose content changed, are listed.
import { comparePaired } from "../stats/paired-compare.ts";
import type { Seed } from "../stats/rng.ts";
import { UserError } from "../types.ts";
import { aggregateDefinitions, type AggregateDef } from "./aggregates.ts";
import { taskInfoOf, type TaskInfo, type TaskOutcomes } from "./load.ts";
import { benchmarkOf } from "./names.ts";
import type { System, SystemKey } from "./systems.ts";

export interface CompareOptions {
  resamples: number;
  seed: Seed;
  level: number;
  alpha: number;
  allowMixedScoring?: boolean;
}

export interface Difference {
  diff: number | null;
  low: number | null;
  high: number | null;
}

export interface TaskComparison extends TaskInfo {
  benchmark: string;
  /** Items scored on both sides with the same content. */
  n: number;
  /** Items either side's run planned for the task: n falls short of it by errors, items never sent and unpaired items. */
  total: number;
  accA: number | null;
  accB: number | null;
  diff: Difference;
  /** Only A right / only B right. */
  b: number;
  c: number;
  p: number;
  /** Holm-adjusted across the tasks and aggregates compared. */
  pHolm: number;
  significant: boolean;
  /** Scored in A only (absent or errored in B), and the reverse. */
  onlyA: string[];
  onlyB: string[];
  /** Same id, different item content (item_hash): not paired. */
  changed: string[];
}

export interface AggregateComparison extends Omit<AggregateDef, "members"> {
  tasks: string[];
  n: number;
  b: number;
  c: number;
  /** From the macro Δ's bootstrap resamples, as its interval (see stats/paired-compare.ts). */
  p: number;
  /** Holm-adjusted over the comparison's tasks and aggregates. */
  pHolm: number;
  significant: boolean;
  macro: Difference;
  micro: Difference;
}

export interface SideInfo {
  label: string;
  key: SystemKey;
  runs: { run_id: string; dir: string }[];
}

export interface Comparison {
  a: SideInfo;
  b: SideInfo;
  mixedScoring: boolean;
  resamples: number;
  seed: string;
  level: number;
  alpha: number;
  tasks: TaskComparison[];
  aggregates: AggregateComparison[];
  tasksOnlyInA: string[];
  tasksOnlyInB: string[];
  notes: string[];
}

const nullable = (x: number): number | null => (Number.isNaN(x) ? null : x);

/** Scored items as id → correct, leaving out items whose content differs between the sides. */
export function alignTask(a: TaskOutcomes, b: TaskOutcomes): { a: Map<string, boolean>; b: Map<string, boolean>; changed: string[] } {
  const changed: string[] = [];
  const mapA = new Map<string, boolean>();
  const mapB = new Map<string, boolean>();
  for (const [id, item] of a.items) {
    const other = b.items.get(id);
    if (other && other.item_hash !== item.item_hash) {
      changed.push(id);
      continue;
    }
    if (item.status !== "error") mapA.set(id, item.correct);
  }
  for (const [id, item] of b.items) {
    const other = a.items.get(id);
    if (other && other.item_hash !== item.item_hash) continue;
    if (item.status !== "error") mapB.set(id, item.correct);
  }
  return { a: mapA, b: mapB, changed: changed.sort() };
}

function sideInfo(s: System): SideInfo {
  return { label: s.label, key: s.key, runs: s.runs.map((r) => ({ run_id: r.record.run_id, dir: r.dir })) };
}

export function checkScoring(a: System, b: System, allowMixed: boolean | undefined): boolean {
  if (a.key.scoring === b.key.scoring) return false;
  if (!allowMixed) {
    throw new UserError(
      `${a.label} was scored "${a.key.scoring}" and ${b.label} "${b.key.scoring}": accuracies from different scoring modes ` +
        "are not the same measurement. Compare runs with the same spec.scoring, or pass --allow-mixed-scoring to compare anyway.",
    );
  }
  return true;
}

export function compareSystems(a: System, b: System, opts: CompareOptions): Comparison {
  const mixed = checkScoring(a, b, opts.allowMixedScoring);
  const shared = [...a.tasks.keys()].filter((t) => b.tasks.has(t)).sort();
  if (shared.length === 0) {
    const list = (s: System) => [...s.tasks.keys()].sort().join(", ") || "none";
    throw new UserError(`the two sides have no task in common (A: ${list(a)}; B: ${list(b)}): there is nothing to compare item by item`);
  }
  const infos = shared.map((task) => a.tasks.get(task)!);
  const aligned = new Map(shared.map((task) => [task, alignTask(a.tasks.get(task)!, b.tasks.get(task)!)]));
  const defs = aggregateDefinitions(infos);
  const result = comparePaired(
    shared.map((task) => ({ task, a: aligned.get(task)!.a, b: aligned.get(task)!.b })),
    defs,
    opts,
  );
  const tasks: TaskComparison[] = result.tasks.map((cmp, i) => {
    const info = infos[i];
    return {
      ...taskInfoOf(info),
      benchmark: benchmarkOf(info),
      n: cmp.n,
      total: Math.max(info.planned, b.tasks.get(info.task)!.planned),
      accA: nullable(cmp.accA),
      accB: nullable(cmp.accB),
      diff: { diff: nullable(cmp.diff), low: nullable(cmp.ci.low), high: nullable(cmp.ci.high) },
      b: cmp.b,
      c: cmp.c,
      p: cmp.p,
      pHolm: cmp.pHolm,
      significant: cmp.significant,
      onlyA: cmp.onlyA,
      onlyB: cmp.onlyB,
      changed: aligned.get(info.task)!.changed,
    };
  });
  const byId = new Map(defs.map((d) => [d.id, d]));
  const aggregates: AggregateComparison[] = result.aggregates.map((r) => {
    const { members: _m, ...def } = byId.get(r.id)!;
    return {
      ...def,
      tasks: r.tasks,
      n: r.n,
      b: r.b,
      c: r.c,
      p: r.p,
      pHolm: r.pHolm,
      significant: r.significant,
      macro: { diff: nullable(r.diff), low: nullable(r.ci.low), high: nullable(r.ci.high) },
      micro: { diff: nullable(r.micro.mean), low: nullable(r.micro.low), high: nullable(r.micro.high) },
    };
  });
  const notes = [...a.notes.map((n) => `A: ${n}`), ...b.notes.map((n) => `B: ${n}`)];
  if (mixed) notes.unshift(`mixed scoring: A is ${a.key.scoring}, B is ${b.key.scoring} (--allow-mixed-scoring)`);
  for (const u of result.unscored) notes.push(`${byId.get(u.id)!.label}: not compared, no item scored on both sides in ${u.missing.join(", ")}`);
  return {
    a: sideInfo(a),
    b: sideInfo(b),
    mixedScoring: mixed,
    resamples: opts.resamples,
    seed: String(opts.seed),
    level: opts.level,
    alpha: opts.alpha,
    tasks,
    aggregates,
    tasksOnlyInA: [...a.tasks.keys()].filter((t) => !b.tasks.has(t)).sort(),
    tasksOnlyInB: [...b.tasks.keys()].filter((t) => !a.tasks.has(t)).sort(),
    notes,
  };
}
