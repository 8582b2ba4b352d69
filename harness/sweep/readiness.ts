// What a cell needs before it can run that medeval can name without running it: a test set for
// each task (some languages exist only once `medeval translate` made them), a few-shot pool for
// few-shot, and the trace store for few-shot-traces. Each thing missing comes with the command
// that makes it, so a dry run can list them all and a run can refuse the cell with them.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { hubCachePath } from "../data/hub-download.ts";
import { printedCommand } from "../invocation.ts";
import { loadRegistry, type TaskRegistry } from "../tasks/registry.ts";
import type { TaskSpec } from "../tasks/task-spec.ts";
import { storeDir } from "../traces/store.ts";
import { UserError } from "../types.ts";
import type { SweepCell } from "./plan.ts";

/** One thing a cell lacks: what, and how to make it. */
export interface Missing {
  /** The tasks it concerns (empty for the trace store). */
  tasks: string[];
  what: string;
  fix: string;
}

/** A task whose data is neither a local file nor in the Hub cache: the run downloads it. */
export interface Download {
  task: string;
  /** repo@revision:path */
  source: string;
}

/** What a cell lacks, and what its run would download first. */
export interface CellNeeds {
  missing: Missing[];
  downloads: Download[];
}

export interface ReadinessOptions {
  tasksDir?: string;
  dataDir?: string;
  /** The trace store few-shot-traces cells read (default ~/.medeval/traces). */
  store?: string;
}

/** The language a missing split is translated from: English when the family has it, else the first with data. */
function translationSource(registry: TaskRegistry, task: TaskSpec, split: "test" | "pool"): TaskSpec | undefined {
  const family = registry.list().filter((t) => t.family === task.family && t.subject === task.subject && !t.id.includes("@") && t[split] !== null);
  return family.find((t) => t.lang === "en") ?? family[0];
}

/** Tasks without a split, grouped by the `medeval translate` command that makes them. */
function missingSplits(registry: TaskRegistry, tasks: TaskSpec[], split: "test" | "pool", dataDir: string | undefined): Missing[] {
  const bySource = new Map<string, { source: TaskSpec | undefined; tasks: TaskSpec[] }>();
  for (const t of tasks) {
    if (t[split] !== null) continue;
    const source = t.subject ? undefined : translationSource(registry, t, split);
    const key = source?.id ?? `-${t.id}`;
    const group = bySource.get(key) ?? { source, tasks: [] };
    group.tasks.push(t);
    bySource.set(key, group);
  }
  const what = split === "test" ? "no test set" : "no few-shot pool";
  return [...bySource.values()].map(({ source, tasks: group }) => {
    const ids = group.map((t) => t.id);
    const configure = `configure ${[...new Set(group.map((t) => `languages.${t.lang}.${split}`))].join(" / ")} in ${group[0].file}`;
    if (!source) {
      const why = group[0].subject ? " (families with subjects cannot be translated)" : " (no language of the family has one to translate from)";
      return { tasks: ids, what: `${ids.join(", ")}: ${what}`, fix: `${configure}${why}` };
    }
    const command = printedCommand([
      "translate",
      "--tasks",
      source.id,
      "--to",
      [...new Set(group.map((t) => t.lang))].join(","),
      ...(split === "pool" ? ["--split", "pool"] : []),
      "--model-url",
      "URL",
      "--served-model",
      "MODEL",
      "--data-dir",
      dataDir ?? "DIR",
    ]);
    return { tasks: ids, what: `${ids.join(", ")}: ${what} (a machine translation of ${source.id} is one)`, fix: `${command}, or ${configure}` };
  });
}

/** Where a split's data comes from as the loader would read it: the local file, the Hub cache, a download, or nowhere. */
function splitSource(task: TaskSpec, split: "test" | "pool", dataDir: string | undefined): "here" | "download" | "absent-local" | "none" {
  const spec = task[split];
  if (!spec) return "none";
  if (spec.local && dataDir && existsSync(join(dataDir, spec.local.path))) return "here";
  if (spec.hub) return existsSync(hubCachePath(spec.hub)) ? "here" : "download";
  return "absent-local";
}

/** Everything the cell lacks (each with its command), and the data its run downloads first. */
export function cellNeeds(cell: SweepCell, opts: ReadinessOptions, registry: TaskRegistry = loadRegistry(opts.tasksDir, opts.dataDir)): CellNeeds {
  const tasks = cell.tasks.map((id) => {
    const spec = registry.get(id);
    if (!spec) throw new UserError(`task ${id} is not in the task registry (${registry.dir})`);
    return spec;
  });
  const splits: ("test" | "pool")[] = cell.setting.setting === "few-shot" ? ["test", "pool"] : ["test"];
  const missing: Missing[] = [];
  const downloads: Download[] = [];
  for (const split of splits) {
    missing.push(...missingSplits(registry, tasks, split, opts.dataDir));
    for (const t of tasks) {
      const where = splitSource(t, split, opts.dataDir);
      const spec = t[split];
      if (where === "download" && spec?.hub) downloads.push({ task: t.id, source: `${spec.hub.repo}@${spec.hub.revision}:${spec.hub.path}` });
      if (where === "absent-local" && spec?.local) {
        const at = `languages.${t.lang}.${split}`;
        missing.push({
          tasks: [t.id],
          what: `${t.id}: its ${split} data is the local file ${spec.local.path}, ${opts.dataDir ? `not in ${opts.dataDir}` : "and no data folder is set"}`,
          fix: opts.dataDir ? `put the file at ${join(opts.dataDir, spec.local.path)}, or add ${at}.hub in ${t.file}` : `pass --data-dir DIR (or set MEDEVAL_DATA_DIR) to the folder that holds ${spec.local.path}`,
        });
      }
    }
  }
  if (cell.setting.setting === "few-shot-traces") {
    const dir = storeDir(opts.store);
    if (!existsSync(dir)) {
      missing.push({ tasks: [], what: `no trace store at ${dir} (few-shot-traces draws its shots from it)`, fix: `${printedCommand(["traces", "import", "FILE", "--store", dir])} (--fields names the file's columns or a preset such as medreason)` });
    }
  }
  return { missing, downloads };
}

/** The lines that list what is missing, indented under a cell. */
export function missingLines(missing: Missing[], indent = "    "): string[] {
  return missing.flatMap((m) => [`${indent}- ${m.what}`, `${indent}  make it: ${m.fix}`]);
}

/** The refusal of a cell that lacks something: every missing thing, each with its command. */
export function notReadyError(missing: Missing[]): UserError {
  return new UserError(`the cell cannot run yet: ${missing.map((m) => m.what).join("; ")}.\nWhat it needs, and the command that makes each:\n${missingLines(missing, "  ").join("\n")}`);
}
