// medeval sweep FILE: every (model, setting) cell of a sweep file, each an ordinary run.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { CommandModule } from "yargs";
import { dataDir } from "../env.ts";
import { printedCommand } from "../invocation.ts";
import { parseShard } from "../cluster/shard.ts";
import { DEFAULT_FEWSHOT_FORMAT, DEFAULT_PROMPT_STYLE, DEFAULT_SCORING, DEFAULT_SEED, DEFAULT_SELECT, DEFAULT_SHOTS } from "../runner/run-defaults.ts";
import { DEFAULT_RESAMPLES } from "../stats/bootstrap.ts";
import { cellLabel } from "../sweep/cell-log.ts";
import { planSweep, shardCells, type SweepCell, type SweepPlan } from "../sweep/plan.ts";
import { missingLines } from "../sweep/readiness.ts";
import { cellStatus, completeDir, DEFAULT_PARALLEL_MODELS, runCells, servedModels, sharedGpuWarning, type CellResult, type CellStatus, type SweepBase } from "../sweep/run-sweep.ts";
import { writeSweepReport } from "../sweep/sweep-report.ts";
import { UserError } from "../types.ts";

interface SweepArgs {
  file: string;
  out: string;
  "dry-run": boolean;
  shard?: string;
  cells?: string;
  "tasks-dir"?: string;
  "data-dir"?: string;
  "vllm-bin"?: string;
  "parallel-models"?: number;
}

function pickCells(all: SweepCell[], text: string | undefined): SweepCell[] {
  if (!text) return all;
  const wanted = text.split(",").map((s) => Number(s.trim()));
  for (const n of wanted) {
    if (!Number.isInteger(n) || !all.some((c) => c.index === n)) throw new UserError(`--cells ${text}: "${n}" is not a cell number of this sweep (0 … ${all.length - 1}; see --dry-run)`);
  }
  return all.filter((c) => wanted.includes(c.index));
}

