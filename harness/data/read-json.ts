// A JSON document holding the records: an array, or an object with the array at a dotted path.
import { readFile } from "node:fs/promises";
import { UserError } from "../types.ts";
import { describe } from "./read-jsonl.ts";
import { isPlainObject, type SourceRecord } from "./records.ts";

/** Parses a JSON document, reporting a syntax error with its 1-based line. */
export function parseJsonDocument(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const line = lineOfError(text, message);
    throw new UserError(`${file}${line ? `, line ${line}` : ""}: not valid JSON (${message}).`);
  }
}

export function recordsFromDocument(doc: unknown, file: string, recordsPath?: string): SourceRecord[] {
  let array: unknown = doc;
  if (recordsPath) {
    for (const key of recordsPath.split(".")) {
      if (!isPlainObject(array) || !(key in array)) {
        throw new UserError(`${file}: expected the records at "${recordsPath}", but "${key}" is missing. Check \`format.records\` in the task file.`);
      }
      array = array[key];
    }
  }
  if (!Array.isArray(array)) {
    const at = recordsPath ? `at "${recordsPath}"` : "at the top level";
    throw new UserError(`${file}: expected an array of records ${at}, found ${describe(array)}. Set \`format.records\` to the path of the array, or name a preprocess.`);
  }
  return array.map((value, index) => {
    if (!isPlainObject(value)) throw new UserError(`${file}, record ${index + 1}: expected a JSON object, found ${describe(value)}.`);
    return { data: value, index, where: `record ${index + 1}` };
  });
}

export async function readJsonDocument(file: string): Promise<unknown> {
  return parseJsonDocument(await readFile(file, "utf8"), file);
}

export async function readJson(file: string, recordsPath?: string): Promise<SourceRecord[]> {
  return recordsFromDocument(await readJsonDocument(file), file, recordsPath);
}

// V8 says where in one of three ways: "(line L column C)" (Node 22+), "at position N", or
// (Node 20) by quoting ~10 characters either side of the error: `..."ctx"... is not valid JSON`.
function lineOfError(text: string, message: string): number | undefined {
  const explicit = /line (\d+)/.exec(message);
  if (explicit) return Number(explicit[1]);
  const position = /position (\d+)/.exec(message);
  if (position) return lineAt(text, Number(position[1]));
  if (/Unexpected end of JSON input/.test(message)) return lineAt(text, text.trimEnd().length);
  const quoted = /^Unexpected token '([\s\S])', (\.\.\.)?"([\s\S]*)"(\.\.\.)? is not valid JSON$/.exec(message);
  if (!quoted) return undefined;
  const [, token, cutBefore, context] = quoted;
  const start = text.indexOf(context);
  if (start < 0) return undefined;
  const offset = cutBefore ? 10 : Math.max(0, context.indexOf(token));
  return lineAt(text, start + offset);
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
