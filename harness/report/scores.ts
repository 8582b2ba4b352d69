// Accuracy per task and per aggregate for one system, with bootstrap intervals, computed
// from the samples on disk. Errors (requests that failed after retries) are not scored.
import { bootstrapCI } from "../stats/bootstrap.ts";
import type { Seed } from "../stats/rng.ts";
import { stratifiedBootstrap } from "../stats/stratified.ts";
import { aggregateDefinitions, type AggregateDef } from "./aggregates.ts";
import type { TaskInfo, TaskOutcomes } from "./load.ts";
import { benchmarkOf } from "./names.ts";
import type { System } from "./systems.ts";
import { taskInfoOf } from "./load.ts";

export interface StatsOptions {
  /** Defaults to each run's own bootstrap settings, so task intervals match its run.json. */
  resamples?: number;
  seed?: Seed;
  level?: number;
}

export interface Estimate {
  value: number | null;
  low: number | null;
  high: number | null;
}

export interface TaskScore extends TaskInfo {
  benchmark: string;
  run_id: string;
  /** Samples on disk for the task (last line per item). */
  total: number;
  /** Items the run planned for the task: scored falls short of it by the errors and the items never sent. */
  planned: number;
  /** total minus errors. */
  scored: number;
  correct: number;
  errors: number;
  unparsed: number;
  truncated: number;
  context_overflow: number;
  accuracy: Estimate;
}

export interface AggregateScore extends Omit<AggregateDef, "members"> {
  tasks: string[];
  n: number;
  correct: number;
  /** Weighted mean of task accuracies (a group counts as one task per language). */
  macro: Estimate;
  /** All scored items pooled. */
  micro: Estimate;
}

export interface SystemScores {
  system: System;
  tasks: Map<string, TaskScore>;
  aggregates: AggregateScore[];
}

export function toEstimate(i: { mean: number; low: number; high: number }): Estimate {
  const f = (x: number) => (Number.isNaN(x) ? null : x);
  return { value: f(i.mean), low: f(i.low), high: f(i.high) };
}

export function taskScore(t: TaskOutcomes & { run_id: string; bootstrap: { resamples: number; seed: number; level: number } }, opts: StatsOptions): TaskScore {
  const values: number[] = [];
  let errors = 0;
  let unparsed = 0;
  let truncated = 0;
  let overflow = 0;
  for (const item of t.items.values()) {
    if (item.status === "error") {
      errors++;
      continue;
    }
    if (item.status === "unparsed") unparsed++;
    if (item.status === "truncated") truncated++;
    if (item.status === "context_overflow") overflow++;
    values.push(item.correct ? 1 : 0);
  }
  const correct = values.reduce((a, v) => a + v, 0);
  // Same seed convention as the runner's summary: `${seed}:${task}`.
  const ci = bootstrapCI(values, {
    resamples: opts.resamples ?? t.bootstrap.resamples,
    seed: `${opts.seed ?? t.bootstrap.seed}:${t.task}`,
    level: opts.level ?? t.bootstrap.level,
  });
  return {
    ...taskInfoOf(t),
    benchmark: benchmarkOf(t),
    run_id: t.run_id,
    total: t.items.size,
    planned: t.planned,
    scored: values.length,
    correct,
    errors,
    unparsed,
    truncated,
    context_overflow: overflow,
    accuracy: toEstimate(ci),
  };
}

export function aggregateScore(def: AggregateDef, tasks: ReadonlyMap<string, TaskScore>, opts: { resamples: number; seed: Seed; level: number }): AggregateScore {
  const members = def.members.filter((m) => tasks.has(m.task));
  const strata = members.map((m) => ({ n: tasks.get(m.task)!.scored, correct: tasks.get(m.task)!.correct, weight: m.weight }));
  const agg = stratifiedBootstrap(strata, { resamples: opts.resamples, seed: `${opts.seed}:${def.id}`, level: opts.level });
  const { members: _members, ...rest } = def;
  return {
    ...rest,
    tasks: members.map((m) => m.task),
    n: strata.reduce((a, s) => a + s.n, 0),
    correct: strata.reduce((a, s) => a + s.correct, 0),
    macro: toEstimate(agg.macro),
    micro: toEstimate(agg.micro),
  };
}

export function scoreSystem(system: System, opts: StatsOptions = {}): SystemScores {
  const tasks = new Map<string, TaskScore>();
  for (const [id, t] of system.tasks) tasks.set(id, taskScore(t, opts));
  const recorded = system.runs[0].record.bootstrap;
  const aggOpts = { resamples: opts.resamples ?? recorded.resamples, seed: opts.seed ?? recorded.seed, level: opts.level ?? recorded.level };
  const aggregates = aggregateDefinitions([...tasks.values()]).map((def) => aggregateScore(def, tasks, aggOpts));
  return { system, tasks, aggregates };
}
