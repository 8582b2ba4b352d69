// A published trace set in its own column names: a field map in the vocabulary of tasks/*.yaml
// (question, options, answer) plus reasoning, language, source and split, from a small YAML
// file or a named preset. Each row goes through the tasks' own mapping, then the store's schema.
import { readFileSync, existsSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { FieldMapSchema } from "../data/field-map.ts";
import { FieldError, recordToItem, valueAt } from "../data/to-item.ts";
import { isPlainObject } from "../data/records.ts";
import { UserError } from "../types.ts";
import type { RejectedRow } from "./schema.ts";

const fieldPath = z.string().min(1);
/** A value read from a field of the row, or the same value for every row. */
const FieldOrValue = z.union([z.strictObject({ field: fieldPath }), z.strictObject({ value: z.string().min(1) })]);

export const TraceFieldMapSchema = z.strictObject({
  question: fieldPath,
  options: FieldMapSchema.shape.options,
  answer: FieldMapSchema.shape.answer,
  reasoning: fieldPath,
  /** The question's id in its source dataset (several fields are joined with "_"); without it, the row number. */
  source_question_id: z.union([fieldPath, z.array(fieldPath).min(1)]).optional(),
  source_dataset: FieldOrValue,
  lang: FieldOrValue.optional(),
  split: FieldOrValue.optional(),
  /** The trace's own id; without it, "<source_dataset>:<source_question_id>". */
  id: fieldPath.optional(),
  /** The object holding medeval's `generation` / `translation` provenance, for traces medeval made. */
  provenance: fieldPath.optional(),
});

export type TraceFieldMap = z.infer<typeof TraceFieldMapSchema>;

/**
 * Published trace sets whose columns were read from their cards and from code that loads them.
 * - medreason (UCSC-VLAA/MedReason): question, options ("A. …" lines under "Answer Choices:"),
 *   answer (the correct option's text), reasoning, dataset_name, id_in_dataset.
 * - medical-o1 (FreedomIntelligence/medical-o1-reasoning-SFT, config en): Question,
 *   Complex_CoT, Response. Open questions with no options: every row is rejected with that
 *   reason (medeval's traces are multiple choice); a copy that adds an `options` column of
 *   "A. …" lines imports.
 * - medeval-sft: what `medeval traces export --format chat` writes (its `medeval` object).
 */
export const TRACE_PRESETS: Record<string, TraceFieldMap> = {
  medreason: {
    question: "question",
    options: { string: "options" },
    answer: { field: "answer", encoding: "text" },
    reasoning: "reasoning",
    source_question_id: "id_in_dataset",
    source_dataset: { field: "dataset_name" },
    lang: { value: "en" },
    split: { value: "train" },
  },
  "medical-o1": {
    question: "Question",
    options: { string: "options" },
    answer: { field: "Response", encoding: "text" },
    reasoning: "Complex_CoT",
    source_dataset: { value: "medical-o1-reasoning-sft" },
    lang: { value: "en" },
    split: { value: "train" },
  },
  "medeval-sft": {
    question: "medeval.question",
    options: { array: "medeval.options" },
    answer: { field: "medeval.answer", encoding: "letter" },
    reasoning: "medeval.reasoning",
    source_question_id: "medeval.source_question_id",
    source_dataset: { field: "medeval.source_dataset" },
    lang: { field: "medeval.lang" },
    split: { field: "medeval.split" },
    id: "medeval.id",
    provenance: "medeval",
  },
};

/** A preset name, or a YAML file holding a trace field map. */
export function loadTraceFieldMap(nameOrFile: string): TraceFieldMap {
  const preset = TRACE_PRESETS[nameOrFile];
  if (preset) return preset;
  if (!existsSync(nameOrFile)) {
    throw new UserError(`--fields ${nameOrFile}: neither a preset (${Object.keys(TRACE_PRESETS).join(", ")}) nor a file. Give a preset name or a YAML field map.`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(nameOrFile, "utf8"));
  } catch (err) {
    throw new UserError(`${nameOrFile}: not valid YAML (${(err as Error).message}).`);
  }
  const parsed = TraceFieldMapSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`${nameOrFile}: ${issue.path.join(".") || "(field map)"}: ${issue.message}. Fields: question, options, answer, reasoning, source_dataset, and optionally source_question_id, lang, split, id, provenance.`);
  }
  return parsed.data;
}

const NO_OPTIONS = "the row has no answer options (an open question?); medeval keeps multiple-choice traces only";

/**
 * One row of a trace set in the store's own schema (for parseTraceRow), or why it cannot be
 * one. `index` is the 0-based row number (the source question id when the map names none).
 */
export function mapTraceRow(data: unknown, where: string, index: number, map: TraceFieldMap, file: string): Record<string, unknown> | RejectedRow {
  if (!isPlainObject(data)) return { where, field: "(row)", message: "expected a JSON object" };
  const optionsAt = "string" in map.options ? map.options.string : "object" in map.options ? map.options.object : "array" in map.options ? map.options.array : null;
  if (optionsAt !== null && (valueAt(data, optionsAt) === undefined || valueAt(data, optionsAt) === null)) return { where, field: optionsAt, message: NO_OPTIONS };
  const read = (source: { field: string } | { value: string } | undefined, what: string): string | RejectedRow | undefined => {
    if (source === undefined) return undefined;
    if ("value" in source) return source.value;
    const value = valueAt(data, source.field);
    if ((typeof value === "string" && value.trim() !== "") || typeof value === "number") return String(value);
    return { where, field: source.field, message: `${what}: ${value === undefined || value === null ? "missing" : `expected text, found ${typeof value}`}` };
  };
  const item = (() => {
    try {
      return recordToItem({ data, where, index }, { question: map.question, options: map.options, answer: map.answer, id: map.source_question_id }, { file, lang: "" });
    } catch (err) {
      if (err instanceof FieldError) return { where, field: err.field, message: err.problem } satisfies RejectedRow;
      throw err;
    }
  })();
  if ("where" in item) return item;
  const sourceDataset = read(map.source_dataset, "source dataset");
  const lang = read(map.lang, "language");
  const split = read(map.split, "split");
  for (const v of [sourceDataset, lang, split]) if (typeof v === "object") return v;
  const id = map.id === undefined ? `${sourceDataset as string}:${item.id}` : valueAt(data, map.id);
  return {
    id,
    ...(lang === undefined ? {} : { lang }),
    source_dataset: sourceDataset,
    source_question_id: item.id,
    ...(split === undefined ? {} : { split }),
    question: item.question,
    options: item.options,
    answer: item.answer,
    reasoning: valueAt(data, map.reasoning),
    ...(map.provenance === undefined ? {} : provenanceAt(data, map.provenance)),
  };
}

/** `generation` and `translation` under the map's provenance field, where the row has them. */
function provenanceAt(data: Record<string, unknown>, at: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of ["generation", "translation"]) {
    const value = valueAt(data, `${at}.${key}`);
    if (value !== undefined && value !== null) out[key] = value;
  }
  return out;
}
