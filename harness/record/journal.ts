// The run's journal: samples.jsonl, one finished sample per line, an engine journal
// (engine/line-journal.ts: appended as each sample finishes, fsynced at short intervals, a torn
// last line dropped on open) whose lines are samples filed under (task, item_id).
import { LineJournal, parseJsonLine, readLineJournal, scanLineJournal, type LineFormat, type LineJournalScan } from "../engine/line-journal.ts";
import { SampleSchema, UserError, type Sample } from "../types.ts";

export interface JournalContents {
  /** The last line per (task, item_id): a resumed run may have retried an errored item. */
  samples: Map<string, Sample>;
  /** Sample lines read (blank lines and a torn final line not counted). */
  lines: number;
  /** Bytes of a torn final line that were dropped. */
  tornBytes: number;
}

export function sampleKey(task: string, itemId: string): string {
  return `${task}\u0000${itemId}`;
}

export const SAMPLE_LINES: LineFormat<Sample> = {
  parse(text, where) {
    const parsed = SampleSchema.safeParse(parseJsonLine(text, where));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new UserError(`${where}: not a valid sample: field ${issue.path.join(".") || "(line)"}: ${issue.message}`);
    }
    return parsed.data;
  },
  key: (sample) => sampleKey(sample.task, sample.item_id),
};

/** Read a journal; a torn final line is reported (tornBytes) and left out, any other bad line is an error naming it. */
export function readJournal(file: string): JournalContents & { validBytes: number; missingFinalNewline: boolean } {
  const read = readLineJournal(file, SAMPLE_LINES);
  return { samples: read.lines, lines: read.count, tornBytes: read.tornBytes, validBytes: read.validBytes, missingFinalNewline: read.missingFinalNewline };
}

/** Read a journal a line at a time, each sample to `visit` with where its line lies in the file (every line, superseded ones too, in file order); the torn-line rules of readJournal. */
export function scanJournal(file: string, visit: (sample: Sample, offset: number, length: number) => void): LineJournalScan {
  return scanLineJournal(file, SAMPLE_LINES.parse, visit);
}

export type Journal = LineJournal<Sample>;

export const Journal = {
  /** Open for appending after dropping a torn last line; returns what was already there. */
  open(file: string, syncIntervalMs = 200): { journal: Journal; existing: JournalContents } {
    const { journal, existing } = LineJournal.open(file, SAMPLE_LINES, syncIntervalMs);
    return { journal, existing: { samples: existing.lines, lines: existing.count, tornBytes: existing.tornBytes } };
  },

  /**
   * Open for appending; each sample already there goes to `visit` as it is read, in file order,
   * and none is kept: a resume of a long run need not hold its samples.
   */
  resume(file: string, visit: (key: string, sample: Sample) => void, syncIntervalMs = 200): Journal {
    return LineJournal.openScanning<Sample, Sample>(file, SAMPLE_LINES.parse, (s) => visit(SAMPLE_LINES.key(s), s), syncIntervalMs).journal;
  },
};
