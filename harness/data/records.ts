// What every reader returns: plain records, each with where it came from in the file, so a
// malformed row can be reported as "file, line 12" whatever the format.

export interface SourceRecord {
  data: Record<string, unknown>;
  /** 0-based position of the record in the file (before any filtering): a stable row number. */
  index: number;
  /** Where a person finds it in the file: "line 12" (jsonl, csv), "record 5" (json), "row 5" (parquet). */
  where: string;
}

export type DataFormat =
  | { type: "jsonl" }
  /** records: dotted path to the array inside the document ("data", "rows.items"); none: the document is the array. */
  | { type: "json"; records?: string }
  /** header false: columns names the fields in order (otherwise they are "0", "1", …). */
  | { type: "csv"; header: boolean; columns?: string[]; delimiter?: string }
  | { type: "parquet" };

export type DataFormatType = DataFormat["type"];

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
