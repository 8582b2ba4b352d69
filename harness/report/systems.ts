// A "system" is one row of a table or one side of a comparison: a model under a setting,
// scoring mode, prompt style and few-shot configuration. Several runs of the same system over
// different tasks (or shards) merge into one; runs that differ in any of these never do.
import { existsSync, statSync } from "node:fs";
import { SettingSchema, UserError } from "../types.ts";
import { servedCheckpoint } from "../record/checkpoint.ts";
import { cacheUse } from "../record/summarize.ts";
import { cacheNote } from "./cache-note.ts";
import { findRunDirs, loadResults, loadRun, type LoadedRun, type TaskOutcomes } from "./load.ts";

export interface SystemKey {
  model: string;
  setting: string;
  scoring: string;
  prompt_style: string;
  /** "3-shot bm25", "5-shot random, en traces, single-turn"; "" without shots. */
  fewshot: string;
  /** The generation parameters in words ("temperature 0.6, top_p 0.95, …"): another temperature is another row. */
  params: string;
}

export interface System {
  key: SystemKey;
  /** model · setting, plus scoring mode / prompt style where the systems shown differ in them. */
  label: string;
  runs: LoadedRun[];
  /** By task id; each task taken from one run. */
  tasks: Map<string, TaskOutcomes & { run_id: string; bootstrap: LoadedRun["record"]["bootstrap"] }>;
  /** Things a reader should know (a task present in several runs, a torn journal line). */
  notes: string[];
}

export function systemKeyOf(run: LoadedRun): SystemKey {
  const { model, setting, scoring, prompt_style, fewshot, params } = run.record.spec;
  return { model, setting, scoring, prompt_style, fewshot: fewshotLabel(fewshot), params: paramsLabel(params) };
}

/** Generation parameters in a stable order: "max_tokens 2048, seed 1234, temperature 0, top_p 1". */
export function paramsLabel(params: Record<string, unknown>): string {
  return flatParams(params, "")
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
}

/** Nested settings as dotted names ("chat_template_kwargs.enable_thinking false"), never raw JSON. */
function flatParams(params: Record<string, unknown>, prefix: string): [string, string][] {
  return Object.entries(params).flatMap(([k, v]): [string, string][] => {
    const name = `${prefix}${k}`;
    if (v !== null && typeof v === "object" && !Array.isArray(v)) return flatParams(v as Record<string, unknown>, `${name}.`);
    return [[name, Array.isArray(v) ? v.map(String).join("/") : String(v)]];
  });
}

/**
 * What decides the shots a run put in its prompts (k, selection, trace language, format), in
 * words. The store's row counts are left out: shards run against copies of one store.
 */
export function fewshotLabel(fewshot: Record<string, unknown> | null): string {
  if (fewshot === null) return "";
  const { k, method, sampler, content, trace_lang, format } = fewshot;
  // Traces are chosen by a method (bm25, …); a plain k-shot split's rows by a sampler (first, random).
  const parts = [`${String(k ?? "?")}-shot ${String(method ?? sampler ?? "?")}`];
  if (content === "explanation") parts.push("with explanations");
  if (typeof trace_lang === "string" && trace_lang !== "") parts.push(`${trace_lang} traces`);
  if (typeof format === "string" && format !== "multi-turn") parts.push(`${format}-turn`);
  return parts.join(", ");
}

export function keyString(k: SystemKey): string {
  return [k.model, k.setting, k.scoring, k.prompt_style, k.fewshot, k.params].join("\u0000");
}

function runTime(run: LoadedRun): string {
  return run.record.timing.finished_at ?? run.record.timing.started_at;
}

