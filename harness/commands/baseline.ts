// medeval baseline save|show: the file a CI gate compares new checkpoints against.
import { resolve } from "node:path";
import type { CommandModule } from "yargs";
import { baselineToSide, buildBaseline, readJsonFile, writeBaseline } from "../gate/baseline.ts";
import { loadRunFolder } from "../gate/load-side.ts";
import { sideAccuracy } from "../gate/side.ts";
import { writesToStdout } from "../report/write-output.ts";
import { UserError } from "../types.ts";

interface SaveArgs {
  run: string;
  out: string;
  force: boolean;
}

const save: CommandModule<object, SaveArgs> = {
  command: "save <run>",
  describe: "Write a compact baseline (spec, metadata, per-item correctness) from a run folder",
  builder: (y) =>
    y
      .positional("run", { type: "string", demandOption: true, describe: "run folder (results/<run-id>/)" })
      .option("out", { type: "string", default: "baseline.json", describe: "baseline file to write (commit it); - for standard output" })
      .option("force", { type: "boolean", default: false, describe: "save even when the run is not complete" }),
  handler: (argv) => {
    const side = loadRunFolder(resolve(argv.run));
    if (!side.complete && !argv.force) {
      throw new UserError(`${argv.run}: the run is not complete (run.json "complete": false); resume it first, or pass --force`);
    }
    const bytes = writeBaseline(argv.out, buildBaseline(side));
    const items = side.tasks.reduce((acc, t) => acc + t.ids.length, 0);
    // With --out - the baseline itself is on standard output: the note goes beside it.
    (writesToStdout(argv.out) ? process.stderr : process.stdout).write(`wrote ${argv.out}: ${side.tasks.length} tasks, ${items} items, ${(bytes / 1024).toFixed(1)} KiB\n`);
  },
};

const show: CommandModule<object, { file: string; "tasks-only": boolean }> = {
  command: "show <file>",
  describe: "Validate a baseline file and list its tasks",
  builder: (y) =>
    y
      .positional("file", { type: "string", demandOption: true })
      .option("tasks-only", { type: "boolean", default: false, describe: "print only the comma list of tasks, for `medeval run --tasks`" }),
  handler: (argv) => {
    const side = baselineToSide(readJsonFile(resolve(argv.file), "baseline"), argv.file);
    if (argv["tasks-only"]) {
      process.stdout.write(`${side.tasks.map((t) => t.task).join(",")}\n`);
      return;
    }
    const s = side.spec;
    const lines = [
      `${argv.file}: model ${s.model} (run ${side.runId}, ${s.setting}, ${s.scoring}, prompt ${s.prompt_style}` +
        `${s.limit !== null ? `, --limit ${s.limit}` : ""}${s.shard ? `, shard ${s.shard.index}/${s.shard.count}` : ""})`,
    ];
    for (const t of side.tasks) {
      const acc = sideAccuracy(t);
      lines.push(`  ${t.task.padEnd(40)} n=${String(t.ids.length).padStart(5)}  accuracy ${acc === null ? "–" : (acc * 100).toFixed(2)}%`);
    }
    process.stdout.write(`${lines.join("\n")}\n`);
  },
};

const command: CommandModule = {
  command: "baseline <action>",
  describe: "Save or show a CI baseline",
  builder: (y) => y.command(save).command(show).demandCommand(1, "name an action: save or show"),
  handler: () => {},
};

export default command;
