// Trace files, read as a stream by the data room's readers: unreadable lines come back as
// rejects, so an import reports them with the rest.
import { streamFormatOf, streamRecords, type StreamFormat } from "../data/stream-records.ts";
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

export type TraceFileFormat = StreamFormat;

export function formatOf(path: string): TraceFileFormat {
  const format = streamFormatOf(path);
  if (!format) throw new UserError(`${path}: unknown trace file type. Expected .jsonl, .jsonl.gz, .json (JSON Lines or one array) or .parquet.`);
  return format;
}

/** Every record of a local trace file, in file order; unreadable lines come back as rejects. */
export async function* readTraceFile(path: string): AsyncGenerator<RawRecord | RejectedRow> {
  for await (const record of streamRecords(path, "trace file", formatOf(path))) {
    yield "data" in record ? record : { where: record.where, field: "(json)", message: record.unreadable };
  }
}
