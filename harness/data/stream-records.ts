// Streaming readers for large files: jsonl line by line (optionally gzipped), parquet one row
// group at a time, so memory stays flat however large the file is. The readers beside this
// one (read-jsonl.ts, read-parquet.ts) load a whole file (as does a `.json` file holding one
// JSON array), which suits task data, not a corpus
// of millions of rows or a trace set.
import { closeSync, createReadStream, existsSync, openSync, readSync, statSync } from "node:fs";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { UserError } from "../types.ts";
import { readJsonDocument } from "./read-json.ts";
import { normalizeBigInts } from "./read-parquet.ts";

/** A record read, or a line that could not be read (bad JSON), with where it is in the file. */
export type StreamedRecord = { data: unknown; where: string } | { unreadable: string; where: string };

export type StreamFormat = "jsonl" | "parquet";

/** The format a file name says, or undefined for one it does not. */
export function streamFormatOf(path: string): StreamFormat | undefined {
  if (/\.jsonl?(\.gz)?$/i.test(path)) return "jsonl";
  if (/\.parquet$/i.test(path)) return "parquet";
  return undefined;
}

/** Every record of a local file, in file order; `what` names the file's role in errors ("trace file"). */
export function streamRecords(path: string, what: string, format: StreamFormat): AsyncGenerator<StreamedRecord> {
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new UserError(`${path}: no such file. Give a .jsonl or .parquet ${what}, or hf:REPO@REVISION:PATH.`);
  }
  if (format === "parquet") return streamParquet(path);
  return startsWithArray(path) ? streamJsonArray(path) : streamJsonl(path);
}

/**
 * A `.json` file is JSON Lines on many Hub repos (MedQA's test.json) and one JSON array on
 * others (medical-o1-reasoning-SFT's): the first character says which.
 */
function startsWithArray(path: string): boolean {
  if (!/\.json$/i.test(path)) return false;
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(4096);
    const n = readSync(fd, head, 0, head.length, 0);
    return head.subarray(0, n).toString("utf8").replace(/^\uFEFF/, "").trimStart().startsWith("[");
  } finally {
    closeSync(fd);
  }
}

/** A JSON array of records: read whole (such files are published at tens of MB, not the corpus sizes jsonl serves). */
async function* streamJsonArray(path: string): AsyncGenerator<StreamedRecord> {
  const doc = await readJsonDocument(path);
  if (!Array.isArray(doc)) throw new UserError(`${path}: expected a JSON array of records or JSON Lines.`);
  for (let i = 0; i < doc.length; i++) yield { data: doc[i], where: `record ${i + 1}` };
}

async function* streamJsonl(path: string): AsyncGenerator<StreamedRecord> {
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
      yield { unreadable: `not valid JSON (${(err as Error).message})`, where };
    }
  }
}

async function* streamParquet(path: string): AsyncGenerator<StreamedRecord> {
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
    for (let i = 0; i < rows.length; i++) yield { data: normalizeBigInts(rows[i]), where: `row ${rowStart + i + 1}` };
    rowStart = rowEnd;
  }
}
