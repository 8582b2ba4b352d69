// A sweep file read into its cells: one ordinary run per (model, setting), in file order, so
// every process reading the same file gets the same list (and --shard i/n the same share).
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { loadModelsFile, loadYamlWithLines } from "../models/load.ts";
import type { ModelsFile } from "../models/schema.ts";
import type { Shard } from "../record/spec.ts";
import { loadRegistry } from "../tasks/registry.ts";
import { UserError } from "../types.ts";
import { SweepFileSchema, type SweepFile, type SweepSetting } from "./schema.ts";

/** A model of the sweep: a models.yaml entry by name, or an endpoint given inline. */
export interface SweepModel {
  name: string;
  entry?: ModelsFile["models"][string];
  inline?: { baseUrls: string[]; servedModel: string };
}

export interface SweepCell {
  /** Position in the full, unsharded list (stable across processes). */
  index: number;
  model: SweepModel;
  settingName: string;
  setting: SweepSetting;
  /** Task ids, as the task registry resolves the file's selectors. */
  tasks: string[];
}

export interface SweepPlan {
  file: string;
  modelsFile: string;
  sweep: SweepFile;
  cells: SweepCell[];
}

export interface PlanOptions {
  tasksDir?: string;
  /** The data folder, whose tasks.local/ (translations) adds tasks. */
  dataDir?: string;
}

/** Read and check a sweep file; every error names the file, line and field. */
export function planSweep(file: string, opts: PlanOptions = {}): SweepPlan {
  const path = resolve(file);
  const { data: sweep, where } = loadYamlWithLines(path, SweepFileSchema, "sweep file");
  const modelsFile = resolve(dirname(path), sweep.models_file ?? "models.yaml");
  const needsFile = sweep.models.some((m) => typeof m === "string");
  if (needsFile && !existsSync(modelsFile)) {
    throw new UserError(`${where(["models_file"])}: models_file: ${modelsFile} not found (models named by name are looked up there)`);
  }
  const entries = needsFile ? loadModelsFile(modelsFile).models : {};
  const models = sweep.models.map((m, i): SweepModel => {
    if (typeof m !== "string") return { name: m.name, inline: { baseUrls: m.base_urls, servedModel: m.served_model } };
    const entry = entries[m];
    if (!entry) throw new UserError(`${where(["models", i])}: models.${i}: model "${m}" is not in ${modelsFile}. Known models: ${Object.keys(entries).join(", ") || "(none)"}`);
    if (entry.kind !== "chat") throw new UserError(`${where(["models", i])}: models.${i}: "${m}" is an embeddings model; name a chat model.`);
    return { name: m, entry };
  });
  const seen = new Set<string>();
  models.forEach((m, i) => {
    if (seen.has(m.name)) throw new UserError(`${where(["models", i])}: models.${i}: "${m.name}" is listed twice`);
    seen.add(m.name);
  });

  const registry = loadRegistry(opts.tasksDir, opts.dataDir);
  const selectors = typeof sweep.tasks === "string" ? [sweep.tasks] : sweep.tasks;
  const tasks: string[] = [];
  selectors.forEach((selector, i) => {
    const at = typeof sweep.tasks === "string" ? ["tasks"] : ["tasks", i];
    try {
      for (const t of registry.resolve(selector)) if (!tasks.includes(t.id)) tasks.push(t.id);
    } catch (e) {
      if (e instanceof UserError) throw new UserError(`${where(at)}: ${at.join(".")}: ${e.message}`);
      throw e;
    }
  });

  for (const [name, s] of Object.entries(sweep.settings)) {
    (s.models ?? []).forEach((m, i) => {
      if (!seen.has(m)) throw new UserError(`${where(["settings", name, "models", i])}: settings.${name}.models.${i}: "${m}" is not one of the sweep's models`);
    });
  }
  (sweep.exclude ?? []).forEach((x, i) => {
    if (x.model !== undefined && !seen.has(x.model)) throw new UserError(`${where(["exclude", i, "model"])}: exclude.${i}.model: "${x.model}" is not one of the sweep's models`);
    if (x.setting !== undefined && !(x.setting in sweep.settings)) throw new UserError(`${where(["exclude", i, "setting"])}: exclude.${i}.setting: "${x.setting}" is not one of the sweep's settings`);
  });

  const cells: SweepCell[] = [];
  for (const model of models) {
    for (const [settingName, setting] of Object.entries(sweep.settings)) {
      if (setting.models && !setting.models.includes(model.name)) continue;
      if ((sweep.exclude ?? []).some((x) => (x.model ?? model.name) === model.name && (x.setting ?? settingName) === settingName)) continue;
      if (setting.setting === "fine-tuned" && !model.entry?.fine_tuned) {
        throw new UserError(
          `${where(["settings", settingName, "setting"])}: settings.${settingName}.setting: model "${model.name}" cannot take the fine-tuned setting (no fine_tuned: section in ${model.entry ? modelsFile : "the sweep file"}); list the models that can under settings.${settingName}.models, or exclude the cell`,
        );
      }
      cells.push({ index: cells.length, model, settingName, setting, tasks });
    }
  }
  if (cells.length === 0) throw new UserError(`${path}: the sweep has no cells left after models: and exclude:`);
  return { file: path, modelsFile, sweep, cells };
}

/** Shard i of n (from 0) of the cells: every n-th cell from i, so shards are balanced by model. */
export function shardCells(cells: SweepCell[], shard: Shard | null): SweepCell[] {
  if (!shard) return cells;
  return cells.filter((c) => c.index % shard.count === shard.index);
}
