// The run's journal: samples.jsonl, append-only, one finished sample per line.
// Each line goes to the OS as soon as its sample is done (a killed process loses nothing
// written), and is fsynced at short intervals (a power cut loses at most that interval).
// On open, a torn last line — a write cut by kill -9 — is detected and dropped.
import { closeSync, existsSync, fdatasync, fdatasyncSync, ftruncateSync, openSync, readFileSync, writeSync } from "node:fs";
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

function parseSampleLine(text: string, where: string): Sample {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UserError(`${where}: not valid JSON. The journal is damaged; remove or repair that line to go on.`);
  }
  const parsed = SampleSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`${where}: not a valid sample: field ${issue.path.join(".") || "(line)"}: ${issue.message}`);
  }
  return parsed.data;
}

/**
 * Read a journal. A final line without its newline is a write cut by a crash unless it is a
 * whole, valid sample (a file finished by another tool): torn, it is reported and dropped
 * (`Journal.open` truncates it away); any other bad line is an error naming its line.
 */
export function readJournal(file: string): JournalContents & { validBytes: number; missingFinalNewline: boolean } {
  const samples = new Map<string, Sample>();
  const empty = { samples, lines: 0, tornBytes: 0, validBytes: 0, missingFinalNewline: false };
  if (!existsSync(file)) return empty;
  const buf = readFileSync(file);
  let start = 0;
  let lineNo = 0;
  let lines = 0;
  while (start < buf.length) {
    const newline = buf.indexOf(0x0a, start);
    const end = newline === -1 ? buf.length : newline;
    lineNo++;
    const text = buf.subarray(start, end).toString("utf8");
    if (newline === -1 && text.trim()) {
      let last: Sample | null = null;
      try {
        last = parseSampleLine(text, `${file}:${lineNo}`);
      } catch {
        return { samples, lines, tornBytes: buf.length - start, validBytes: start, missingFinalNewline: false };
      }
      samples.set(sampleKey(last.task, last.item_id), last);
      return { samples, lines: lines + 1, tornBytes: 0, validBytes: buf.length, missingFinalNewline: true };
    }
    if (text.trim()) {
      const sample = parseSampleLine(text, `${file}:${lineNo}`);
      samples.set(sampleKey(sample.task, sample.item_id), sample);
      lines++;
    }
    start = end + 1;
  }
  return { samples, lines, tornBytes: 0, validBytes: buf.length, missingFinalNewline: false };
}

export class Journal {
  private fd: number;
  private dirty = false;
  private syncing = false;
  private closed = false;
  private timer: NodeJS.Timeout;

  private constructor(
    readonly file: string,
    fd: number,
    syncIntervalMs: number,
  ) {
    this.fd = fd;
    this.timer = setInterval(() => this.sync(), syncIntervalMs);
    this.timer.unref();
  }

  /** Open for appending after dropping a torn last line; returns what was already there. */
  static open(file: string, syncIntervalMs = 200): { journal: Journal; existing: JournalContents } {
    const existing = readJournal(file);
    const fd = openSync(file, "a+");
    if (existing.tornBytes > 0) ftruncateSync(fd, existing.validBytes);
    if (existing.missingFinalNewline) writeSync(fd, "\n");
    return { journal: new Journal(file, fd, syncIntervalMs), existing };
  }

  append(sample: Sample): void {
    writeSync(this.fd, `${JSON.stringify(sample)}\n`);
    this.dirty = true;
  }

  /** Periodic flush on the thread pool: a sync fsync would stall every request in flight. */
  private sync(): void {
    if (!this.dirty || this.syncing || this.closed) return;
    this.dirty = false;
    this.syncing = true;
    fdatasync(this.fd, () => {
      this.syncing = false;
    });
  }

  close(): void {
    clearInterval(this.timer);
    this.closed = true;
    fdatasyncSync(this.fd);
    closeSync(this.fd);
  }
}
