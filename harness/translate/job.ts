// A whole translation job: a task's split translated into each target language on a served
// model, written as a JSONL split, its translation card and a local task file that registers it
// (<out>/tasks.local/), so `medeval run --tasks family.lang` can evaluate it.
import { connectJobModel } from "../jobs/connect.ts";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { UserError } from "../user-error.ts";
import type { ModelOverrides } from "../models/load.ts";
import { createDispatcher } from "../endpoints/dispatcher.ts";
import { loadItems, loadRegistry, localTasksDir, type Split, type TaskSpec } from "../tasks/index.ts";
import { promptHash, type TargetLanguage } from "./prompt.ts";
import { translateItems } from "./translate.ts";
import { sourceYaml, splitResult, writeCard, writeAtomic, writeTranslatedSplit, type SplitResult } from "./output.ts";

export const DEFAULT_TEMPERATURE = 0;
/** Enough for a long vignette and its options in any of the target languages. */
export const DEFAULT_MAX_TOKENS = 2048;
/** The variant a translation is registered under when the family already has a source for the language and none is named. */
export const DEFAULT_VARIANT = "mt";
/** What a variant name may be: it ends a task id (medqa.it@ours) and names a folder. */
export const VARIANT_PATTERN = /^[a-z0-9_]+$/;

export interface JobInput {
  model?: string;
  modelsFile?: string;
  overrides: ModelOverrides;
  tasks: string;
  to: TargetLanguage[];
  split: Split;
  limit: number | null;
  backTranslate: boolean;
  dropFlagged: boolean;
  /**
   * Register as family.lang@variant, beside any other translation of the language. null:
   * family.lang, or family.lang@DEFAULT_VARIANT when tasks/*.yaml already has that split.
   */
  variant: string | null;
  /** Where the source data is read (undefined: the Hub). */
  dataDir?: string;
  tasksDir?: string;
  offline?: boolean;
  /** Where the translations and tasks.local/ go (run with --data-dir there). */
  out: string;
  concurrency?: number;
  cache: boolean;
  maxRetries: number;
  signal: AbortSignal;
  notice(line: string): void;
}

export interface JobOutcome {
  /** The registered task id; null when items are missing (nothing registered). */
  id: string | null;
  file: string;
  result: SplitResult;
  total: number;
  /** Items still untranslated (interrupted, or failed: a re-run retries them). */
  missing: number;
  sent: number;
}

/** The tasks a job translates from, refusing what cannot be translated before any request. */
/**
 * The tasks a job translates from, refusing what cannot be translated before any request. A
 * family with subjects (mmlu_medical.en) is its member tasks, each translated on its own.
 */
export function sourceTasks(tasks: string, to: TargetLanguage[], tasksDir?: string, dataDir?: string): TaskSpec[] {
  const specs = loadRegistry(tasksDir, dataDir).resolve(tasks);
  for (const spec of specs) {
    if (to.includes(spec.lang as TargetLanguage)) throw new UserError(`${spec.id} is already in ${spec.lang}: choose other target languages`);
  }
  return specs;
}

/** Where one translated split goes and what it is registered as. */
export interface TranslationTarget {
  /** The registered task id: family[.subject].lang[@variant]. */
  id: string;
  variant: string | null;
  /** The split's file, relative to the output directory. */
  rel: string;
  /** The local task file that registers it. */
  taskFile: string;
}

export function translationTarget(spec: TaskSpec, to: string, split: Split, variant: string | null, out: string, tasksDir?: string): TranslationTarget {
  const plain = [spec.family, spec.subject, to].filter(Boolean).join(".");
  const chosen = variant ?? (loadRegistry(tasksDir).get(plain)?.[split] ? DEFAULT_VARIANT : null);
  const id = chosen ? `${plain}@${chosen}` : plain;
  const folder = chosen ? `${to}@${chosen}` : to;
  return {
    id,
    variant: chosen,
    rel: join("translated", ...[spec.family, spec.subject, folder].filter((p): p is string => Boolean(p)), `${split}.jsonl`),
    taskFile: join(localTasksDir(out), `${id}.yaml`),
  };
}

