// One source record → one canonical Item, through the task's field map. Anything that does
// not fit (a missing field, an answer outside the options, fewer than two options) is an
// error naming the file, the line and the field.
import { isPlainObject, type SourceRecord } from "./records.ts";
import { hashJson } from "../hash.ts";
import { LETTERS, UserError, indexOfLetter, type Item } from "../types.ts";
import type { FieldMap, RowFilter } from "./field-map.ts";

export interface ItemContext {
  file: string;
  lang: string;
  subject?: string;
}

interface Option {
  key: string;
  text: string;
}

export function matchesFilter(record: SourceRecord, filter: RowFilter | undefined): boolean {
  if (!filter) return true;
  return Object.entries(filter).every(([field, value]) => String(valueAt(record.data, field) ?? "") === value);
}

/** The item id of a record: the mapped id field(s) joined with "_", else the 0-based row number. */
export function recordId(record: SourceRecord, fields: FieldMap, file: string): string {
  if (fields.id === undefined) return String(record.index);
  const parts = (Array.isArray(fields.id) ? fields.id : [fields.id]).map((field) => {
    const value = valueAt(record.data, field);
    if ((typeof value !== "string" && typeof value !== "number") || String(value).trim() === "") {
      throw new UserError(`${file}, ${record.where}: field "${field}": expected an id (text or number), found ${value === undefined ? "nothing" : JSON.stringify(value)}.`);
    }
    return String(value);
  });
  return parts.join("_");
}

/** A row that does not fit its field map: the field and what is wrong, for callers that reject rows rather than stop. */
export class FieldError extends UserError {
  constructor(
    message: string,
    readonly field: string,
    readonly problem: string,
  ) {
    super(message);
  }
}

export function recordToItem(record: SourceRecord, fields: FieldMap, context: ItemContext): Item {
  const fail = (field: string, problem: string): never => {
    throw new FieldError(`${context.file}, ${record.where}: field "${field}": ${problem}.`, field, problem);
  };
  const text = (field: string): string => {
    const value = valueAt(record.data, field);
    if (value === undefined || value === null) return fail(field, "missing");
    if (typeof value !== "string" && typeof value !== "number") return fail(field, `expected text, found ${typeof value}`);
    const s = String(value);
    if (s.trim() === "") return fail(field, "empty");
    return s;
  };

  const question = text(fields.question);
  const options = readOptions(record, fields, fail);
  if (options.length < 2) fail(optionsField(fields), `expected at least 2 options, found ${options.length}`);
  if (options.length > LETTERS.length) fail(optionsField(fields), `at most ${LETTERS.length} options are supported, found ${options.length}`);
  const answer = readAnswer(record, fields, options, fail);

  const id = recordId(record, fields, context.file);
  const subject = fields.subject ? optionalText(valueAt(record.data, fields.subject)) ?? context.subject : context.subject;
  const optionTexts = options.map((o) => o.text);
  // Optional per row (MedMCQA leaves many `exp` empty): absent, not an error.
  const explanation = fields.explanation ? optionalText(valueAt(record.data, fields.explanation))?.trim() : undefined;
  return {
    id,
    question,
    options: optionTexts,
    answer,
    lang: context.lang,
    ...(subject ? { subject } : {}),
    ...(explanation ? { explanation } : {}),
    hash: hashJson({ question, options: optionTexts, answer }),
  };
}

type Fail = (field: string, problem: string) => never;

function readOptions(record: SourceRecord, fields: FieldMap, fail: Fail): Option[] {
  const map = fields.options;
  const absent = new Set((map.absent ?? []).map((a) => a.trim().toLowerCase()));
  const isAbsent = (value: unknown) =>
    absent.size > 0 && (value === null || value === undefined || (typeof value === "string" && absent.has(value.trim().toLowerCase())));
  let options: { key: string; value: unknown; at: string }[];
  if ("columns" in map) {
    options = map.columns.map((column) => ({ key: column, value: valueAt(record.data, column), at: column }));
  } else if ("object" in map) {
    const value = valueAt(record.data, map.object);
    if (!isPlainObject(value)) return fail(map.object, "expected an object of options keyed by letter or number");
    options = Object.keys(value)
      .sort(naturalOrder)
      .map((key) => ({ key, value: value[key], at: `${map.object}.${key}` }));
  } else if ("string" in map) {
    const value = valueAt(record.data, map.string);
    if (typeof value !== "string" || value.trim() === "") return fail(map.string, `expected the options as lines "A. text", found ${value === undefined || value === null ? "nothing" : JSON.stringify(value).slice(0, 80)}`);
    options = optionLines(value).map(({ key, text }) => ({ key, value: text, at: `${map.string} (${key})` }));
    if (options.length === 0) return fail(map.string, `no option lines ("A. text", "B) text") in ${JSON.stringify(value.slice(0, 80))}`);
  } else {
    const value = valueAt(record.data, map.array);
    if (!Array.isArray(value)) return fail(map.array, "expected an array of options");
    options = value.map((member, i) => {
      const at = `${map.array}[${i}]`;
      if (map.text === undefined) return { key: String(i), value: member, at };
      if (!isPlainObject(member)) return fail(at, `expected an object with "${map.text}"`);
      const key = map.key === undefined ? String(i) : String(member[map.key] ?? fail(`${at}.${map.key}`, "missing"));
      return { key, value: member[map.text], at: `${at}.${map.text}` };
    });
  }
  return options.filter((o) => !isAbsent(o.value)).map((o) => ({ key: o.key, text: optionText(o.value, o.at, fail) }));
}

