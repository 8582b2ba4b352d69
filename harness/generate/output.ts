// What a generation job writes: its journal lines (one per question), the kept traces in the
// import format of `medeval traces import` (the provenance under `generation`, and `translation`
// for a translated trace, which import keeps in the store's provenance columns), the summary per
// task and the card.
import { renameSync, writeFileSync } from "node:fs";
import { parseJsonLine, type LineFormat } from "../engine/line-journal.ts";
import { UserError } from "../user-error.ts";
import type { Trace } from "../traces/schema.ts";
import type { GenerationProvenance, TranslationProvenance } from "../traces/provenance.ts";
import { noRejects, REJECT_REASONS, type RejectCounts } from "./attempts.ts";

/** One kept trace, as `medeval traces import` reads it (the store computes norm_question itself). */
export interface GeneratedTrace extends Omit<Trace, "norm_question"> {
  generation: GenerationProvenance;
  /** Set on a trace translated from another language's trace (--lang-source traces). */
  translation?: TranslationProvenance;
}

/** One question's journal line. */
export interface GenerationLine {
  key: string;
  hash: string;
  task: string;
  lang: string;
  attempts: number;
  rejected: RejectCounts;
  passage_ids: string[];
  /** Set when no attempt was kept and a request failed: the question is not done (a re-run retries it). */
  error: string | null;
  trace: GeneratedTrace | null;
}

export const generationLineFormat: LineFormat<GenerationLine> = {
  parse(text, where) {
    const v = parseJsonLine(text, where) as Partial<GenerationLine>;
    if (typeof v?.key !== "string" || typeof v.hash !== "string" || typeof v.task !== "string" || typeof v.attempts !== "number" || typeof v.rejected !== "object") {
      throw new UserError(`${where}: not a trace generation journal line (key, hash, task, attempts, rejected expected); delete the file to start over`);
    }
    return v as GenerationLine;
  },
  key: (line) => line.key,
};

export interface TaskSummary {
  task: string;
  lang: string;
  questions: number;
  /** Questions with a kept trace. */
  kept: number;
  /** Questions whose every attempt was rejected. */
  unkept: number;
  /** Questions not done: a request failed and nothing was kept, or never reached. */
  missing: number;
  attempts: number;
  rejected: RejectCounts;
}

export function summarize(tasks: { id: string; lang: string; keys: string[] }[], lines: Map<string, GenerationLine>): TaskSummary[] {
  return tasks.map((t) => {
    const s: TaskSummary = { task: t.id, lang: t.lang, questions: t.keys.length, kept: 0, unkept: 0, missing: 0, attempts: 0, rejected: noRejects() };
    for (const key of t.keys) {
      const line = lines.get(key);
      if (!line) {
        s.missing++;
        continue;
      }
      s.attempts += line.attempts;
      for (const reason of REJECT_REASONS) s.rejected[reason] += line.rejected[reason] ?? 0;
      if (line.trace) s.kept++;
      else if (line.error !== null) s.missing++;
      else s.unkept++;
    }
    return s;
  });
}

/** Each row one JSON line, written to a temporary file and renamed: a reader never sees half a file. */
export function writeJsonlAtomic(file: string, rows: readonly unknown[]): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, rows.map((r) => `${JSON.stringify(r)}\n`).join(""));
  renameSync(tmp, file);
}
