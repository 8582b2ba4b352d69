// Running a sweep's cells: each one an ordinary run (evaluate, as `medeval run` calls it), so
// a cell's run id, record and resume are those of the same `medeval run`. A failed cell does
// not stop the others; the outcome lists them.
import type { PromptStyle } from "../prompts/templates.ts";
import type { SelectMethod } from "../traces/select.ts";
import { evaluate, type EvaluateOptions } from "../runner/evaluate.ts";
import type { RunOutcome } from "../runner/run.ts";
import type { SweepCell, SweepPlan } from "./plan.ts";

/** What every cell shares: the options of `medeval run` that the sweep file does not set. */
export type SweepBase = Omit<EvaluateOptions, "model" | "modelsFile" | "overrides" | "tasks" | "setting" | "promptStyle" | "scoring" | "fewshot" | "limit"> & {
  overrides?: EvaluateOptions["overrides"];
  /** Few-shot options the file does not set (format, sampler, store …); k, method and trace language come from each setting. */
  fewshot: NonNullable<EvaluateOptions["fewshot"]>;
  /** The settings `medeval run` uses where the sweep file leaves one out (its flag defaults). */
  defaults: Pick<EvaluateOptions, "promptStyle" | "scoring"> & { shots: number; select: SelectMethod };
};

/** The options of the ordinary run that is this cell. */
export function cellOptions(plan: SweepPlan, cell: SweepCell, base: SweepBase): EvaluateOptions {
  const { defaults, ...shared } = base;
  const s = cell.setting;
  const inline = cell.model.inline;
  return {
    ...shared,
    model: cell.model.name,
    modelsFile: plan.modelsFile,
    overrides: { ...base.overrides, ...(inline ? { modelUrl: inline.baseUrls, servedModel: inline.servedModel } : {}) },
    tasks: cell.tasks.join(","),
    setting: s.setting,
    promptStyle: (s.prompt_style as PromptStyle | undefined) ?? defaults.promptStyle,
    scoring: s.scoring ?? defaults.scoring,
    limit: plan.sweep.limit ?? null,
    fewshot: {
      ...base.fewshot,
      k: s.shots ?? defaults.shots,
      method: (s.select as SelectMethod | undefined) ?? defaults.select,
      traceLang: s.trace_lang ?? base.fewshot.traceLang,
    },
  };
}

export interface CellResult {
  cell: SweepCell;
  outcome?: RunOutcome;
  error?: Error;
}

/** Run the cells in order; a cell that throws is recorded and the next one starts. */
export async function runCells(plan: SweepPlan, cells: SweepCell[], base: SweepBase, run: (o: EvaluateOptions) => Promise<RunOutcome> = evaluate): Promise<CellResult[]> {
  const results: CellResult[] = [];
  for (const cell of cells) {
    if (base.signal.aborted) break;
    try {
      results.push({ cell, outcome: await run(cellOptions(plan, cell, base)) });
    } catch (e) {
      results.push({ cell, error: e instanceof Error ? e : new Error(String(e)) });
    }
  }
  return results;
}