/** Merges runs into systems. A task in several runs of a system is taken from the newest run. */
export function groupSystems(runs: readonly LoadedRun[]): System[] {
  const byKey = new Map<string, LoadedRun[]>();
  for (const run of runs) {
    const k = keyString(systemKeyOf(run));
    byKey.set(k, [...(byKey.get(k) ?? []), run]);
  }
  const systems: System[] = [];
  for (const all of byKey.values()) {
    // A shard holds 1/n of each task's items: taken as the task, it would replace the others.
    const shards = all.filter((r) => r.record.spec.shard !== null);
    const group = all.filter((r) => r.record.spec.shard === null);
    if (group.length === 0) {
      throw new UserError(
        `${shards.map((r) => r.dir).join(", ")}: only shards (--shard i/n) of a run; a shard has part of each task's items. ` +
          "Join them first with medeval merge, then build tables and comparisons from the merged run.",
      );
    }
    const ordered = [...group].sort((x, y) => runTime(x).localeCompare(runTime(y)) || x.dir.localeCompare(y.dir));
    const tasks: System["tasks"] = new Map();
    const notes: string[] = [];
    if (shards.length > 0) notes.push(`left out ${shards.length} shard run(s) (${shards.map((r) => r.record.run_id).join(", ")}): tables use whole runs (join shards with medeval merge)`);
    for (const run of ordered) {
      if (run.tornFinalLine) notes.push(`${run.dir}/samples.jsonl: a torn final line (a write cut by a crash) was skipped`);
      if (!run.record.complete) notes.push(`${run.dir}: run.json says the run is not complete`);
      if (run.record.server.queried_live === false) {
        const root = servedCheckpoint(run.record.server.models, run.record.spec.served_model)?.root;
        notes.push(`${run.dir}: answered from batch files; checkpoint ${root ? `${root} as given at import (--served-checkpoint)` : "not given at import"}, not queried live`);
      }
      for (const [id, t] of run.tasks) {
        const previous = tasks.get(id);
        if (previous) notes.push(`task ${id} is in runs ${previous.run_id} and ${run.record.run_id}; using the newer ${run.record.run_id}`);
        tasks.set(id, { ...t, run_id: run.record.run_id, bootstrap: run.record.bootstrap });
      }
    }
    notes.push(...checkpointNotes(ordered));
    const cached = cacheNote([...tasks.values()].map((t) => ({ task: t.task, n: t.items.size, fromCache: cacheUse(t.items.values()) })));
    if (cached) notes.push(cached);
    systems.push({ key: systemKeyOf(ordered[0]), label: "", runs: ordered, tasks, notes });
  }
  labelSystems(systems);
  return systems.sort((a, b) => a.label.localeCompare(b.label));
}

/**
 * Runs merge into one row by model name; the weights behind the name are only in each run's
 * /v1/models record. Rows that mix checkpoints (a retrained model served under the same name)
 * say so, naming the runs of each, rather than averaging two models as one.
 */
function checkpointNotes(runs: readonly LoadedRun[]): string[] {
  const byRoot = new Map<string, string[]>();
  for (const run of runs) {
    const root = servedCheckpoint(run.record.server.models, run.record.spec.served_model)?.root;
    if (root) byRoot.set(root, [...(byRoot.get(root) ?? []), run.record.run_id]);
  }
  if (byRoot.size < 2) return [];
  const parts = [...byRoot].map(([root, ids]) => `${root} (${ids.join(", ")})`);
  return [`its runs were served from different checkpoints: ${parts.join("; ")}. Give each checkpoint its own --model name to compare them.`];
}

/** The prompt style a scoring mode uses unless told otherwise: a label names only another one. */
const DEFAULT_STYLE: Record<string, string> = { generative: "cot", loglikelihood: "lm-eval:letters", "first-token": "letter-only" };
const DEFAULT_SCORING = "generative";
export const LABEL_SEPARATOR = " · ";

/**
 * A label is the system's spec in words, the same whichever other runs are loaded (a
 * --baseline that names it keeps working): model and setting, then the prompt style and the
 * scoring mode where they are not the defaults, the shots, and, only between systems those
 * leave alike, the generation parameters that differ.
 */
