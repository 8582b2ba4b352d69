// Parquet through hyparquet (+ compressors for zstd, gzip, brotli, lz4). 64-bit integers come
// back as BigInt; they become numbers (or strings, when too large to be exact).
import { asyncBufferFromFile, parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { UserError } from "../types.ts";
import type { SourceRecord } from "./records.ts";

export async function readParquet(file: string): Promise<SourceRecord[]> {
  let rows: Record<string, unknown>[];
  try {
    rows = await parquetReadObjects({ file: await asyncBufferFromFile(file), compressors });
  } catch (err) {
    throw new UserError(`${file}: not a readable parquet file (${(err as Error).message}).`);
  }
  return rows.map((row, index) => ({ data: normalizeBigInts(row) as Record<string, unknown>, index, where: `row ${index + 1}` }));
}

export function normalizeBigInts(value: unknown): unknown {
  if (typeof value === "bigint") {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value.toString();
  }
  if (Array.isArray(value)) return value.map(normalizeBigInts);
  if (value && typeof value === "object" && !(value instanceof Date) && !(value instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = normalizeBigInts(v);
    return out;
  }
  return value;
}
