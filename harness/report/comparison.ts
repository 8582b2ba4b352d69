// Paired comparison of two systems on the items they share: per task, the difference in
// accuracy with a paired bootstrap interval, the exact McNemar p-value and the discordant
// counts, Holm-adjusted across tasks; per aggregate, stratified paired intervals and the
// McNemar test on the pooled discordant counts. Items on one side only are listed.
import { holmAdjust } from "../stats/holm.ts";
import { mcnemarExact } from "../stats/mcnemar.ts";
import { pairedComparison, stratifiedPairedBootstrap } from "../stats/paired.ts";
import type { Seed } from "../stats/rng.ts";
import { UserError } from "../types.ts";
import { aggregateDefinitions, type AggregateDef } from "./aggregates.ts";
import type { TaskInfo, TaskOutcomes } from "./load.ts";
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
  /** Holm-adjusted across the tasks compared. */
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
  /** McNemar on the pooled discordant counts (tests the pooled, micro, difference). */
  p: number;
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
  const boot = { resamples: opts.resamples, level: opts.level };
  const raw = shared.map((task) => {
    const ta = a.tasks.get(task)!;
    const aligned = alignTask(ta, b.tasks.get(task)!);
    const cmp = pairedComparison(aligned.a, aligned.b, { ...boot, seed: `${opts.seed}:${task}` });
    return { info: ta, cmp, changed: aligned.changed, total: Math.max(ta.planned, b.tasks.get(task)!.planned) };
  });
  const holm = holmAdjust(raw.map((r) => (r.cmp.n === 0 ? Number.NaN : r.cmp.p)));
  const tasks: TaskComparison[] = raw.map(({ info, cmp, changed, total }, i) => ({
    task: info.task,
    family: info.family,
    lang: info.lang,
    domain: info.domain,
    ...(info.group ? { group: info.group } : {}),
    benchmark: benchmarkOf(info),
    n: cmp.n,
    total,
    accA: nullable(cmp.accA),
    accB: nullable(cmp.accB),
    diff: { diff: nullable(cmp.diff), low: nullable(cmp.ci.low), high: nullable(cmp.ci.high) },
    b: cmp.b,
    c: cmp.c,
    p: cmp.p,
    pHolm: Number.isNaN(holm[i]) ? 1 : holm[i],
    significant: !Number.isNaN(holm[i]) && holm[i] < opts.alpha,
    onlyA: cmp.onlyA,
    onlyB: cmp.onlyB,
    changed,
  }));
  const byTask = new Map(tasks.map((t) => [t.task, t]));
  const aggregates = aggregateDefinitions(tasks).map((def) => compareAggregate(def, byTask, { ...boot, seed: opts.seed }));
  const notes = [...a.notes.map((n) => `A: ${n}`), ...b.notes.map((n) => `B: ${n}`)];
  if (mixed) notes.unshift(`mixed scoring: A is ${a.key.scoring}, B is ${b.key.scoring} (--allow-mixed-scoring)`);
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

export function compareAggregate(
  def: AggregateDef,
  tasks: ReadonlyMap<string, Pick<TaskComparison, "n" | "b" | "c">>,
  opts: { resamples: number; level: number; seed: Seed },
): AggregateComparison {
  const members = def.members.filter((m) => tasks.has(m.task));
  const strata = members.map((m) => ({ ...pick(tasks.get(m.task)!), weight: m.weight }));
  const boot = stratifiedPairedBootstrap(strata, { ...opts, seed: `${opts.seed}:${def.id}` });
  const b = strata.reduce((s, x) => s + x.b, 0);
  const c = strata.reduce((s, x) => s + x.c, 0);
  const { members: _m, ...rest } = def;
  const diff = (i: { mean: number; low: number; high: number }): Difference => ({ diff: nullable(i.mean), low: nullable(i.low), high: nullable(i.high) });
  return {
    ...rest,
    tasks: members.map((m) => m.task),
    n: strata.reduce((s, x) => s + x.n, 0),
    b,
    c,
    p: mcnemarExact(b, c),
    macro: diff(boot.macro),
    micro: diff(boot.micro),
  };
}

function pick(t: Pick<TaskComparison, "n" | "b" | "c">): { n: number; b: number; c: number } {
  return { n: t.n, b: t.b, c: t.c };
}