export function labelSystems(systems: System[]): void {
  const base = (k: SystemKey) => [
    k.model,
    k.setting,
    ...(k.prompt_style !== (DEFAULT_STYLE[k.scoring] ?? "") ? [k.prompt_style] : []),
    ...(k.scoring !== DEFAULT_SCORING ? [k.scoring] : []),
    ...(k.fewshot !== "" ? [k.fewshot] : []),
  ];
  const byBase = new Map<string, System[]>();
  for (const s of systems) {
    const b = base(s.key).join(LABEL_SEPARATOR);
    byBase.set(b, [...(byBase.get(b) ?? []), s]);
  }
  for (const alike of byBase.values()) {
    // Parameters are long: a row names only those that differ from another row like it.
    const differing = alike.length > 1 ? differingParams(alike) : new Set<string>();
    for (const s of alike) {
      const params = s.key.params.split(", ").filter((kv) => kv !== "" && differing.has(kv.split(" ")[0]!)).join(", ");
      s.label = [...base(s.key), ...(params !== "" ? [params] : [])].join(LABEL_SEPARATOR);
    }
  }
}

/** A label as typed on a command line: its parts joined by ":" ("m:zero-shot:direct"). */
export function typedLabel(label: string): string {
  return label.split(LABEL_SEPARATOR).join(":");
}

/** Names of the parameters whose values are not the same in every system (or missing in some). */
function differingParams(systems: readonly System[]): Set<string> {
  const values = new Map<string, { seen: Set<string>; systems: number }>();
  for (const s of systems) {
    for (const kv of s.key.params.split(", ")) {
      const name = kv.split(" ")[0];
      const entry = values.get(name) ?? { seen: new Set<string>(), systems: 0 };
      entry.seen.add(kv);
      entry.systems++;
      values.set(name, entry);
    }
  }
  return new Set([...values].filter(([, v]) => v.seen.size > 1 || v.systems < systems.length).map(([name]) => name));
}

/** True when the systems were scored in more than one mode (generative, loglikelihood, …). */
export function mixedScoring(systems: readonly System[]): boolean {
  return new Set(systems.map((s) => s.key.scoring)).size > 1;
}

/**
 * One side of a comparison: a run folder, a results folder holding one system, or
 * `RESULTS:MODEL:SETTING` (the model name may itself contain colons).
 */
export function resolveSystem(arg: string): System {
  const fromRuns = (runs: LoadedRun[], what: string): System => {
    const systems = groupSystems(runs);
    if (systems.length === 1) return systems[0];
    throw new UserError(
      `${what} holds ${systems.length} model × setting combinations (${systems.map((s) => s.label).join("; ")}). ` +
        "Name one run folder, or select one with RESULTS:MODEL:SETTING.",
    );
  };
  if (existsDir(arg)) {
    const dirs = findRunDirs(arg);
    if (dirs.length === 0) throw new UserError(`${arg}: no run folders (folders with run.json) found under it.`);
    return fromRuns(dirs.map(loadRun), arg);
  }
  const parts = arg.split(":");
  const setting = parts.at(-1) ?? "";
  if (parts.length >= 3 && SettingSchema.safeParse(setting).success) {
    for (let i = 1; i < parts.length - 1; i++) {
      const dir = parts.slice(0, i).join(":");
      if (!existsDir(dir)) continue;
      const model = parts.slice(i, -1).join(":");
      const runs = loadResults([dir]).filter((r) => r.record.spec.model === model && r.record.spec.setting === setting);
      if (runs.length === 0) {
        const available = [...new Set(loadResults([dir]).map((r) => `${r.record.spec.model}:${r.record.spec.setting}`))].sort();
        throw new UserError(`${arg}: no run of model ${model} with setting ${setting} in ${dir}. Available: ${available.join(", ")}`);
      }
      return fromRuns(runs, arg);
    }
  }
  throw new UserError(
    `${arg}: not a folder, and not RESULTS:MODEL:SETTING with an existing RESULTS folder and a setting among ${SettingSchema.options.join(", ")}.`,
  );
}

function existsDir(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory();
}
