// The shapes the rest of medeval sees: one TaskSpec per task id ("medqa.en",
// "mmlu_medical.anatomy.es"), each naming where its test and few-shot pool come from.
import type { DataFormat } from "../data/records.ts";

export type Domain = "in-domain" | "out-of-domain";
export type Split = "test" | "pool";

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
 */
export type OptionsMap =
  | ({ object: string } & AbsentOptions)
  | ({ array: string; text?: string; key?: string } & AbsentOptions)
  | ({ columns: string[] } & AbsentOptions);

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
 */
export type AnswerEncoding = "letter" | "index0" | "index1" | "key";

/** Keep only rows whose field equals the value (as text): Global-MMLU rows by subject. */
export type RowFilter = Record<string, string>;

interface SourceCommon {
  path: string;
  format: DataFormat;
  fields: FieldMap;
  filter?: RowFilter;
  /** A named document preprocess (harness/tasks/preprocess.ts), for nested JSON. */
  preprocess?: string;
  /** Item ids left out on purpose (a broken row in the source), each explained in the task file. */
  exclude?: string[];
}

/** A file under the data directory (--data-dir / $MEDEVAL_DATA_DIR), laid out like ../shared/datasets. */
export interface LocalSourceSpec extends SourceCommon {
  /** The file's sha256 when it was registered (a translated split); another file is refused. */
  sha256?: string;
}

export interface HubSourceSpec extends SourceCommon {
  repo: string;
  revision: string;
}

export interface SourceSpec {
  local?: LocalSourceSpec;
  hub?: HubSourceSpec;
}

export interface TaskSpec {
  id: string;
  family: string;
  lang: string;
  subject?: string;
  domain: Domain;
  group?: string;
  test: SourceSpec | null;
  pool: SourceSpec | null;
  /** Which of the benchmark's splits `test` is (default "test"; "dev" for MedMCQA, whose validation split is its test set). */
  evaluatedSplit?: "dev" | "test";
  /** The YAML file that defines the task. */
  file: string;
}
