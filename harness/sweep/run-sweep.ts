// Running a sweep's cells: each one an ordinary run (evaluate, as `medeval run` calls it), so
// a cell's run id, record and resume are those of the same `medeval run`. A failed cell does
// not stop the others; the outcome lists them.
import type { PromptStyle } from "../prompts/templates.ts";
import type { SelectMethod } from "../traces/select.ts";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { readRunRecord } from "../record/run-files.ts";
import { evaluate, prepareEvaluation, type EvaluateOptions, type PreparedEvaluation } from "../runner/evaluate.ts";
import { startVllmServer, type VllmServer } from "../serve/serve.ts";
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
    tasks: cell.tasks,
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

/** What a cell would run, and whether its run is already complete (read from its run.json). */
export interface CellStatus {
  runId: string;
  dir: string;
  /** Items per task, as the run would ask them. */
  items: { task: string; n: number }[];
  complete: boolean;
}

/** Plan a cell's run as `evaluate` would (no request, no lock) and read its run.json if there is one. */
export async function cellStatus(plan: SweepPlan, cell: SweepCell, base: SweepBase): Promise<CellStatus & { prepared: PreparedEvaluation }> {
  const prepared = await prepareEvaluation(cellOptions(plan, cell, base));
  prepared.store?.close();
  const dir = join(base.out, prepared.runId);
  const recordFile = join(dir, "run.json");
  const complete = existsSync(recordFile) && readRunRecord(recordFile).complete;
  return { runId: prepared.runId, dir, items: prepared.tasks.map((t) => ({ task: t.meta.id, n: t.items.length })), complete, prepared };
}

export interface CellResult {
  cell: SweepCell;
  /** Complete before this sweep started: not run again. */
  skipped?: CellStatus;
  outcome?: RunOutcome;
  error?: Error;
}

/** The run folder of a cell whose run is complete, or null. */
export function completeDir(r: CellResult): string | null {
  if (r.skipped) return r.skipped.dir;
  return r.outcome?.record.complete ? r.outcome.dir : null;
}

export interface SweepHooks {
  /** Runs one cell (default evaluate). */
  run?: (o: EvaluateOptions) => Promise<RunOutcome>;
  /** Plans one cell and says whether it is complete (default cellStatus). */
  status?: typeof cellStatus;
}

/** Consecutive cells of one model (the plan lists a model's cells together). */
function byModel(cells: SweepCell[]): SweepCell[][] {
  const groups: SweepCell[][] = [];
  for (const c of cells) {
    const last = groups.at(-1);
    if (last && last[0].model.name === c.model.name) last.push(c);
    else groups.push([c]);
  }
  return groups;
}

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

/**
 * Run the cells in order, a model's cells together: complete cells are skipped, a model with
 * `serve:` is started once before its first cell still to run and stopped after its last, and
 * a cell that throws is recorded while the next one starts.
 */
export async function runCells(plan: SweepPlan, cells: SweepCell[], base: SweepBase, hooks: SweepHooks = {}): Promise<CellResult[]> {
  const run = hooks.run ?? evaluate;
  const status = hooks.status ?? cellStatus;
  const results: CellResult[] = [];
  for (const group of byModel(cells)) {
    if (base.signal.aborted) break;
    const pending: { cell: SweepCell; prepared: PreparedEvaluation }[] = [];
    for (const cell of group) {
      try {
        const s = await status(plan, cell, base);
        if (s.complete) results.push({ cell, skipped: s });
        else pending.push({ cell, prepared: s.prepared });
      } catch (e) {
        results.push({ cell, error: asError(e) });
      }
    }
    if (pending.length === 0) continue;
    let server: VllmServer | null = null;
    try {
      server = await startServeOf(pending[0].prepared, base);
    } catch (e) {
      for (const p of pending) results.push({ cell: p.cell, error: asError(e) });
      continue;
    }
    try {
      for (const { cell } of pending) {
        if (base.signal.aborted) break;
        const signal = server ? AbortSignal.any([base.signal, server.died]) : base.signal;
        try {
          results.push({ cell, outcome: await run({ ...cellOptions(plan, cell, base), signal, ...(server ? { servedUrl: server.baseUrl } : {}) }) });
        } catch (e) {
          results.push({ cell, error: asError(e) });
        }
      }
    } finally {
      await server?.stop();
    }
  }
  return results.sort((a, b) => a.cell.index - b.cell.index);
}

/** The model's own server when its models.yaml entry has `serve:` (null otherwise), logged beside the results. */
async function startServeOf(prepared: PreparedEvaluation, base: SweepBase): Promise<VllmServer | null> {
  const { serveConfig, model, apiKey } = prepared;
  if (!serveConfig) return null;
  base.notice?.(`starting ${model.name} (serve: ${serveConfig.model}) for its cells`);
  return startVllmServer({
    model: serveConfig.model,
    servedName: model.servedModel,
    extraArgs: serveConfig.args,
    vllmBin: base.vllmBin,
    apiKey,
    logFile: join(base.out, "sweep-logs", `${model.name.replace(/[^A-Za-z0-9_.-]+/g, "_")}.vllm.log`),
    readyTimeoutMs: serveConfig.ready_timeout_s * 1000,
    env: serveConfig.env,
    signal: base.signal,
  });
}
