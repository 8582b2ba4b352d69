// JSON Lines: one object per line; blank lines are allowed (trailing newline, CRLF files).
import { readFile } from "node:fs/promises";
import { UserError } from "../types.ts";
import { isPlainObject, type SourceRecord } from "./records.ts";

export function parseJsonl(text: string, file: string): SourceRecord[] {
  return [...jsonlRecords(text, file)];
}

/**
 * The records of a JSON Lines text one at a time, so that a caller turning each into something
 * smaller (an item) never holds them all: a task of 200,000 questions needs its items, not
 * its records as well.
 */
export function* jsonlRecords(text: string, file: string): Generator<SourceRecord> {
  let index = 0;
  let lineNo = 0;
  for (let start = 0; start <= text.length; ) {
    const newline = text.indexOf("\n", start);
    const end = newline === -1 ? text.length : newline;
    lineNo++;
    // A CRLF line's \r goes with the surrounding whitespace.
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new UserError(`${file}, line ${lineNo}: not valid JSON (${(err as Error).message}). Each line of a .jsonl file must be one JSON object.`);
    }
    if (!isPlainObject(value)) {
      throw new UserError(`${file}, line ${lineNo}: expected a JSON object, found ${describe(value)}.`);
    }
    yield { data: value, index: index++, where: `line ${lineNo}` };
  }
}

export async function readJsonl(file: string): Promise<SourceRecord[]> {
  return parseJsonl(await readFile(file, "utf8"), file);
}

/** A JSON Lines file's records, parsed as they are taken. */
export async function readJsonlLazily(file: string): Promise<Iterable<SourceRecord>> {
  return jsonlRecords(await readFile(file, "utf8"), file);
}

export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}
