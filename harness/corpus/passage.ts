// One corpus row as a passage: id, title, text, language, url, read from the fields a field
// map names (by default those names, and `lang` for the language). A row without an id gets
// one from its text, so a re-import of the same file finds the same ids.
import { sha256 } from "../hash.ts";
import { isPlainObject } from "../data/records.ts";

export const PASSAGE_FIELDS = ["id", "title", "text", "language", "url"] as const;
export type PassageField = (typeof PASSAGE_FIELDS)[number];

/** Which source field holds each passage field; a field not named is read under its own name. */
export type PassageFieldMap = Partial<Record<PassageField, string>>;

export interface Passage {
  id: string;
  title: string;
  text: string;
  language: string;
  url: string | null;
}

export interface RejectedPassage {
  /** "line 12", "row 5". */
  where: string;
  field: string;
  message: string;
}

export function isRejectedPassage(value: Passage | RejectedPassage): value is RejectedPassage {
  return "message" in value;
}

const LANGUAGE_CODE = /^[a-z]{2,3}$/;

export function parsePassage(data: unknown, where: string, fields: PassageFieldMap, langDefault?: string): Passage | RejectedPassage {
  const reject = (field: string, message: string): RejectedPassage => ({ where, field, message });
  if (!isPlainObject(data)) return reject("(row)", "expected a JSON object");
  const name = (f: PassageField) => fields[f] ?? f;

  const text = data[name("text")];
  if (typeof text !== "string" || text.trim() === "") return reject(name("text"), text === undefined ? "missing (the passage text)" : "must be a non-empty string");

  const langField = fields.language ?? (data.language !== undefined ? "language" : "lang");
  const rawLang = data[langField] ?? langDefault;
  if (rawLang === undefined || rawLang === null) return reject(langField, "missing; give each row a language code, or pass --lang-default");
  const language = String(rawLang).toLowerCase();
  if (!LANGUAGE_CODE.test(language)) return reject(langField, `"${String(rawLang)}" is not a language code (en, it, es, fr …)`);

  const rawId = data[name("id")];
  if (rawId !== undefined && rawId !== null && typeof rawId !== "string" && typeof rawId !== "number") return reject(name("id"), "must be a string or a number");
  const id = rawId === undefined || rawId === null || String(rawId).trim() === "" ? `sha256:${sha256(text).slice(0, 16)}` : String(rawId).trim();

  const title = data[name("title")];
  if (title !== undefined && title !== null && typeof title !== "string") return reject(name("title"), "must be a string");
  const url = data[name("url")];
  if (url !== undefined && url !== null && typeof url !== "string") return reject(name("url"), "must be a string");
  return { id, title: title ?? "", text, language, url: url ?? null };
}
