// medeval sweep FILE: every (model, setting) cell of a sweep file, each an ordinary run.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { CommandModule } from "yargs";
import { dataDir } from "../env.ts";
import { printedCommand } from "../invocation.ts";
import { parseShard } from "../cluster/shard.ts";
import { DEFAULT_FEWSHOT_FORMAT, DEFAULT_PROMPT_STYLE, DEFAULT_SCORING, DEFAULT_SEED, DEFAULT_SELECT, DEFAULT_SHOTS } from "../runner/run-defaults.ts";
import { DEFAULT_RESAMPLES } from "../stats/bootstrap.ts";
import { planSweep, shardCells, type SweepCell, type SweepPlan } from "../sweep/plan.ts";
import { cellStatus, completeDir, runCells, type CellResult, type SweepBase } from "../sweep/run-sweep.ts";
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
}

function cellLabel(c: SweepCell): string {
  return `#${c.index} ${c.model.name} × ${c.settingName} (${c.setting.setting}) × ${c.tasks.length} tasks`;
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
      .example("$0 sweep examples/sweep-paper.yaml --dry-run", ""),
  handler: async (argv) => {
    const plan = planSweep(argv.file, { tasksDir: argv["tasks-dir"] });
    const cells = pickCells(shardCells(plan.cells, parseShard(argv.shard, process.env)), argv.cells);
    const controller = new AbortController();
    const base = sweepBase(argv, controller.signal);
    if (argv["dry-run"]) {
      // A plan reads local data and the Hub cache only: it downloads nothing.
      await printPlan(plan, cells, { ...base, offline: true });
      return;
    }
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
    for (const r of results) process.stderr.write(`medeval: ${cellLabel(r.cell)}: ${cellEnd(r)}\n`);
    const done = results.map(completeDir).filter((d): d is string => d !== null);
    if (done.length > 0) {
      for (const file of writeSweepReport(plan, done, base.out)) process.stderr.write(`medeval: wrote ${file}${done.length < plan.cells.length ? ` (${done.length} of ${plan.cells.length} cells)` : ""}\n`);
    }
    if (controller.signal.aborted) process.exitCode = 130;
    else if (failed.length > 0 || results.length < cells.length) {
      const retry = printedCommand(["sweep", argv.file, "--out", argv.out, "--cells", failed.map((r) => r.cell.index).join(",")]);
      process.stderr.write(`medeval: ${failed.length} of ${cells.length} cells failed or are not complete; retry them with:\n  ${retry}\n`);
      process.exitCode = 1;
    }
  },
};

function cellEnd(r: CellResult): string {
  if (r.error) return `failed: ${r.error.message.split("\n")[0]}`;
  if (r.skipped) return `already complete (${r.skipped.dir})`;
  return r.outcome?.record.complete ? `done (${r.outcome.dir})` : "not complete";
}

/** What every cell shares: `medeval run`'s defaults, and this command's folders. */
function sweepBase(argv: SweepArgs, signal: AbortSignal): SweepBase {
  return {
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

/** --dry-run: each cell with its items and whether its run is already complete, and the models medeval starts. */
async function printPlan(plan: SweepPlan, cells: SweepCell[], base: SweepBase): Promise<void> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`${plan.file}: ${cells.length} of ${plan.cells.length} cells, each over ${plan.cells[0].tasks.length} tasks: ${plan.cells[0].tasks.join(",")}`);
  let total = 0;
  let complete = 0;
  for (const c of cells) {
    try {
      const s = await cellStatus(plan, c, base);
      const n = s.items.reduce((sum, t) => sum + t.n, 0);
      total += n;
      if (s.complete) complete++;
      out(`  ${cellLabel(c)}: ${n} items (${s.items.map((t) => `${t.task} ${t.n}`).join(", ")}); ${s.complete ? "complete" : existsSync(join(s.dir, "run.json")) ? "partial, resumes" : "not started"} → ${s.runId}`);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      out(`  ${cellLabel(c)}: cannot be planned: ${e.message.split("\n")[0]}`);
      // The run would be refused the same way: bad input, not a plan.
      process.exitCode = 2;
    }
  }
  out(`${total} items in all; ${complete} of ${cells.length} cells already complete`);
  const served = [...new Set(cells.filter((c) => c.model.entry?.serve).map((c) => c.model.name))];
  out(`models medeval starts (serve:): ${served.join(", ") || "none"}`);
}

export default command;
