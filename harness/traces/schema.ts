// What a reasoning trace is, as read from a file (loose: ids may be numbers, options a list or
// an object keyed by letter, the answer a letter or a 0-based index) and as stored (strict:
// strings, a list of options, the answer as a letter).
import { z } from "zod";
import { LETTERS, letterOf } from "../types.ts";
import { normalizeQuestion } from "./normalize.ts";
import { GenerationProvenanceSchema, TranslationProvenanceSchema, type TraceProvenance } from "./provenance.ts";

/**
 * Which split of its source dataset the trace's question came from: a trace written for a
 * test question of the benchmark being evaluated is another item's answer key. "unknown"
 * when the source does not say (and for every trace of a store made before splits were kept).
 */
export const TRACE_SPLITS = ["train", "dev", "test", "unknown"] as const;
export type TraceSplit = (typeof TRACE_SPLITS)[number];

const SPLIT_NAMES: Record<string, TraceSplit> = { train: "train", training: "train", dev: "dev", validation: "dev", valid: "dev", val: "dev", test: "test", unknown: "unknown" };

/** A split named as a whole word of a source question id: "en_test_5", "medqa-train-17", "dev/12". */
const SPLIT_IN_ID = /(?:^|[_\-.:/\s])(train|training|dev|validation|valid|val|test)(?=$|[_\-.:/\s\d])/i;

export function splitFromId(sourceQuestionId: string): TraceSplit {
  const m = SPLIT_IN_ID.exec(sourceQuestionId);
  return m ? SPLIT_NAMES[m[1].toLowerCase()] : "unknown";
}

/** A trace as the store holds it and selection returns it. */
export interface Trace {
  /** Unique within its language. */
  id: string;
  lang: string;
  source_dataset: string;
  source_question_id: string;
  /** From the row's `split` field, else from its source question id, else "unknown". */
  split: TraceSplit;
  question: string;
  options: string[];
  /** The correct option's letter (A, B, …). */
  answer: string;
  reasoning: string;
  /** normalizeQuestion(question), for the leakage guard. */
  norm_question: string;
}

/** A trace ready to be written: its vector and, for a trace medeval made, its provenance travel with it. */
export interface TraceRow extends Trace {
  vector?: number[];
  provenance?: TraceProvenance;
}

const idLike = z.union([z.string().trim().min(1), z.number(), z.bigint()]).transform((v) => String(v));

const optionsField = z.union([
  z.array(z.string()).min(2).max(LETTERS.length),
  // {"A": "...", "B": "..."}: ordered by letter, and the letters must run A, B, C… without gaps.
  z
    .record(z.string(), z.string())
    .transform((obj, ctx) => {
      const keys = Object.keys(obj).map((k) => k.trim().toUpperCase()).sort();
      const expected = LETTERS.slice(0, keys.length);
      if (keys.length < 2 || keys.length > LETTERS.length || keys.some((k, i) => k !== expected[i])) {
        ctx.addIssue({ code: "custom", message: `expected option keys A, B, C… without gaps, found ${Object.keys(obj).join(", ")}` });
        return z.NEVER;
      }
      const byKey = new Map(Object.entries(obj).map(([k, v]) => [k.trim().toUpperCase(), v]));
      return keys.map((k) => byKey.get(k) as string);
    }),
]);

const answerField = z.union([
  z
    .string()
    .trim()
    .regex(/^\(?[A-Ja-j]\)?$/, "expected a letter A–J or a 0-based option index")
    .transform((s) => s.replace(/[()]/g, "").toUpperCase()),
  z.number().int().nonnegative(),
  z.bigint().nonnegative().transform((i) => Number(i)),
]);

export const TraceInputSchema = z
  .object({
    id: idLike,
    lang: z.string().trim().regex(/^[a-z]{2,3}$/, "expected a language code such as en, it, es").optional(),
    source_dataset: z.string().trim().min(1),
    source_question_id: idLike,
    split: z
      .string()
      .trim()
      .transform((v, ctx) => {
        const split = SPLIT_NAMES[v.toLowerCase()];
        if (split) return split;
        ctx.addIssue({ code: "custom", message: `expected train, dev (or validation), test or unknown, found ${JSON.stringify(v)}` });
        return z.NEVER;
      })
      .optional(),
    question: z.string().trim().min(1),
    options: optionsField,
    answer: answerField,
    reasoning: z.string().trim().min(1),
    vector: z.array(z.number()).min(1).optional(),
    /** What `medeval traces generate` records: kept in the store's provenance columns. */
    generation: GenerationProvenanceSchema.optional(),
    translation: TranslationProvenanceSchema.optional(),
  })
  .superRefine((row, ctx) => {
    const index = typeof row.answer === "number" ? row.answer : LETTERS.indexOf(row.answer as (typeof LETTERS)[number]);
    if (index >= row.options.length) {
      ctx.addIssue({ code: "custom", path: ["answer"], message: `answer ${row.answer} points past the ${row.options.length} options` });
    }
  });

export interface RejectedRow {
  /** "line 12" (jsonl) or "row 12" (parquet). */
  where: string;
  field: string;
  message: string;
}

/** A raw record becomes a TraceRow, or the first reason it cannot be one. */
export function parseTraceRow(raw: unknown, where: string, langDefault?: string): TraceRow | RejectedRow {
  const parsed = TraceInputSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.length > 0 ? issue.path.join(".") : "(row)";
    const received = raw && typeof raw === "object" && issue.path.length > 0 ? valueAt(raw, issue.path) : raw;
    const message = received === undefined ? "missing" : issue.message;
    return { where, field, message };
  }
  const row = parsed.data;
  const lang = row.lang ?? langDefault;
  if (lang === undefined) return { where, field: "lang", message: "missing (pass --lang-default LANG for files without a lang field)" };
  const answer = typeof row.answer === "number" ? letterOf(row.answer) : row.answer;
  return {
    id: row.id,
    lang,
    source_dataset: row.source_dataset,
    source_question_id: row.source_question_id,
    split: row.split ?? splitFromId(row.source_question_id),
    question: row.question,
    options: row.options,
    answer,
    reasoning: row.reasoning,
    norm_question: normalizeQuestion(row.question),
    vector: row.vector,
    ...(row.generation || row.translation ? { provenance: { generation: row.generation, translation: row.translation } } : {}),
  };
}

export function isRejected(value: TraceRow | RejectedRow): value is RejectedRow {
  return (value as RejectedRow).field !== undefined && (value as TraceRow).id === undefined;
}

function valueAt(obj: object, path: PropertyKey[]): unknown {
  let cur: unknown = obj;
  for (const key of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}
