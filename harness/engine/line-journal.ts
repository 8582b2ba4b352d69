// An append-only JSONL journal of finished work, one line per finished item, keyed so that a
// re-run finds what is done. Each line goes to the OS as soon as it is appended (a killed
// process loses nothing written) and is fsynced at short intervals (a power cut loses at most
// that interval). On open, a torn last line — a write cut by kill -9 — is detected and dropped.
// The run's samples.jsonl, a translation's items and generated traces are all such journals.
import { closeSync, existsSync, fdatasync, fdatasyncSync, ftruncateSync, openSync, readSync, writeSync } from "node:fs";
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

/** What reading a journal found, beside its lines. */
export interface LineJournalScan {
  /** Lines read (blank lines and a torn final line not counted). */
  count: number;
  /** Bytes of a torn final line (dropped). */
  tornBytes: number;
  validBytes: number;
  missingFinalNewline: boolean;
}

/** Bytes read at a time by scanLineJournal: memory stays flat however large the journal is. */
const SCAN_CHUNK_BYTES = 1 << 20;

/**
 * Read a journal line by line, a chunk at a time, handing each parsed line (with its byte offset and length) to `visit`: nothing
 * is kept but what `visit` keeps. A final line without its newline is a write cut by a crash
 * unless it is a whole, valid line (a file finished by another tool): torn, it is reported and
 * dropped (`LineJournal.open` truncates it away); any other bad line is an error naming its line.
 */
export function scanLineJournal<R>(
  file: string,
  parse: (text: string, where: string) => R,
  visit: (line: R, offset: number, length: number) => void,
  chunkBytes = SCAN_CHUNK_BYTES,
): LineJournalScan {
  if (!existsSync(file)) return { count: 0, tornBytes: 0, validBytes: 0, missingFinalNewline: false };
  const fd = openSync(file, "r");
  try {
    const chunk = Buffer.allocUnsafe(chunkBytes);
    let carry = Buffer.alloc(0); // the start of a line the chunks so far have not ended
    let carryAt = 0; // its offset in the file
    let lineNo = 0;
    let count = 0;
    for (let read = readSync(fd, chunk, 0, chunk.length, null); read > 0; read = readSync(fd, chunk, 0, chunk.length, null)) {
      const buf = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, read)]) : chunk.subarray(0, read);
      let start = 0;
      for (let newline = buf.indexOf(0x0a); newline !== -1; newline = buf.indexOf(0x0a, start)) {
        lineNo++;
        const text = buf.toString("utf8", start, newline);
        if (text.trim()) {
          visit(parse(text, `${file}:${lineNo}`), carryAt + start, newline - start);
          count++;
        }
        start = newline + 1;
      }
      carryAt += start;
      carry = Buffer.from(buf.subarray(start)); // a copy: the chunk is read into again
    }
    const text = carry.toString("utf8");
    if (!text.trim()) return { count, tornBytes: 0, validBytes: carryAt + carry.length, missingFinalNewline: false };
    let last: R;
    try {
      last = parse(text, `${file}:${lineNo + 1}`);
    } catch {
      return { count, tornBytes: carry.length, validBytes: carryAt, missingFinalNewline: false };
    }
    visit(last, carryAt, carry.length);
    return { count: count + 1, tornBytes: 0, validBytes: carryAt + carry.length, missingFinalNewline: true };
  } finally {
    closeSync(fd);
  }
}

/** Read a journal into the last line per key (scanLineJournal's rules for a torn last line). */
export function readLineJournal<T>(file: string, format: LineFormat<T>): LineJournalRead<T> {
  const lines = new Map<string, T>();
  const scan = scanLineJournal(file, (text, where) => format.parse(text, where), (line) => lines.set(format.key(line), line));
  return { lines, ...scan };
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
    const lines = new Map<string, T>();
    const { journal, scan } = LineJournal.openScanning<T, T>(file, (text, where) => format.parse(text, where), (line) => lines.set(format.key(line), line), syncIntervalMs);
    return { journal, existing: { lines, count: scan.count, tornBytes: scan.tornBytes } };
  }

  /** Open for appending after dropping a torn last line; what was there goes line by line to `visit`, which keeps what it needs. */
  static openScanning<T, R>(file: string, parse: (text: string, where: string) => R, visit: (line: R) => void, syncIntervalMs = 200): { journal: LineJournal<T>; scan: LineJournalScan } {
    const scan = scanLineJournal(file, parse, visit);
    const fd = openSync(file, "a+");
    if (scan.tornBytes > 0) ftruncateSync(fd, scan.validBytes);
    if (scan.missingFinalNewline) writeSync(fd, "\n");
    return { journal: new LineJournal<T>(file, fd, syncIntervalMs), scan };
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
