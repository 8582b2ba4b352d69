// Streaming readers for trace files: jsonl line by line (optionally gzipped), parquet one row
// group at a time, so memory stays flat however large the file is.
import { createReadStream, existsSync, statSync } from "node:fs";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { UserError } from "../types.ts";
import type { RejectedRow } from "./schema.ts";

export interface RawRecord {
  data: unknown;
  /** "line 12" or "row 12": where a person finds it in the file. */
  where: string;
}

export function isRawRecord(value: RawRecord | RejectedRow): value is RawRecord {
  return "data" in value;
}

export type TraceFileFormat = "jsonl" | "parquet";

export function formatOf(path: string): TraceFileFormat {
  if (/\.jsonl?(\.gz)?$/i.test(path)) return "jsonl";
  if (/\.parquet$/i.test(path)) return "parquet";
  throw new UserError(`${path}: unknown trace file type. Expected .jsonl, .jsonl.gz or .parquet.`);
}

/** Every record of a local trace file, in file order; unreadable lines come back as rejects. */
export function readTraceFile(path: string): AsyncGenerator<RawRecord | RejectedRow> {
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new UserError(`${path}: no such file. Give a .jsonl or .parquet file, or hf:REPO@REVISION:PATH.`);
  }
  return formatOf(path) === "jsonl" ? readJsonlRecords(path) : readParquetRecords(path);
}

async function* readJsonlRecords(path: string): AsyncGenerator<RawRecord | RejectedRow> {
  const bytes = createReadStream(path, { highWaterMark: 1 << 20 });
  const text = /\.gz$/i.test(path) ? bytes.pipe(createGunzip()) : bytes;
  const lines = createInterface({ input: text, crlfDelay: Infinity });
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === "") continue;
    const where = `line ${lineNo}`;
    try {
      yield { data: JSON.parse(line), where };
    } catch (err) {
      yield { where, field: "(json)", message: `not valid JSON (${(err as Error).message})` };
    }
  }
}

async function* readParquetRecords(path: string): AsyncGenerator<RawRecord | RejectedRow> {
  let file;
  let metadata;
  try {
    file = await asyncBufferFromFile(path);
    metadata = await parquetMetadataAsync(file);
  } catch (err) {
    throw new UserError(`${path}: not a readable parquet file (${(err as Error).message}).`);
  }
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const rows = await parquetReadObjects({ file, metadata, rowStart, rowEnd, compressors });
    for (let i = 0; i < rows.length; i++) yield { data: rows[i], where: `row ${rowStart + i + 1}` };
    rowStart = rowEnd;
  }
}
