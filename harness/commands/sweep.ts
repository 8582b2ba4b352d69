// medeval sweep FILE: every (model, setting) cell of a sweep file, each an ordinary run.
import { resolve } from "node:path";
import type { CommandModule } from "yargs";
import { dataDir } from "../env.ts";
import { printedCommand } from "../invocation.ts";
import { parseShard } from "../runner/plan.ts";
import { DEFAULT_PROMPT_STYLE, DEFAULT_SCORING, DEFAULT_SEED, DEFAULT_SELECT, DEFAULT_SHOTS } from "../runner/run-defaults.ts";
import { DEFAULT_RESAMPLES } from "../stats/bootstrap.ts";
import { planSweep, shardCells, type SweepCell } from "../sweep/plan.ts";
import { runCells } from "../sweep/run-sweep.ts";
import { UserError } from "../types.ts";

interface SweepArgs {
  file: string;
  out: string;
  "dry-run": boolean;
  shard?: string;
  cells?: string;
  "tasks-dir"?: string;
  "data-dir"?: string;
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
      .example("$0 sweep examples/sweep-paper.yaml --dry-run", ""),
  handler: async (argv) => {
    const plan = planSweep(argv.file, { tasksDir: argv["tasks-dir"] });
    const cells = pickCells(shardCells(plan.cells, parseShard(argv.shard)), argv.cells);
    if (argv["dry-run"]) {
      process.stdout.write(`${plan.file}: ${cells.length} of ${plan.cells.length} cells, each over ${plan.cells[0].tasks.length} tasks: ${plan.cells[0].tasks.join(",")}\n`);
      for (const c of cells) process.stdout.write(`  ${cellLabel(c)}\n`);
      const served = [...new Set(cells.filter((c) => c.model.entry?.serve).map((c) => c.model.name))];
      process.stdout.write(`models medeval starts (serve:): ${served.join(", ") || "none"}\n`);
      return;
    }
    const controller = new AbortController();
    const onSignal = () => controller.abort();
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    const results = await runCells(plan, cells, {
      seed: DEFAULT_SEED,
      out: resolve(argv.out),
      cache: true,
      bootstrap: DEFAULT_RESAMPLES,
      progress: "auto",
      signal: controller.signal,
      dataDir: dataDir(argv["data-dir"]),
      tasksDir: argv["tasks-dir"],
      notice: (line) => process.stderr.write(`medeval: ${line}\n`),
      fewshot: { k: DEFAULT_SHOTS, method: DEFAULT_SELECT, traceLang: null, format: "multi-turn" },
      defaults: { promptStyle: DEFAULT_PROMPT_STYLE, scoring: DEFAULT_SCORING, shots: DEFAULT_SHOTS, select: DEFAULT_SELECT },
    });
    const failed = results.filter((r) => r.error || !r.outcome?.record.complete);
    for (const r of results) process.stderr.write(`medeval: ${cellLabel(r.cell)}: ${r.error ? `failed: ${r.error.message.split("\n")[0]}` : r.outcome?.record.complete ? `done (${r.outcome.dir})` : "not complete"}\n`);
    if (controller.signal.aborted) process.exitCode = 130;
    else if (failed.length > 0 || results.length < cells.length) {
      const retry = printedCommand(["sweep", argv.file, "--out", argv.out, "--cells", failed.map((r) => r.cell.index).join(",")]);
      process.stderr.write(`medeval: ${failed.length} of ${cells.length} cells failed or are not complete; retry them with:\n  ${retry}\n`);
      process.exitCode = 1;
    }
  },
};

export default command;
