// The field map: how a source's columns become a question with options and an answer, in the
// vocabulary of tasks/*.yaml. Tasks read benchmark items through it, traces read trace sets.
import { z } from "zod";

/** How a source's columns become an Item. Field names may be dotted paths ("meta.subject"). */
export interface FieldMap {
  question: string;
  options: OptionsMap;
  answer: { field: string; encoding: AnswerEncoding };
  /** A field, or several joined with "_" (HEAD-QA: exam name + qid). Without it: the row number. */
  id?: string | string[];
  /** Without it, the task's subject (MMLU) is used. */
  subject?: string;
  /** The row's own explanation of its answer, where the source has one (few-shot can show it). */
  explanation?: string;
}

/**
 * - object: one field holding {"A": text, …} or {"1": text, …}; keys in natural order
 * - array: one field holding [text, …], or [{key, text}, …] with `text` (and `key`) naming the members
 * - columns: one column per option (opa..opd, ending0..3)
 * - string: one field holding the options as lines "A. text" / "B) text" (MedReason `options`)
 */
export type OptionsMap =
  | ({ object: string } & AbsentOptions)
  | ({ array: string; text?: string; key?: string } & AbsentOptions)
  | ({ columns: string[] } & AbsentOptions)
  | ({ string: string } & AbsentOptions);

/**
 * Option texts that stand for "no option here" (CasiMedicos writes pandas' NaN as "nan" where
 * a question has four options, not five). Such options, and null ones, are left out; keys of
 * the rest are kept, so a key-encoded answer still points at the right option.
 */
export interface AbsentOptions {
  absent?: string[];
}

/**
 * - letter: "B" is the second option shown
 * - index0 / index1: 1 / 2 is the second option
 * - key: the answer names the key of an option (an object key, or an array member's `key`),
 *   so options with gaps ({"1","2","4","5"}) keep their gold answer
 * - text: the answer is the correct option's text (case, spacing and a final period aside)
 */
export type AnswerEncoding = "letter" | "index0" | "index1" | "key" | "text";

/** Keep only rows whose field equals the value (as text): Global-MMLU rows by subject. */
export type RowFilter = Record<string, string>;

const fieldPath = z.string().min(1);

const absent = z.array(z.string()).min(1).optional();
const OptionsSchema = z.union([
  z.strictObject({ object: fieldPath, absent }),
  z.strictObject({ array: fieldPath, text: fieldPath.optional(), key: fieldPath.optional(), absent }),
  z.strictObject({ columns: z.array(fieldPath).min(2), absent }),
  z.strictObject({ string: fieldPath, absent }),
]);

export const FieldMapSchema = z.strictObject({
  question: fieldPath,
  options: OptionsSchema,
  answer: z.strictObject({ field: fieldPath, encoding: z.enum(["letter", "index0", "index1", "key", "text"]) }),
  id: z.union([fieldPath, z.array(fieldPath).min(1)]).optional(),
  subject: fieldPath.optional(),
  /** The split's own worked explanation (MedMCQA `exp`, CasiMedicos `explanation`): plain few-shot can show it. */
  explanation: fieldPath.optional(),
});

