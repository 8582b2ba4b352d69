// The shapes the rest of medeval sees: one TaskSpec per task id ("medqa.en",
// "mmlu_medical.anatomy.es"), each naming where its test and few-shot pool come from.
import type { DataFormat } from "../data/records.ts";

export type Domain = "in-domain" | "out-of-domain";
/** test: what is evaluated; pool: few-shot examples; train: questions for trace generation (never evaluated, never shots). */
export type Split = "test" | "pool" | "train";

export type { AbsentOptions, AnswerEncoding, FieldMap, OptionsMap, RowFilter } from "../data/field-map.ts";
import type { FieldMap, RowFilter } from "../data/field-map.ts";

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
  /** The data's licence, as the task file states it. */
  license?: string;
  /** Item counts from the source's card (not counted), where the task file gives them. */
  declaredSize?: { test?: number; pool?: number };
  group?: string;
  test: SourceSpec | null;
  pool: SourceSpec | null;
  /** The benchmark's training questions, where the task file names them (trace generation reads them). */
  train?: SourceSpec | null;
  /** Which of the benchmark's splits `test` is (default "test"; "dev" for MedMCQA, whose validation split is its test set). */
  evaluatedSplit?: "dev" | "test";
  /** The YAML file that defines the task. */
  file: string;
}
