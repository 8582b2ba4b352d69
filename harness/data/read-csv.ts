// CSV through csv-parse (quoted commas, doubled quotes, newlines inside quotes), with or
// without a header row. Each record keeps the line it starts on.
import { readFile } from "node:fs/promises";
import { parse } from "csv-parse/sync";
import { UserError } from "../types.ts";
import type { SourceRecord } from "./records.ts";

export interface CsvOptions {
  header: boolean;
  /** Field names when there is no header; without them fields are named "0", "1", …. */
  columns?: string[];
  delimiter?: string;
}

export function parseCsv(text: string, file: string, options: CsvOptions): SourceRecord[] {
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parse(text, {
      bom: true,
      delimiter: options.delimiter ?? ",",
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    const e = err as Error & { lines?: number };
    throw new UserError(`${file}${e.lines ? `, line ${e.lines}` : ""}: not valid CSV (${e.message}).`);
  }
  let names = options.columns;
  let body = rows;
  if (options.header) {
    const head = rows[0];
    if (!head) throw new UserError(`${file}: the CSV file is empty, but a header row was expected.`);
    names = head.record;
    body = rows.slice(1);
  }
  const width = names?.length;
  return body.map(({ record, info }, index) => {
    // info.lines is the line the record ends on; a record spans one line more per newline inside quotes.
    const line = info.lines - record.reduce((n, cell) => n + countNewlines(cell), 0);
    if (width !== undefined && record.length !== width) {
      throw new UserError(`${file}, line ${line}: expected ${width} columns (${names!.join(", ")}), found ${record.length}.`);
    }
    const data: Record<string, unknown> = {};
    record.forEach((cell, i) => {
      data[names ? names[i] : String(i)] = cell;
    });
    return { data, index, where: `line ${line}` };
  });
}

export async function readCsv(file: string, options: CsvOptions): Promise<SourceRecord[]> {
  return parseCsv(await readFile(file, "utf8"), file, options);
}

function countNewlines(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}
