// The task registry: every tasks/*.yaml file expanded into TaskSpecs, and selectors
// ("medqa.en,mmlu_medical.it") resolved into them.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { PACKAGE_ROOT } from "../package-root.ts";
import { UserError } from "../types.ts";
import { closeMatches } from "./close-matches.ts";
import { PREPROCESSES } from "./preprocess.ts";
import { prebuiltTaskFile } from "./prebuilt.ts";
import { LocalTaskFileSchema, TaskFileSchema, type LocalTaskFile, type TaskFile, type TaskFileSource } from "./task-file-schema.ts";
import type { FieldMap, HubSourceSpec, LocalSourceSpec, SourceSpec, Split, TaskSpec } from "./task-spec.ts";

/** The repository's own tasks/ folder. */
export const DEFAULT_TASKS_DIR = join(PACKAGE_ROOT, "tasks");

export interface TaskRegistry {
  /** Where the task files were read from. */
  dir: string;
  list(): TaskSpec[];
  get(id: string): TaskSpec | undefined;
  /** A comma list of task ids, families, family.lang, family.subject or "all"; unknown names are a UserError. */
  /** Task ids, groups (`medqa`, `it`) or `all`: a list, or one comma-separated string as typed. */
  resolve(selector: string | readonly string[]): TaskSpec[];
}

/** The local task folder of a data directory: files adding sources (translations) to the families. */
export const LOCAL_TASKS_FOLDER = "tasks.local";

export function localTasksDir(dataDir: string): string {
  return join(dataDir, LOCAL_TASKS_FOLDER);
}

/**
 * tasksDir: the task files (default tasks/); dataDir: where the data is, whose tasks.local/
 * folder (when there is one) is read after them.
 */
export function loadRegistry(tasksDir?: string, dataDir?: string): TaskRegistry {
  const dir = resolve(tasksDir ?? DEFAULT_TASKS_DIR);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UserError(`tasks directory ${dir} does not exist. Pass --tasks-dir DIR with one YAML file per benchmark family.`);
  }
  const files = readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  if (files.length === 0) throw new UserError(`tasks directory ${dir} holds no .yaml task files.`);

  const tasks: TaskSpec[] = [];
  const familyFiles = new Map<string, string>();
  for (const f of files) {
    const file = join(dir, f);
    const taskFile = readTaskFile(file);
    const previous = familyFiles.get(taskFile.family);
    if (previous) throw new UserError(`${file}: family "${taskFile.family}" is already defined in ${previous}.`);
    familyFiles.set(taskFile.family, file);
    tasks.push(...expandTaskFile(taskFile, file));
  }
  if (dataDir) addLocalTasks(localTasksDir(dataDir), tasks);
  return makeRegistry(dir, tasks);
}

/**
 * The files of the local task folder, in name order: each adds test/pool sources to the
 * languages of a family that have none, or, with `variant`, tasks "family.lang@variant".
 */
