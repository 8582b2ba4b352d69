// Which questions a generation job asks: each source task in each language wanted (a language
// other than the task's own comes from its translated task, registered by `medeval translate`),
// from a split that is not evaluated. The leakage guard refuses an evaluated split before any
// request: a trace written for a test question is that question's answer key.
import { splitRisk } from "../traces/guard.ts";
import { splitFromId, type TraceSplit } from "../traces/schema.ts";
import { loadRegistry, type Split, type TaskSpec } from "../tasks/index.ts";
import { UserError } from "../user-error.ts";
import { targetLanguage, type TargetLanguage } from "../translate/prompt.ts";

/** "pool": the task's few-shot pool, whatever its benchmark split; "train": the task's training split where its file names one, else the pool checked to be train; "dev": the pool, checked to be dev; "test": refused. */
export const GENERATE_SPLITS = ["pool", "train", "dev", "test"] as const;
export type GenerateSplit = (typeof GENERATE_SPLITS)[number];
export const DEFAULT_GENERATE_SPLIT: GenerateSplit = "pool";

/** Where the other languages' traces come from: generated from the translated tasks' questions, or the source task's kept traces translated. */
export const LANG_SOURCES = ["translated", "traces"] as const;
export type LangSource = (typeof LANG_SOURCES)[number];
export const DEFAULT_LANG_SOURCE: LangSource = "translated";

/** The variant `medeval translate` registers a translation under when the family already has that language. */
const TRANSLATED_VARIANT = "mt";

export interface PlannedGeneration {
  spec: TaskSpec;
  /** The registry split read. */
  split: Split;
  /** The benchmark split the questions are from, as the trace store records it. */
  traceSplit: TraceSplit;
  /** --lang-source traces: the languages this task's kept traces are translated into (else none). */
  translateTo: TargetLanguage[];
}

export interface PlanInput {
  tasks: string;
  split: GenerateSplit;
  /** null: each task's own language. */
  langs: string[] | null;
  langSource: LangSource;
  tasksDir?: string;
  dataDir?: string;
}

/**
 * The benchmark split a task's pool is, read from its file's name ("dev.jsonl",
 * "casimedicos_en_train.jsonl"), else from the task it was translated from (a translation's
 * file is "pool.jsonl"); "train" when neither says: a pool is never the evaluated split.
 */
export function poolSplitName(spec: TaskSpec, translatedFrom?: TaskSpec): TraceSplit {
  for (const task of [spec, translatedFrom]) {
    const source = task?.pool?.local ?? task?.pool?.hub;
    const named = source ? splitFromId(source.path) : "unknown";
    if (named !== "unknown") return named;
  }
  return "train";
}

export function planGeneration(input: PlanInput): PlannedGeneration[] {
  const registry = loadRegistry(input.tasksDir, input.dataDir);
  const sources = registry.resolve(input.tasks);
  const planned: PlannedGeneration[] = [];
  for (const source of sources) {
    const others = (input.langs ?? [source.lang]).filter((l) => l !== source.lang);
    if (input.langSource === "traces") {
      // The source task's traces are generated (whether or not --lang names its language) and translated.
      planned.push({ ...plannedSplit(source, input.split, source), translateTo: others.map(targetLanguage) });
      continue;
    }
    for (const lang of input.langs ?? [source.lang]) {
      const spec = lang === source.lang ? source : translatedTask(registry, source, lang);
      planned.push({ ...plannedSplit(spec, input.split, source), translateTo: [] });
    }
  }
  const ids = planned.map((p) => p.spec.id);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice) throw new UserError(`--tasks and --lang name ${twice} twice; name each task once`);
  return planned;
}

function translatedTask(registry: ReturnType<typeof loadRegistry>, source: TaskSpec, lang: string): TaskSpec {
  const plain = registry.get(`${source.family}.${lang}`);
  const variant = registry.get(`${source.family}.${lang}@${TRANSLATED_VARIANT}`);
  const found = [variant, plain].find((t) => t?.pool);
  if (found) return found;
  throw new UserError(
    `no ${source.family}.${lang} questions to generate from: its few-shot pool has no source in ${registry.dir} or the data dir's tasks.local/. ` +
      `Translate it: medeval translate --tasks ${source.id} --to ${lang} --split pool --out DIR, then pass --data-dir DIR.`,
  );
}

function plannedSplit(spec: TaskSpec, split: GenerateSplit, source: TaskSpec): Omit<PlannedGeneration, "translateTo"> {
  if (split === "test") {
    const traceSplit: TraceSplit = spec.evaluatedSplit ?? "test";
    if (splitRisk({ split: traceSplit, source_dataset: spec.family }, { taskFamily: spec.family, evaluatedSplit: spec.evaluatedSplit }) === "evaluated") {
      throw new UserError(
        `--split test: ${spec.id}'s test split is what medeval evaluates, and the leakage guard keeps traces written for its questions out (they are those questions' answer keys). Generate from --split pool.`,
      );
    }
  }
  if (split === "train" && spec.train) return { spec, split: "train", traceSplit: "train" };
  if (!spec.pool) throw new UserError(`${spec.id} has no few-shot pool split (${spec.file}) to generate traces from`);
  const traceSplit = poolSplitName(spec, source);
  if (split !== "pool" && split !== traceSplit) {
    const addTrain = split === "train" ? ` (or add a languages.${spec.lang}.train source to ${spec.file})` : "";
    throw new UserError(`--split ${split}: ${spec.id} has no training split; its only split besides test is its few-shot pool, which is its ${traceSplit} split; pass --split pool (or --split ${traceSplit})${addTrain}`);
  }
  return { spec, split: "pool", traceSplit };
}
