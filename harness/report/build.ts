// From results folders to scored systems and a table model: what `table` and `report` share.
import { DEFAULT_COMPARISON } from "../stats/paired-compare.ts";
import { UserError } from "../types.ts";
import { loadResults } from "./load.ts";
import { scoreSystem, type SystemScores } from "./scores.ts";
import { groupSystems } from "./systems.ts";
import { buildTable, type SubjectColumns, type TableModel } from "./table-model.ts";

export interface BuildOptions {
  resamples?: number;
  seed?: string;
  level: number;
  alpha: number;
  baseline?: string;
  subjects: SubjectColumns;
  allowMixedScoring?: boolean;
}

export function loadScores(paths: readonly string[], opts: Pick<BuildOptions, "resamples" | "seed" | "level">): SystemScores[] {
  const runs = loadResults(paths);
  if (runs.length === 0) throw new UserError(`no runs found under ${paths.join(", ")}`);
  return groupSystems(runs).map((s) => scoreSystem(s, opts));
}

export function tableFor(scores: readonly SystemScores[], opts: BuildOptions, subjects: SubjectColumns = opts.subjects): TableModel {
  return buildTable(scores, {
    subjects,
    ...(opts.baseline ? { baseline: opts.baseline } : {}),
    alpha: opts.alpha,
    // Δ intervals need a seed and a count even when the task intervals use the runs' own.
    resamples: opts.resamples ?? DEFAULT_COMPARISON.resamples,
    seed: opts.seed ?? DEFAULT_COMPARISON.seed,
    level: opts.level,
    ...(opts.allowMixedScoring ? { allowMixedScoring: true } : {}),
  });
}
