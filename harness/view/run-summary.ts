// What the runs list shows of a run: its system, when, which checkpoint, whether complete,
// and per task the accuracy with its interval and n, computed by the same taskScore as
// `table` (so the figures agree with every table of the same folder).
import { servedCheckpoint } from "../record/checkpoint.ts";
import { fewshotLabel, paramsLabel, type SystemKey } from "../report/systems.ts";
import { taskScore, type Estimate } from "../report/scores.ts";
import type { ViewRun } from "./run-index.ts";

export interface TaskRow {
  task: string;
  lang: string;
  /** Samples on disk (last line per item). */
  total: number;
  /** Items the run was asked for, when run.json lists the task (null while a run is unfinished). */
  planned: number | null;
  scored: number;
  correct: number;
  errors: number;
  accuracy: Estimate;
}

/** A run's system as a table row names it (report/systems.ts), with what the runs list adds. */
export interface RunSummary extends SystemKey {
  key: string;
  run_id: string;
  started_at: string;
  finished_at: string | null;
  checkpoint: string | null;
  /** The checkpoint was given with the batch import, not read from a live server's /v1/models. */
  checkpoint_given: boolean;
  complete: boolean;
  samples: number;
  torn_final_line: boolean;
  tasks: TaskRow[];
}

const summaries = new WeakMap<ViewRun, RunSummary>();

export function summarizeRun(view: ViewRun): RunSummary {
  const cached = summaries.get(view);
  if (cached) return cached;
  const { record } = view.run;
  const planned = new Map(record.tasks.map((t) => [t.task, t.n]));
  const tasks: TaskRow[] = [...view.run.tasks.values()].map((t) => {
    const s = taskScore({ ...t, run_id: record.run_id, bootstrap: record.bootstrap }, {});
    return { task: t.task, lang: t.lang, total: s.total, planned: planned.get(t.task) ?? null, scored: s.scored, correct: s.correct, errors: s.errors, accuracy: s.accuracy };
  });
  const checkpoint = servedCheckpoint(record.server.models, record.spec.served_model);
  const summary: RunSummary = {
    key: view.key,
    run_id: record.run_id,
    model: record.spec.model,
    setting: record.spec.setting,
    scoring: record.spec.scoring,
    prompt_style: record.spec.prompt_style,
    fewshot: fewshotLabel(record.spec.fewshot),
    params: paramsLabel(record.spec.params),
    started_at: record.timing.started_at,
    finished_at: record.timing.finished_at,
    checkpoint: checkpoint?.root ?? null,
    checkpoint_given: record.server.queried_live === false,
    complete: record.complete,
    samples: view.run.lines - view.run.superseded,
    torn_final_line: view.run.tornFinalLine,
    tasks,
  };
  summaries.set(view, summary);
  return summary;
}
