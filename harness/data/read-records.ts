// One entry point over the readers: a file and its format in, records out. The CSV and
// parquet readers are imported when a file needs them: their libraries (hyparquet's
// decompressors above all) would otherwise add to every start of `medeval run`.
import { parseJsonDocument, recordsFromDocument } from "./read-json.ts";
import { readJsonl, readJsonlLazily } from "./read-jsonl.ts";
import type { DataFormat, SourceRecord } from "./records.ts";
import { readFile } from "node:fs/promises";

export async function readRecords(file: string, format: DataFormat): Promise<SourceRecord[]> {
  switch (format.type) {
    case "jsonl":
      return readJsonl(file);
    case "json":
      return recordsFromDocument(parseJsonDocument(await readFile(file, "utf8"), file), file, format.records);
    case "csv":
      return (await import("./read-csv.ts")).readCsv(file, format);
    case "parquet":
      return (await import("./read-parquet.ts")).readParquet(file);
  }
}

/** The same records, taken one at a time where the format allows it (JSON Lines): a caller that keeps less than a record per record stays small. */
export async function readRecordsLazily(file: string, format: DataFormat): Promise<Iterable<SourceRecord>> {
  return format.type === "jsonl" ? readJsonlLazily(file) : readRecords(file, format);
}
