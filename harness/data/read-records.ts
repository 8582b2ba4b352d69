// One entry point over the readers: a file and its format in, records out.
import { parseJsonDocument, recordsFromDocument } from "./read-json.ts";
import { readCsv } from "./read-csv.ts";
import { readJsonl } from "./read-jsonl.ts";
import { readParquet } from "./read-parquet.ts";
import type { DataFormat, SourceRecord } from "./records.ts";
import { readFile } from "node:fs/promises";

export async function readRecords(file: string, format: DataFormat): Promise<SourceRecord[]> {
  switch (format.type) {
    case "jsonl":
      return readJsonl(file);
    case "json":
      return recordsFromDocument(parseJsonDocument(await readFile(file, "utf8"), file), file, format.records);
    case "csv":
      return readCsv(file, format);
    case "parquet":
      return readParquet(file);
  }
}