export async function runTranslation(input: JobInput): Promise<JobOutcome[]> {
  const specs = sourceTasks(input.tasks, input.to, input.tasksDir, input.dataDir);
  const { model, apiKey, checkpoint, cache, modelIdentity } = await connectJobModel({ ...input, job: "translation" });
  const concurrency = input.concurrency ?? model.maxConcurrency * model.baseUrls.length;
  const dispatcher = createDispatcher(model, { apiKey, concurrency, maxRetries: input.maxRetries });
  const params = {
    servedModel: model.servedModel,
    // The model's own params are for answering (a reasoning budget): a translation has its own.
    temperature: DEFAULT_TEMPERATURE,
    maxTokens: DEFAULT_MAX_TOKENS,
    structured: true,
  };
  const outcomes: JobOutcome[] = [];
  try {
    for (const spec of specs) {
      const loaded = await loadItems(spec, input.split, { dataDir: input.dataDir, offline: input.offline });
      const items = input.limit !== null ? loaded.items.slice(0, input.limit) : loaded.items;
      for (const to of input.to) {
        if (input.signal.aborted) return outcomes;
        const target = translationTarget(spec, to, input.split, input.variant, input.out, input.tasksDir);
        const rel = target.rel;
        const file = join(input.out, rel);
        mkdirSync(dirname(file), { recursive: true });
        const result = await translateItems({
          items, to, idSuffix: null, params, backTranslate: input.backTranslate,
          chat: { dispatcher, cache, modelIdentity },
          journalFile: file.replace(/\.jsonl$/, ".journal.jsonl"),
          concurrency, signal: input.signal,
          onResume: (done, pending) => input.notice(`${target.id}: ${done} items already translated, ${pending} to go`),
        });
        // Interrupted: nothing is written but the journal (the same command goes on from it).
        if (input.signal.aborted) return outcomes;
        const split = splitResult(items.map((i) => i.id), result.lines, input.dropFlagged);
        const missing = items.length - split.items.length - split.dropped;
        const sent = result.sent + result.retries;
        // A split with items missing is not registered: it would run as if it were the whole.
        if (missing > 0) {
          outcomes.push({ id: null, file, result: split, total: items.length, missing, sent });
          continue;
        }
        const hash = writeTranslatedSplit(file, split.items);
        const id = registerSplit(input, spec, to, target, hash);
        writeCard(file.replace(/\.jsonl$/, ".card.json"), {
          source: { task: spec.id, split: input.split, sha256: loaded.source.items_hash, items: items.length },
          target: { lang: to, file: rel, sha256: hash, items: split.items.length },
          translator: { model: model.servedModel, checkpoint },
          prompt_hash: promptHash(to, spec.lang),
          parameters: { temperature: params.temperature, max_tokens: params.maxTokens, structured: params.structured, back_translate: input.backTranslate, drop_flagged: input.dropFlagged, limit: input.limit, variant: target.variant },
          checks: { failing: split.failing, flagged: split.flagged.map((l) => l.id), failed: split.failed.map((l) => ({ id: l.id, error: l.error })) },
          counts: { translated: split.items.length + split.dropped, flagged: split.flagged.length, failed: split.failed.length, dropped: split.dropped },
        });
        outcomes.push({ id, file, result: split, total: items.length, missing, sent });
      }
    }
  } finally {
    dispatcher.close();
  }
  return outcomes;
}

/**
 * Writes (or updates) <out>/tasks.local/<id>.yaml with the split's source and its sha256, under
 * the target's variant and subject. The task id.
 */
function registerSplit(input: JobInput, spec: TaskSpec, to: string, target: TranslationTarget, hash: string): string {
  const previous = existsSync(target.taskFile) ? (parseYaml(readFileSync(target.taskFile, "utf8")) as { languages?: Record<string, Record<string, unknown>> }) : null;
  const source = parseYaml(sourceYaml(target.rel)) as { local: Record<string, unknown> };
  const languages = { [to]: { ...(previous?.languages?.[to] ?? {}), [input.split]: { local: { ...source.local, sha256: hash } } } };
  const doc = {
    family: spec.family,
    ...(target.variant ? { variant: target.variant } : {}),
    ...(spec.subject ? { subject: spec.subject } : {}),
    description: `${spec.id} machine-translated into ${to} (medeval translate)`,
    languages,
  };
  writeAtomic(target.taskFile, stringifyYaml(doc));
  return target.id;
}
