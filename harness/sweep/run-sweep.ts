// Running a sweep's cells: each one an ordinary run (evaluate, as `medeval run` calls it), so
// a cell's run id, record and resume are those of the same `medeval run`. A failed cell does
// not stop the others; the outcome lists them.
import type { PromptStyle } from "../prompts/templates.ts";
import type { SelectMethod } from "../traces/select.ts";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_MAX_RETRIES } from "../endpoints/defaults.ts";
import { readJournal, sampleKey } from "../record/journal.ts";
import { readRunRecord } from "../record/run-files.ts";
import { evaluate, prepareEvaluation, type EvaluateOptions, type PreparedEvaluation } from "../runner/evaluate.ts";
import { withProgressContext } from "../runner/progress.ts";
import { startVllmServer, type VllmServer } from "../serve/serve.ts";
import type { RunOutcome } from "../runner/run.ts";
import { UserError, type ScoringMode } from "../types.ts";
import { CellLog, cellEnd, cellLabel, cellLogFile, safeName } from "./cell-log.ts";
import type { SweepCell, SweepPlan } from "./plan.ts";
import { cellNeeds, notReadyError, type Download, type Missing } from "./readiness.ts";

/** What every cell shares: the options of `medeval run` that the sweep file does not set. */
export type SweepBase = Omit<EvaluateOptions, "model" | "modelsFile" | "overrides" | "tasks" | "setting" | "promptStyle" | "scoring" | "fewshot" | "limit"> & {
  overrides?: EvaluateOptions["overrides"];
  /** Few-shot options the file does not set (format, sampler, store …); k, method and trace language come from each setting. */
  fewshot: NonNullable<EvaluateOptions["fewshot"]>;
  /** Models served at once (each its own `serve:` process and cells); the file's parallel_models or the flag. */
  parallelModels?: number;
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

/** Requests one item takes (first attempts), per scoring mode. */
export const REQUESTS_PER_ITEM: Record<ScoringMode, number> = { generative: 1, loglikelihood: 1, "first-token": 1 };

/** The requests a cell will send, known before it runs. */
export interface RequestEstimate {
  scoring: ScoringMode;
  perItem: number;
  /** First attempts for the items left (the response cache may answer some of them). */
  requests: number;
  /** With every retry used (1 + max retries attempts per request). */
  atMost: number;
  maxRetries: number;
}

export function estimateRequests(scoring: ScoringMode, itemsLeft: number, maxRetries = DEFAULT_MAX_RETRIES): RequestEstimate {
  const perItem = REQUESTS_PER_ITEM[scoring];
  return { scoring, perItem, requests: itemsLeft * perItem, atMost: itemsLeft * perItem * (1 + maxRetries), maxRetries };
}

/** Items of one task as the cell's run would ask them, and how many of them its journal has not finished. */
export interface TaskItems {
  task: string;
  n: number;
  left: number;
}

/** What a cell would run, and whether its run is already complete (read from its run.json). */
export interface CellStatus {
  /** Null when the cell lacks something (then `missing` says what). */
  runId: string | null;
  dir: string | null;
  /** Items per task; for a cell that lacks something, those of its tasks that can be planned. */
  items: TaskItems[];
  complete: boolean;
  /** What the cell needs before it can run, each with its command (empty when it can run). */
  missing: Missing[];
  /** Data the run downloads first (not in the Hub cache); a plan made offline leaves these tasks out. */
  downloads: Download[];
  /** Why the tasks that are there could not be planned either (a cell lacking something only). */
  planError?: string;
  requests: RequestEstimate;
  /** The run as `evaluate` plans it (absent when something is missing). */
  prepared?: PreparedEvaluation;
}

/** Items not finished in the run's journal (no line, a line for other content, or an error). */
function itemsOf(prepared: PreparedEvaluation, dir: string | null): TaskItems[] {
  const journal = dir ? join(dir, "samples.jsonl") : null;
  const samples = journal && existsSync(journal) ? readJournal(journal).samples : new Map();
  return prepared.tasks.map((t) => ({
    task: t.meta.id,
    n: t.items.length,
    left: t.items.filter((item) => {
      const s = samples.get(sampleKey(t.meta.id, item.id));
      return !s || s.item_hash !== item.hash || s.status === "error";
    }).length,
  }));
}

/**
 * Plan a cell's run as `evaluate` would (no request, no lock) and read its run.json and journal
 * if there are any. A cell lacking a task's data or the trace store is not an error here: its
 * status lists what is missing, with the items of the tasks that are there.
 */
export async function cellStatus(plan: SweepPlan, cell: SweepCell, base: SweepBase): Promise<CellStatus> {
  const options = cellOptions(plan, cell, base);
  const { missing, downloads } = cellNeeds(cell, { tasksDir: base.tasksDir, dataDir: base.dataDir, store: base.fewshot.store });
  const estimate = (items: TaskItems[]) => estimateRequests(options.scoring, items.reduce((n, t) => n + t.left, 0), base.maxRetries);
  // Offline (a dry run), data still to download cannot be read: plan the cell without it.
  const unread = [...missing.flatMap((m) => m.tasks), ...(base.offline ? downloads.map((d) => d.task) : [])];
  if (missing.length > 0 || unread.length > 0) {
    const ready = cell.tasks.filter((t) => !unread.includes(t));
    let items: TaskItems[] = [];
    let planError: string | undefined;
    if (ready.length > 0) {
      try {
        // The items do not depend on the setting: plan the tasks that are there as zero-shot (no store needed).
        const prepared = await prepareEvaluation({ ...options, tasks: ready, setting: "zero-shot" });
        items = itemsOf(prepared, null);
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
        planError = e.message.split("\n")[0];
      }
    }
    return { runId: null, dir: null, items, complete: false, missing, downloads, ...(planError ? { planError } : {}), requests: estimate(items) };
  }
  const prepared = await prepareEvaluation(options);
  prepared.store?.close();
  const dir = join(base.out, prepared.runId);
  const recordFile = join(dir, "run.json");
  const complete = existsSync(recordFile) && readRunRecord(recordFile).complete;
  const items = itemsOf(prepared, dir);
  return { runId: prepared.runId, dir, items, complete, missing, downloads, requests: estimate(items), prepared };
}

export interface CellResult {
  cell: SweepCell;
  /** Complete before this sweep started: not run again. */
  skipped?: CellStatus;
  outcome?: RunOutcome;
  error?: Error;
  /** The cell's log (absent for a cell skipped as complete). */
  log?: string;
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

/** Models served at once when neither the file nor the command says. */
export const DEFAULT_PARALLEL_MODELS = 1;

/**
 * Run the cells, a model's cells together, `base.parallelModels` models at a time (each slot
 * takes the next model when its last one is done): complete cells are skipped, a model with
 * `serve:` is started once before its first cell still to run and stopped after its last
 * (before its slot takes the next model), and a cell that throws is recorded while the next
 * one starts. Each cell that runs writes its log (`cellLogFile`); progress lines and bars
 * carry "cells done/total" and the cell.
 */
export async function runCells(plan: SweepPlan, cells: SweepCell[], base: SweepBase, hooks: SweepHooks = {}): Promise<CellResult[]> {
  const slots = Math.max(1, Math.min(base.parallelModels ?? DEFAULT_PARALLEL_MODELS, cells.length));
  // Two cells' bars on one terminal at once would overwrite each other: plain lines then.
  const cellBase: SweepBase = slots > 1 && base.progress !== "none" ? { ...base, progress: "plain" } : base;
  const queue = byModel(cells);
  const results: CellResult[] = [];
  const finish = (r: CellResult) => {
    results.push(r);
    base.notice?.(`[${results.length}/${cells.length} cells] ${cellLabel(r.cell)}: ${cellEnd(r)}${r.log && !r.skipped ? ` (log: ${r.log})` : ""}`);
  };
  const worker = async () => {
    for (let group = queue.shift(); group && !base.signal.aborted; group = queue.shift()) {
      await runModel(plan, group, cellBase, hooks, finish, () => results.length, cells.length);
    }
  };
  await Promise.all(Array.from({ length: slots }, worker));
  return results.sort((a, b) => a.cell.index - b.cell.index);
}

/** One model's cells: skip the complete ones, serve the model if it has `serve:`, run the rest in order. */
async function runModel(
  plan: SweepPlan,
  group: SweepCell[],
  base: SweepBase,
  hooks: SweepHooks,
  finish: (r: CellResult) => void,
  doneCount: () => number,
  total: number,
): Promise<void> {
  const run = hooks.run ?? evaluate;
  const status = hooks.status ?? cellStatus;
  const pending: { cell: SweepCell; prepared: PreparedEvaluation; log: CellLog }[] = [];
  for (const cell of group) {
    let log: CellLog | undefined;
    try {
      const s = await status(plan, cell, base);
      if (s.complete) {
        finish({ cell, skipped: s });
        continue;
      }
      log = CellLog.open(cellLogFile(plan, base.out, cell), cell, s);
      if (s.missing.length > 0 || !s.prepared) throw notReadyError(s.missing);
      pending.push({ cell, prepared: s.prepared, log });
    } catch (e) {
      log ??= CellLog.open(cellLogFile(plan, base.out, cell), cell, null);
      finish(log.end({ cell, error: asError(e) }));
    }
  }
  if (pending.length === 0) return;
  let server: VllmServer | null = null;
  try {
    server = await startServeOf(pending[0].prepared, base);
  } catch (e) {
    for (const p of pending) finish(p.log.end({ cell: p.cell, error: asError(e) }));
    return;
  }
  try {
    for (const { cell, log } of pending) {
      if (base.signal.aborted) {
        finish(log.end({ cell, error: new UserError("not run: the sweep was interrupted") }));
        continue;
      }
      const signal = server ? AbortSignal.any([base.signal, server.died]) : base.signal;
      if (server) log.line(`server: ${server.baseUrl}, started by the sweep for ${cell.model.name}'s cells (its log: ${server.logFile})`);
      const options: EvaluateOptions = {
        ...cellOptions(plan, cell, base),
        signal,
        notice: (line) => (log.line(line), base.notice?.(`${cellLabel(cell)}: ${line}`)),
        ...(server ? { servedUrl: server.baseUrl } : {}),
      };
      const prefix = `[${doneCount()}/${total} cells done] #${cell.index} ${cell.model.name} × ${cell.settingName}`;
      try {
        finish(log.end({ cell, outcome: await withProgressContext({ prefix, log: (l) => log.line(l) }, () => run(options)) }));
      } catch (e) {
        finish(log.end({ cell, error: asError(e) }));
      }
    }
  } finally {
    await server?.stop();
  }
}

/** The model's own server when its models.yaml entry has `serve:` (null otherwise), logged beside the results. */
async function startServeOf(prepared: PreparedEvaluation, base: SweepBase): Promise<VllmServer | null> {
  const { serveConfig, model, apiKey } = prepared;
  if (!serveConfig) return null;
  const gpus = serveConfig.env.CUDA_VISIBLE_DEVICES;
  base.notice?.(`starting ${model.name} (serve: ${serveConfig.model}${gpus !== undefined ? `, CUDA_VISIBLE_DEVICES=${gpus}` : ""}) for its cells`);
  return startVllmServer({
    model: serveConfig.model,
    servedName: model.servedModel,
    extraArgs: serveConfig.args,
    vllmBin: base.vllmBin,
    apiKey,
    logFile: join(base.out, "sweep-logs", `${safeName(model.name)}.vllm.log`),
    readyTimeoutMs: serveConfig.ready_timeout_s * 1000,
    env: serveConfig.env,
    signal: base.signal,
  });
}

/** The models among the cells that medeval starts itself (`serve:` in models.yaml), in order. */
export function servedModels(cells: SweepCell[]): string[] {
  return [...new Set(cells.filter((c) => c.model.entry?.serve).map((c) => c.model.name))];
}

/**
 * With several models served at once, those whose `serve.env` names no CUDA_VISIBLE_DEVICES, or
 * the same devices as another, would load onto the same GPUs: a sentence saying which, or null.
 */
export function sharedGpuWarning(cells: SweepCell[], parallelModels: number): string | null {
  if (parallelModels < 2) return null;
  const served = servedModels(cells);
  if (served.length < 2) return null;
  const devices = new Map<string, string[]>();
  for (const name of served) {
    const entry = cells.find((c) => c.model.name === name)!.model.entry!;
    const env = (entry.serve as { env?: Record<string, string> }).env ?? {};
    const key = env.CUDA_VISIBLE_DEVICES ?? "(not set)";
    devices.set(key, [...(devices.get(key) ?? []), name]);
  }
  const shared = [...devices].filter(([key, names]) => names.length > 1 || key === "(not set)");
  if (shared.length === 0) return null;
  return `${parallelModels} models are served at once, but ${shared.map(([key, names]) => `${names.join(", ")} ${key === "(not set)" ? "set no" : `share`} CUDA_VISIBLE_DEVICES${key === "(not set)" ? "" : `=${key}`}`).join("; ")} in serve.env: give each its own GPUs`;
}