const command: CommandModule<object, SweepArgs> = {
  command: "sweep <file>",
  describe: "Run every models × settings cell of a sweep file, each an ordinary run",
  builder: (y) =>
    y
      .positional("file", { type: "string", demandOption: true, describe: "sweep file (YAML)" })
      .option("out", { type: "string", default: "results", describe: "results folder; each cell's run goes to <out>/<run-id>/" })
      .option("dry-run", { type: "boolean", default: false, describe: "print the cells and the models to start; run nothing" })
      .option("shard", { type: "string", describe: "i/n: run only every n-th cell from i (counted from 0), for array jobs" })
      .option("cells", { type: "string", describe: "comma list of cell numbers to run (as --dry-run numbers them)" })
      .option("tasks-dir", { type: "string" })
      .option("data-dir", { type: "string" })
      .option("vllm-bin", { type: "string", describe: "vllm executable for models with serve: (default: vllm on PATH)" })
      .option("parallel-models", { type: "number", describe: `models served at once, each with its own serve: env such as CUDA_VISIBLE_DEVICES (default: the file's parallel_models, else ${DEFAULT_PARALLEL_MODELS})` })
      .example("$0 sweep sweeps/paper.yaml --dry-run --data-dir ../shared/datasets", "")
      .example("$0 sweep sweeps/paper.yaml --parallel-models 2", "two served models at a time, one per GPU"),
  handler: async (argv) => {
    const plan = planSweep(argv.file, { tasksDir: argv["tasks-dir"], dataDir: dataDir(argv["data-dir"]) });
    const cells = pickCells(shardCells(plan.cells, parseShard(argv.shard, process.env)), argv.cells);
    const controller = new AbortController();
    const base = sweepBase(argv, controller.signal, parallelModels(argv["parallel-models"], plan));
    const gpus = sharedGpuWarning(cells, base.parallelModels ?? DEFAULT_PARALLEL_MODELS);
    if (argv["dry-run"]) {
      // A plan reads local data and the Hub cache only: it downloads nothing.
      await printPlan(plan, cells, { ...base, offline: true });
      if (gpus) process.stdout.write(`warning: ${gpus}\n`);
      return;
    }
    if (gpus) base.notice?.(`warning: ${gpus}`);
    const onSignal = () => controller.abort();
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    let results: CellResult[];
    try {
      results = await runCells(plan, cells, base);
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
    const failed = results.filter((r) => !completeDir(r));
    const logs = results.filter((r) => r.log && !r.skipped);
    if (logs.length > 0) process.stderr.write(`medeval: cell logs:\n${logs.map((r) => `  #${r.cell.index}: ${r.log}`).join("\n")}\n`);
    const notReached = cells.filter((c) => !results.some((r) => r.cell.index === c.index));
    const done = results.map(completeDir).filter((d): d is string => d !== null);
    if (done.length > 0) {
      for (const file of writeSweepReport(plan, done, base.out)) process.stderr.write(`medeval: wrote ${file}${done.length < plan.cells.length ? ` (${done.length} of ${plan.cells.length} cells)` : ""}\n`);
    }
    if (controller.signal.aborted) process.exitCode = 130;
    else if (failed.length > 0 || notReached.length > 0) {
      const retryCells = [...failed.map((r) => r.cell.index), ...notReached.map((c) => c.index)].sort((x, y) => x - y);
      const retry = printedCommand(["sweep", argv.file, "--out", argv.out, "--cells", retryCells.join(",")]);
      for (const r of failed) process.stderr.write(`medeval: failed ${cellLabel(r.cell)}: ${r.error ? r.error.message.split("\n")[0] : "not complete"}\n`);
      process.stderr.write(`medeval: ${retryCells.length} of ${cells.length} cells failed or are not complete; retry them with:\n  ${retry}\n`);
      process.exitCode = 1;
    }
  },
};

/** --parallel-models, else the file's parallel_models, else one model at a time. */
function parallelModels(flag: number | undefined, plan: SweepPlan): number {
  if (flag !== undefined && !(Number.isInteger(flag) && flag > 0)) throw new UserError(`--parallel-models must be a whole number > 0, got ${flag}`);
  return flag ?? plan.sweep.parallel_models ?? DEFAULT_PARALLEL_MODELS;
}

/** What every cell shares: `medeval run`'s defaults, and this command's folders. */
function sweepBase(argv: SweepArgs, signal: AbortSignal, parallel: number): SweepBase {
  return {
    parallelModels: parallel,
    seed: DEFAULT_SEED,
    out: resolve(argv.out),
    cache: true,
    bootstrap: DEFAULT_RESAMPLES,
    progress: "auto",
    signal,
    dataDir: dataDir(argv["data-dir"]),
    tasksDir: argv["tasks-dir"],
    vllmBin: argv["vllm-bin"],
    notice: (line) => process.stderr.write(`medeval: ${line}\n`),
    fewshot: { k: DEFAULT_SHOTS, method: DEFAULT_SELECT, traceLang: null, format: DEFAULT_FEWSHOT_FORMAT },
    defaults: { promptStyle: DEFAULT_PROMPT_STYLE, scoring: DEFAULT_SCORING, shots: DEFAULT_SHOTS, select: DEFAULT_SELECT },
  };
}

/** Tasks listed one by one with their items up to this many; beyond, only the count. */
const LISTED_TASKS = 8;

function describeItems(s: CellStatus): string {
  const n = s.items.reduce((sum, t) => sum + t.n, 0);
  return s.items.length > LISTED_TASKS ? `${n} items` : `${n} items (${s.items.map((t) => `${t.task} ${t.n}`).join(", ")})`;
}

/** The downloads of a cell, one entry per Hub file's repository and revision. */
function describeDownloads(s: CellStatus): string {
  const byRepo = new Map<string, string[]>();
  for (const d of s.downloads) {
    const repo = d.source.slice(0, d.source.indexOf(":"));
    byRepo.set(repo, [...(byRepo.get(repo) ?? []), d.task]);
  }
  return [...byRepo].map(([repo, tasks]) => `${repo} (${tasks.length > 2 ? `${tasks.length} tasks` : tasks.join(", ")})`).join(", ");
}

function describeRequests(s: CellStatus): string {
  const r = s.requests;
  const lists = r.scoring === "loglikelihood" ? "; one per option where the server refuses prompt lists" : "";
  return `${r.requests} requests (${r.perItem} per item, ${r.scoring}${lists}; at most ${r.atMost} with ${r.maxRetries} retries each)`;
}

function describeDone(s: CellStatus): string {
  const n = s.items.reduce((sum, t) => sum + t.n, 0);
  const left = s.items.reduce((sum, t) => sum + t.left, 0);
  if (s.complete) return "complete";
  if (existsSync(join(s.dir!, "run.json"))) return `partial: ${n - left} of ${n} items done, ${left} left, resumes`;
  return "not started";
}

/** --dry-run: each cell with its items, requests, what is done and what it lacks, and the models medeval starts. */
async function printPlan(plan: SweepPlan, cells: SweepCell[], base: SweepBase): Promise<void> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`${plan.file}: ${cells.length} of ${plan.cells.length} cells, each over ${plan.cells[0].tasks.length} tasks: ${plan.cells[0].tasks.join(",")}`);
  let items = 0;
  let left = 0;
  let requests = 0;
  let atMost = 0;
  let complete = 0;
  let blocked = 0;
  let downloading = 0;
  for (const c of cells) {
    try {
      const s = await cellStatus(plan, c, base);
      const n = s.items.reduce((sum, t) => sum + t.n, 0);
      if (!s.runId) {
        if (s.missing.length > 0) blocked++;
        else downloading++;
        const there = s.items.length > 0 ? `${describeItems(s)} in the ${s.items.length} tasks that are here` : s.planError ? `the tasks that are here cannot be planned either: ${s.planError}` : "none of its tasks is here";
        out(`  ${cellLabel(c)}: ${s.missing.length > 0 ? "cannot run yet" : "planned in part"}: ${there}${s.missing.length > 0 ? "; it needs:" : ""}`);
        for (const line of missingLines(s.missing)) out(line);
        if (s.downloads.length > 0) out(`    data downloaded when the cell runs (its items and run id are known then): ${describeDownloads(s)}`);
        continue;
      }
      items += n;
      left += s.items.reduce((sum, t) => sum + t.left, 0);
      requests += s.requests.requests;
      atMost += s.requests.atMost;
      if (s.complete) complete++;
      out(`  ${cellLabel(c)}: ${describeItems(s)}; ${describeDone(s)} → ${s.runId}`);
      if (!s.complete) out(`    ${describeRequests(s)}`);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      out(`  ${cellLabel(c)}: cannot be planned: ${e.message.split("\n")[0]}`);
      // The run would be refused the same way: bad input, not a plan.
      process.exitCode = 2;
    }
  }
  const planned = cells.length - blocked - downloading;
  out(`${items} items in the ${planned} cells planned, ${left} left → ${requests} requests (at most ${atMost} with retries); ${complete} of ${cells.length} cells already complete`);
  if (downloading > 0) out(`${downloading} of ${cells.length} cells read data from the Hub that is not downloaded yet: they are planned once the run has it`);
  if (blocked > 0) out(`${blocked} of ${cells.length} cells cannot run yet (what each needs is listed under it); a run runs the others and refuses these with the same list`);
  const served = servedModels(cells);
  const slots = base.parallelModels ?? DEFAULT_PARALLEL_MODELS;
  out(`models medeval starts (serve:): ${served.join(", ") || "none"}${served.length > 1 ? (slots > 1 ? `; ${slots} at a time` : "; one at a time") : ""}`);
}

export default command;
