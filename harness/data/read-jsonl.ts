// JSON Lines: one object per line; blank lines are allowed (trailing newline, CRLF files).
import { readFile } from "node:fs/promises";
import { UserError } from "../types.ts";
import { isPlainObject, type SourceRecord } from "./records.ts";

export function parseJsonl(text: string, file: string): SourceRecord[] {
  const records: SourceRecord[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new UserError(`${file}, line ${i + 1}: not valid JSON (${(err as Error).message}). Each line of a .jsonl file must be one JSON object.`);
    }
    if (!isPlainObject(value)) {
      throw new UserError(`${file}, line ${i + 1}: expected a JSON object, found ${describe(value)}.`);
    }
    records.push({ data: value, index: records.length, where: `line ${i + 1}` });
  }
  return records;
}

export async function readJsonl(file: string): Promise<SourceRecord[]> {
  return parseJsonl(await readFile(file, "utf8"), file);
}

export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}
