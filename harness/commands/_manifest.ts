// Every command, by name, with the module that implements it. cli.ts imports only the
// module of the command being run, so `medeval --version` or a `run` without traces never
// loads what other commands need (LanceDB's native module alone costs ~0.3 s of start-up).
// `command` and `describe` repeat the module's own, so `--help` can list every command
// without importing any; test/cli/manifest.test.ts fails when they drift or a file in
// harness/commands/ has no entry. A new command: its file, and one entry here.
import type { CommandModule } from "yargs";

export interface CommandEntry {
  /** The module's `command` (name and positionals), as --help shows it. */
  command: string;
  describe: string;
  load: () => Promise<{ default: CommandModule<any, any> }>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { command: "baseline <action>", describe: "Save or show a CI baseline", load: () => import("./baseline.ts") },
  {
    command: "check",
    describe: "CI gate: fail when a candidate run is significantly worse than a committed baseline",
    load: () => import("./check.ts"),
  },
  {
    command: "compare <a> <b>",
    describe: "Paired comparison of two runs: Δ accuracy with paired bootstrap CI, exact McNemar p per task, Holm across tasks and averages",
    load: () => import("./compare.ts"),
  },
  {
    command: "corpus <command>",
    describe: "Passage corpus for grounded trace generation: import, search",
    load: () => import("./corpus.ts"),
  },
  {
    command: "extract",
    describe: "Extract answer letters from model replies (JSONL lines with text, options, optional id, lang, reasoning, finish_reason)",
    load: () => import("./extract.ts"),
  },
  { command: "merge <shards..>", describe: "Join shard runs (--shard i/n or auto) into one run: name their folders, or the folder that holds them", load: () => import("./merge.ts") },
  {
    command: "report <results..>",
    describe: "Self-contained HTML report (tables, aggregates, forest plot) of results folders",
    load: () => import("./report.ts"),
  },
  {
    command: "run",
    describe: "Evaluate a model on tasks (writes <out>/<run-id>/run.json and samples.jsonl)",
    load: () => import("./run.ts"),
  },
  { command: "sweep <file>", describe: "Run every models × settings cell of a sweep file, each an ordinary run", load: () => import("./sweep.ts") },
  {
    command: "table <results..>",
    describe: "Results table from run folders: accuracy with CIs, best per column, optional Δ against a baseline",
    load: () => import("./table.ts"),
  },
  { command: "tasks", describe: "List the tasks: language, domain, group, size (local data) and source", load: () => import("./tasks.ts") },
  {
    command: "traces <command>",
    describe: "Reasoning-trace store for few-shot prompts and fine-tuning: import, stats, search, export, generate",
    load: () => import("./traces.ts"),
  },
  {
    command: "translate",
    describe: "Machine-translate a task's split into other languages and register it as a local task (<out>/tasks.local/)",
    load: () => import("./translate.ts"),
  },
  {
    command: "view [results..]",
    describe: "Browse runs and their samples in a local web page (read-only; Ctrl-C stops it)",
    load: () => import("./view.ts"),
  },
];

/** The command word of an entry: "compare" of "compare <a> <b>". */
export function commandName(entry: CommandEntry): string {
  return entry.command.split(" ")[0];
}
