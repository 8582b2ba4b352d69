// What a translation leaves behind: the translated split as a plain JSONL file (one item per
// line, the registry's jsonl field map), a translation card beside it, the YAML source block
// that registers it, and the flagged-items summary.
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { stringify as stringifyYaml } from "yaml";
import { sha256 } from "../hash.ts";
import type { Item } from "../types.ts";
import type { CheckName } from "./checks.ts";
import type { TranslationLine } from "./translate.ts";

/** The field map of a file written here, as a task file's source gives it. */
export const TRANSLATED_FIELDS = {
  id: "id",
  question: "question",
  options: { array: "options" },
  answer: { field: "answer", encoding: "index0" },
  subject: "subject",
} as const;

export interface SplitResult {
  items: Item[];
  flagged: TranslationLine[];
  failed: TranslationLine[];
  dropped: number;
  /** Failing items per check. */
  failing: Partial<Record<CheckName, number>>;
}

/** The registered split from the journal lines, in source order; flagged items dropped when asked. */
export function splitResult(sourceIds: string[], lines: Map<string, TranslationLine>, dropFlagged: boolean): SplitResult {
  const out: SplitResult = { items: [], flagged: [], failed: [], dropped: 0, failing: {} };
  for (const id of sourceIds) {
    const line = lines.get(id);
    if (!line) continue;
    if (line.failed || !line.item) {
      out.failed.push(line);
      continue;
    }
    for (const c of line.checks) if (!c.pass) out.failing[c.name] = (out.failing[c.name] ?? 0) + 1;
    if (line.flagged) {
      out.flagged.push(line);
      if (dropFlagged) {
        out.dropped++;
        continue;
      }
    }
    out.items.push(line.item);
  }
  return out;
}

export function writeAtomic(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

/** Writes the JSONL file; returns its sha256 (what the registered source and run.json carry). */
export function writeTranslatedSplit(file: string, items: Item[]): string {
  const text = items.map((i) => JSON.stringify({ id: i.id, question: i.question, options: i.options, answer: i.answer, subject: i.subject })).join("\n") + "\n";
  writeAtomic(file, text);
  return sha256(text);
}

export interface TranslationCard {
  source: { task: string; split: string; sha256: string; items: number };
  target: { lang: string; file: string; sha256: string; items: number };
  translator: { model: string; checkpoint: string | null };
  prompt_hash: string;
  parameters: Record<string, unknown>;
  checks: { failing: Partial<Record<CheckName, number>>; flagged: string[]; failed: { id: string; error: string | null }[] };
  counts: { translated: number; flagged: number; failed: number; dropped: number };
}

export function writeCard(file: string, card: TranslationCard): void {
  writeAtomic(file, `${JSON.stringify(card, null, 2)}\n`);
}

/** The local source block of a task file for the translated split (path relative to the data dir). */
export function sourceYaml(path: string): string {
  return stringifyYaml({ local: { path, format: "jsonl", fields: TRANSLATED_FIELDS } });
}

/** One line per check: how many items fail it. */
export function summaryTable(result: SplitResult, total: number): string {
  const rows = Object.entries(result.failing).map(([name, n]) => `  ${name.padEnd(18)} ${String(n).padStart(5)}`);
  return [
    `  translated ${result.items.length + result.dropped}/${total}, flagged ${result.flagged.length}, failed ${result.failed.length}, dropped ${result.dropped}`,
    ...(rows.length ? ["  check              fails", ...rows] : ["  every check passed"]),
  ].join("\n");
}
