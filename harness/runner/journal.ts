// The run's journal: samples.jsonl, append-only, one finished sample per line.
// Each line goes to the OS as soon as its sample is done (a killed process loses nothing
// written), and is fsynced at short intervals (a power cut loses at most that interval).
// On open, a torn last line — a write cut by kill -9 — is detected and dropped.
import { closeSync, existsSync, fdatasync, fdatasyncSync, ftruncateSync, openSync, readFileSync, writeSync } from "node:fs";
import { SampleSchema, UserError, type Sample } from "../types.ts";

export interface JournalContents {
  /** The last line per (task, item_id): a resumed run may have retried an errored item. */
  samples: Map<string, Sample>;
  lines: number;
  /** Bytes of a torn final line that were dropped. */
  tornBytes: number;
}

export function sampleKey(task: string, itemId: string): string {
  return `${task}\u0000${itemId}`;
}

/** Read a journal; a torn final line is reported (and dropped by `openJournal`), any other bad line is an error. */
export function readJournal(file: string): JournalContents & { validBytes: number } {
  const samples = new Map<string, Sample>();
  if (!existsSync(file)) return { samples, lines: 0, tornBytes: 0, validBytes: 0 };
  const buf = readFileSync(file);
  let start = 0;
  let lineNo = 0;
  while (start < buf.length) {
    const end = buf.indexOf(0x0a, start);
    if (end === -1) {
      // No newline: the process died mid-write. Everything before it is intact.
      return { samples, lines: lineNo, tornBytes: buf.length - start, validBytes: start };
    }
    lineNo++;
    const text = buf.subarray(start, end).toString("utf8");
    if (text.trim()) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new UserError(`${file}:${lineNo}: not valid JSON. The journal is damaged; remove that line to resume.`);
      }
      const parsed = SampleSchema.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new UserError(`${file}:${lineNo}: field ${issue.path.join(".") || "(line)"}: ${issue.message}`);
      }
      samples.set(sampleKey(parsed.data.task, parsed.data.item_id), parsed.data);
    }
    start = end + 1;
  }
  return { samples, lines: lineNo, tornBytes: 0, validBytes: buf.length };
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