function addLocalTasks(dir: string, tasks: TaskSpec[]): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return;
  const files = readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  for (const f of files) {
    const file = join(dir, f);
    const local = readYamlFile(file, LocalTaskFileSchema) as LocalTaskFile;
    const family = tasks.filter((t) => t.family === local.family);
    if (family.length === 0) {
      const known = [...new Set(tasks.map((t) => t.family))];
      throw new UserError(`${file}: family "${local.family}" is not defined in the task files (known: ${known.join(", ")}).`);
    }
    const subjects = [...new Set(family.flatMap((t) => (t.subject ? [t.subject] : [])))];
    if (subjects.length > 0 && !local.subject) {
      throw new UserError(`${file}: family "${local.family}" has subjects; add \`subject: NAME\` (one of ${subjects.join(", ")}) to name the subject whose sources this file adds.`);
    }
    if (local.subject && !subjects.includes(local.subject)) {
      const known = subjects.length > 0 ? `its subjects: ${subjects.join(", ")}` : "it has no subjects; remove `subject`";
      throw new UserError(`${file}: subject "${local.subject}" is not a subject of family "${local.family}" (${known}).`);
    }
    const base = family[0];
    const asTaskFile: TaskFile = {
      family: local.family,
      domain: base.domain,
      group: base.group,
      // A translation is a derived copy: the source's licence goes with it.
      ...(base.license ? { license: base.license } : {}),
      ...(local.subject ? { subjects: [local.subject] } : {}),
      evaluated_split: base.evaluatedSplit ?? "test",
      languages: local.languages,
    };
    for (const added of expandTaskFile(asTaskFile, file)) {
      if (local.variant) {
        const id = `${added.id}@${local.variant}`;
        const twin = tasks.find((t) => t.id === id);
        if (twin) throw new UserError(`${file}: task ${id} is already defined in ${twin.file}; use another variant name.`);
        tasks.push({ ...added, id });
        continue;
      }
      const at = tasks.findIndex((t) => t.id === added.id);
      const existing = tasks[at];
      if (existing?.test && added.test) {
        throw new UserError(
          `${file}: ${added.id} already has a test source in ${existing.file}; add \`variant: NAME\` to this file to register the split as ${added.id}@NAME.`,
        );
      }
      if (existing) tasks[at] = { ...existing, test: added.test ?? existing.test, pool: added.pool ?? existing.pool, ...((added.train ?? existing.train) ? { train: added.train ?? existing.train } : {}), file };
      else tasks.push(added);
    }
  }
}

export function readTaskFile(file: string): TaskFile {
  return readYamlFile(file, TaskFileSchema) as TaskFile;
}

function readYamlFile(file: string, schema: typeof TaskFileSchema | typeof LocalTaskFileSchema): TaskFile | LocalTaskFile {
  const text = readFileSync(file, "utf8");
  const prebuilt = prebuiltTaskFile(schema === TaskFileSchema ? "task" : "local", text);
  if (prebuilt !== undefined) return prebuilt as TaskFile | LocalTaskFile;
  return parseTaskFileText(file, text, schema);
}

/** A task file's text parsed and checked against its schema (bin/build.mjs calls this too). */
export function parseTaskFileText(file: string, text: string, schema: typeof TaskFileSchema | typeof LocalTaskFileSchema): TaskFile | LocalTaskFile {
  let raw: unknown;
  try {
    // merge: YAML `<<` keys let a task file reuse a source block with one field changed.
    raw = parseYaml(text, { merge: true });
  } catch (err) {
    throw new UserError(`${file}: not valid YAML (${(err as Error).message}).`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new UserError(`${file}: invalid task file:\n${formatIssues(parsed.error.issues)}`);
  return parsed.data;
}

function formatIssues(issues: z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const path = issue.path.map(String).join(".") || "(top level)";
      return `  - ${path}: ${issue.message}`;
    })
    .join("\n");
}

