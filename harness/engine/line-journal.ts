// An append-only JSONL journal of finished work, one line per finished item, keyed so that a
// re-run finds what is done. Each line goes to the OS as soon as it is appended (a killed
// process loses nothing written) and is fsynced at short intervals (a power cut loses at most
// that interval). On open, a torn last line — a write cut by kill -9 — is detected and dropped.
// The run's samples.jsonl, a translation's items and generated traces are all such journals.
import { closeSync, existsSync, fdatasync, fdatasyncSync, ftruncateSync, openSync, readFileSync, writeSync } from "node:fs";
import { UserError } from "../user-error.ts";

/** How a journal's lines are read back: parse one (throwing a UserError naming `where`), and the key it is filed under. */
export interface LineFormat<T> {
  parse(text: string, where: string): T;
  key(line: T): string;
}

export interface LineJournalContents<T> {
  /** The last line per key: a re-run may have redone an item that failed. */
  lines: Map<string, T>;
  /** Lines read (blank lines and a torn final line not counted). */
  count: number;
  /** Bytes of a torn final line that were dropped. */
  tornBytes: number;
}

export interface LineJournalRead<T> extends LineJournalContents<T> {
  validBytes: number;
  missingFinalNewline: boolean;
}

/** JSON.parse with the line named in the error: the common first step of a LineFormat's parse. */
export function parseJsonLine(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UserError(`${where}: not valid JSON. The journal is damaged; remove or repair that line to go on.`);
  }
}

/**
 * Read a journal. A final line without its newline is a write cut by a crash unless it is a
 * whole, valid line (a file finished by another tool): torn, it is reported and dropped
 * (`LineJournal.open` truncates it away); any other bad line is an error naming its line.
 */
export function readLineJournal<T>(file: string, format: LineFormat<T>): LineJournalRead<T> {
  const lines = new Map<string, T>();
  if (!existsSync(file)) return { lines, count: 0, tornBytes: 0, validBytes: 0, missingFinalNewline: false };
  const buf = readFileSync(file);
  let start = 0;
  let lineNo = 0;
  let count = 0;
  while (start < buf.length) {
    const newline = buf.indexOf(0x0a, start);
    const end = newline === -1 ? buf.length : newline;
    lineNo++;
    const text = buf.subarray(start, end).toString("utf8");
    if (newline === -1 && text.trim()) {
      let last: T;
      try {
        last = format.parse(text, `${file}:${lineNo}`);
      } catch {
        return { lines, count, tornBytes: buf.length - start, validBytes: start, missingFinalNewline: false };
      }
      lines.set(format.key(last), last);
      return { lines, count: count + 1, tornBytes: 0, validBytes: buf.length, missingFinalNewline: true };
    }
    if (text.trim()) {
      const line = format.parse(text, `${file}:${lineNo}`);
      lines.set(format.key(line), line);
      count++;
    }
    start = end + 1;
  }
  return { lines, count, tornBytes: 0, validBytes: buf.length, missingFinalNewline: false };
}

export class LineJournal<T> {
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
  static open<T>(file: string, format: LineFormat<T>, syncIntervalMs = 200): { journal: LineJournal<T>; existing: LineJournalContents<T> } {
    const existing = readLineJournal(file, format);
    const fd = openSync(file, "a+");
    if (existing.tornBytes > 0) ftruncateSync(fd, existing.validBytes);
    if (existing.missingFinalNewline) writeSync(fd, "\n");
    return { journal: new LineJournal<T>(file, fd, syncIntervalMs), existing };
  }

  append(line: T): void {
    if (this.closed) throw new Error(`journal ${this.file} is closed: a late line must not be written to it`);
    writeSync(this.fd, `${JSON.stringify(line)}\n`);
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
    if (this.closed) return;
    clearInterval(this.timer);
    this.closed = true;
    fdatasyncSync(this.fd);
    closeSync(this.fd);
  }
}
