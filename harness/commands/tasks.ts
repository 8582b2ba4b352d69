// medeval tasks: the task registry as a table (or JSON): language, domain, group, size, source.
import Table from "cli-table3";
import type { CommandModule } from "yargs";
import { dataDir } from "../env.ts";
import { describeTasks } from "../tasks/describe-tasks.ts";
import { loadRegistry } from "../tasks/index.ts";

interface TasksArgs {
  "data-dir"?: string;
  "tasks-dir"?: string;
  json: boolean;
  tasks?: string;
}

const command: CommandModule<object, TasksArgs> = {
  command: "tasks",
  describe: "List the tasks: language, domain, group, size (local data) and source",
  builder: (y) =>
    y
      .option("data-dir", { type: "string", describe: "local data directory (default: $MEDEVAL_DATA_DIR); sizes are counted from it" })
      .option("tasks-dir", { type: "string", describe: "task definitions (default: the tasks/ folder of medeval)" })
      .option("tasks", { type: "string", describe: "only these tasks (e.g. medqa,mmlu_medical.it)" })
      .option("json", { type: "boolean", default: false, describe: "print JSON instead of a table" }),
  handler: async (argv) => {
    const registry = loadRegistry(argv["tasks-dir"], dataDir(argv["data-dir"]));
    const tasks = argv.tasks ? registry.resolve(argv.tasks) : registry.list();
    const rows = await describeTasks(tasks, dataDir(argv["data-dir"]));
    if (argv.json) {
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return;
    }
    const table = new Table({
      head: ["task", "lang", "domain", "group", "size", "pool", "licence", "source"],
      style: { head: [], border: [], compact: true },
    });
    for (const row of rows) {
      table.push([row.id, row.lang, row.domain, row.group ?? "", sizeCell(row.size, row.problem, row.card_size), sizeCell(row.pool_size, null, row.card_pool_size), row.license ?? "", row.source]);
    }
    process.stdout.write(`${table.toString()}\n`);
    const unpinned = rows.filter((r) => r.unpinned.length > 0);
    if (unpinned.length > 0) {
      process.stdout.write(
        `unpinned: ${unpinned.length} task(s) read Hub data at a branch, not a commit, so the data can change under the same task file ` +
          `(a run records the items hash, so a change is seen, not hidden): ${unpinned.map((r) => `${r.id} (${r.unpinned.join(", ")})`).join(", ")}. ` +
          `Pin them with revision: <commit sha> in tasks/*.yaml.\n`,
      );
    }
    const problems = rows.filter((r) => r.problem);
    for (const row of problems) process.stderr.write(`medeval: ${row.id}: ${row.problem}\n`);
    if (rows.some((r) => r.size === null && r.card_size !== null)) process.stdout.write("N (card): the size the source's dataset card states, not counted (no local copy)\n");
    if (!dataDir(argv["data-dir"])) process.stdout.write("sizes need local data: pass --data-dir DIR or set MEDEVAL_DATA_DIR\n");
  },
};

function sizeCell(n: number | null, problem: string | null, card: number | null): string {
  if (problem) return "error";
  if (n === null) return card === null ? "?" : `${card} (card)`;
  return String(n);
}

export default command;