function expandTaskFile(taskFile: TaskFile, file: string): TaskSpec[] {
  const tasks: TaskSpec[] = [];
  const subjects: (string | undefined)[] = taskFile.subjects ?? [undefined];
  for (const subject of subjects) {
    for (const [lang, language] of Object.entries(taskFile.languages)) {
      const id = [taskFile.family, subject, lang].filter(Boolean).join(".");
      const split = (which: Split): SourceSpec | null => {
        const entry = language?.[which];
        if (!entry || (!entry.local && !entry.hub)) return null;
        const at = `languages.${lang}.${which}`;
        const spec: SourceSpec = {};
        if (entry.local) spec.local = toSource(entry.local, `${at}.local`) as LocalSourceSpec;
        if (entry.hub) spec.hub = toSource(entry.hub, `${at}.hub`) as HubSourceSpec;
        return spec;
      };
      const toSource = (source: TaskFileSource, at: string): LocalSourceSpec | HubSourceSpec => {
        const fields = source.fields ?? taskFile.fields;
        if (!fields) throw new UserError(`${file}: ${at}.fields: missing, and the file has no top-level \`fields\` to fall back on.`);
        if (source.preprocess && PREPROCESSES[source.preprocess].reads === "document" && source.format.type !== "json") {
          throw new UserError(`${file}: ${at}.preprocess: a preprocess reads a whole JSON document; set format: json.`);
        }
        const fill = (text: string, key: string): string => substitute(text, { subject, lang }, file, `${at}.${key}`);
        const filter = source.filter
          ? Object.fromEntries(Object.entries(source.filter).map(([k, v]) => [k, fill(v, `filter.${k}`)]))
          : undefined;
        return {
          ...source,
          path: fill(source.path, "path"),
          fields: fields as FieldMap,
          ...(filter ? { filter } : {}),
        } as LocalSourceSpec | HubSourceSpec;
      };
      tasks.push({
        id,
        family: taskFile.family,
        lang,
        ...(subject ? { subject } : {}),
        domain: taskFile.domain,
        ...(taskFile.license ? { license: taskFile.license } : {}),
        ...(language?.size ? { declaredSize: language.size } : {}),
        ...(taskFile.group ? { group: taskFile.group } : {}),
        test: split("test"),
        pool: split("pool"),
        ...(split("train") ? { train: split("train") } : {}),
        evaluatedSplit: taskFile.evaluated_split,
        file,
      });
    }
  }
  return tasks;
}

function substitute(text: string, values: { subject?: string; lang: string }, file: string, at: string): string {
  return text.replace(/\{(\w+)\}/g, (match, key: string) => {
    const value = (values as Record<string, string | undefined>)[key];
    if (value === undefined) {
      throw new UserError(`${file}: ${at}: "${match}" cannot be filled (known: {lang}, and {subject} when the file lists subjects).`);
    }
    return value;
  });
}

function makeRegistry(dir: string, tasks: TaskSpec[]): TaskRegistry {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const groups = new Map<string, TaskSpec[]>();
  const addTo = (key: string, task: TaskSpec) => groups.set(key, [...(groups.get(key) ?? []), task]);
  for (const task of tasks) {
    // A variant ("medqa.it@mt") is chosen by its id only, never by its family's names; the
    // subjects of a translated family together by "family.lang@variant" (mmlu_medical.it@mt).
    const at = task.id.indexOf("@");
    if (at >= 0) {
      if (task.subject) addTo(`${task.family}.${task.lang}${task.id.slice(at)}`, task);
      continue;
    }
    addTo(task.family, task);
    addTo(`${task.family}.${task.lang}`, task);
    if (task.group && task.group !== task.family) {
      addTo(task.group, task);
      addTo(`${task.group}.${task.lang}`, task);
    }
    if (task.subject) addTo(`${task.family}.${task.subject}`, task);
  }
  return {
    dir,
    list: () => [...tasks],
    get: (id) => byId.get(id),
    resolve(selector: string | readonly string[]): TaskSpec[] {
      const names = (typeof selector === "string" ? selector.split(",") : selector).map((s) => s.trim()).filter(Boolean);
      if (names.length === 0) throw new UserError(`no tasks selected: name tasks like medqa.en,mmlu_medical.it (see \`medeval tasks\`).`);
      const chosen = new Map<string, TaskSpec>();
      for (const name of names) {
        const matched = name === "all" ? tasks : byId.has(name) ? [byId.get(name)!] : groups.get(name);
        if (!matched) {
          const suggestions = closeMatches(name, [...byId.keys(), ...groups.keys()]);
          const hint = suggestions.length ? ` Did you mean: ${suggestions.join(", ")}?` : "";
          throw new UserError(`unknown task "${name}" (task files in ${relative(process.cwd(), dir) || "."}).${hint} Run \`medeval tasks\` for the list.`);
        }
        for (const task of matched) chosen.set(task.id, task);
      }
      return [...chosen.values()];
    },
  };
}