function readAnswer(record: SourceRecord, fields: FieldMap, options: Option[], fail: Fail): number {
  const { field, encoding } = fields.answer;
  const raw = valueAt(record.data, field);
  if (raw === undefined || raw === null || raw === "") return fail(field, "missing");
  const shown = JSON.stringify(raw);
  let index: number;
  if (encoding === "letter") {
    const letter = String(raw).trim();
    index = /^[A-Za-z]$/.test(letter) ? indexOfLetter(letter) : -1;
    if (index < 0) fail(field, `expected a letter A-${LETTERS[options.length - 1]}, found ${shown}`);
  } else if (encoding === "key") {
    index = options.findIndex((o) => o.key === String(raw).trim());
    if (index < 0) fail(field, `the answer ${shown} is not among this row's options (keys ${options.map((o) => o.key).join(", ")})`);
  } else if (encoding === "text") {
    const wanted = comparableText(String(raw));
    index = options.findIndex((o) => comparableText(o.text) === wanted);
    if (index < 0) fail(field, `the answer ${shown.slice(0, 120)} is not the text of any of this row's ${options.length} options`);
  } else {
    const n = typeof raw === "number" ? raw : /^\s*-?\d+\s*$/.test(String(raw)) ? Number(raw) : NaN;
    if (!Number.isInteger(n)) fail(field, `expected an integer (${encoding}), found ${shown}`);
    index = encoding === "index1" ? n - 1 : n;
  }
  if (index < 0 || index >= options.length) {
    const range = encoding === "index1" ? `1-${options.length}` : encoding === "index0" ? `0-${options.length - 1}` : `A-${LETTERS[options.length - 1]}`;
    fail(field, `answer ${shown} is out of range for ${options.length} options (expected ${range}, ${encoding})`);
  }
  return index;
}

/** "A. text" / "B) text" / "(C) text" / "D: text" lines, after any heading ("Answer Choices:"); a line without a letter continues the option above. */
export function optionLines(text: string): { key: string; text: string }[] {
  const found: { key: string; text: string }[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*\(?([A-Za-z])[.):]\s+(.*\S)\s*$/.exec(line);
    if (m && m[1].toUpperCase() === LETTERS[found.length]) found.push({ key: m[1].toUpperCase(), text: m[2] });
    else if (found.length > 0 && line.trim() !== "") found[found.length - 1].text += ` ${line.trim()}`;
  }
  return found;
}

function comparableText(text: string): string {
  return text.normalize("NFC").trim().replace(/\s+/g, " ").replace(/[.。]$/, "").toLowerCase();
}

function optionText(value: unknown, at: string, fail: Fail): string {
  if (value === undefined) return fail(at, "missing option");
  if (typeof value !== "string" && typeof value !== "number") return fail(at, `expected option text, found ${value === null ? "null" : typeof value}`);
  const s = String(value);
  if (s.trim() === "") return fail(at, "empty option");
  return s;
}

function optionalText(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value : typeof value === "number" ? String(value) : undefined;
}

function optionsField(fields: FieldMap): string {
  const map = fields.options;
  return "columns" in map ? map.columns.join(",") : "object" in map ? map.object : "string" in map ? map.string : map.array;
}

/** "1" < "2" < "10", "A" < "B": numeric keys by value, the rest as text. */
function naturalOrder(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (a.trim() !== "" && b.trim() !== "" && Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a.localeCompare(b);
}

export function valueAt(data: Record<string, unknown>, path: string): unknown {
  if (path in data) return data[path];
  let value: unknown = data;
  for (const key of path.split(".")) {
    if (!isPlainObject(value)) return undefined;
    value = value[key];
  }
  return value;
}
