// Progress per task: live bars on a terminal (cli-progress), a plain line at intervals
// elsewhere (CI logs), nothing when asked for quiet.
import cliProgress from "cli-progress";
import type { SampleStatus } from "../types.ts";

export interface ProgressReporter {
  start(tasks: { id: string; total: number; done: number }[]): void;
  update(task: string, status: SampleStatus): void;
  stop(): void;
}

interface TaskCounter {
  id: string;
  total: number;
  done: number;
  errors: number;
  unparsed: number;
  startedDone: number;
}

const FORMAT = " {task} |{bar}| {value}/{total} {rate}/s ETA {eta_formatted} err {errors} unparsed {unparsed}";

export function createProgress(mode: "auto" | "bar" | "plain" | "none", stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  const resolved = mode === "auto" ? (stream.isTTY ? "bar" : "plain") : mode;
  if (resolved === "none") return { start() {}, update() {}, stop() {} };
  return resolved === "bar" ? new BarProgress(stream) : new PlainProgress(stream);
}

function rateOf(c: TaskCounter, startedAt: number): number {
  const seconds = (Date.now() - startedAt) / 1000;
  return seconds > 0 ? (c.done - c.startedDone) / seconds : 0;
}

class BarProgress implements ProgressReporter {
  private multibar: cliProgress.MultiBar;
  private bars = new Map<string, { bar: cliProgress.SingleBar; counter: TaskCounter }>();
  private startedAt = Date.now();

  constructor(stream: NodeJS.WriteStream) {
    this.multibar = new cliProgress.MultiBar(
      { format: FORMAT, stream, hideCursor: true, clearOnComplete: false, etaBuffer: 200, fps: 5 },
      cliProgress.Presets.shades_classic,
    );
  }

  start(tasks: { id: string; total: number; done: number }[]): void {
    this.startedAt = Date.now();
    const width = Math.max(...tasks.map((t) => t.id.length), 4);
    for (const t of tasks) {
      const counter: TaskCounter = { id: t.id, total: t.total, done: t.done, errors: 0, unparsed: 0, startedDone: t.done };
      const bar = this.multibar.create(t.total, t.done, { task: t.id.padEnd(width), rate: "0.0", errors: 0, unparsed: 0 });
      this.bars.set(t.id, { bar, counter });
    }
  }

  update(task: string, status: SampleStatus): void {
    const entry = this.bars.get(task);
    if (!entry) return;
    const c = entry.counter;
    c.done++;
    if (status === "error") c.errors++;
    if (status === "unparsed") c.unparsed++;
    entry.bar.update(c.done, { rate: rateOf(c, this.startedAt).toFixed(1), errors: c.errors, unparsed: c.unparsed });
  }

  stop(): void {
    this.multibar.stop();
  }
}

class PlainProgress implements ProgressReporter {
  private counters = new Map<string, TaskCounter>();
  private timer: NodeJS.Timeout | undefined;
  private startedAt = Date.now();

  constructor(
    private stream: NodeJS.WriteStream,
    private intervalMs = Number(process.env.MEDEVAL_PROGRESS_INTERVAL_MS ?? 10_000),
  ) {}

  start(tasks: { id: string; total: number; done: number }[]): void {
    this.startedAt = Date.now();
    for (const t of tasks) this.counters.set(t.id, { ...t, errors: 0, unparsed: 0, startedDone: t.done });
    this.timer = setInterval(() => this.print(), this.intervalMs);
    this.timer.unref();
  }

  update(task: string, status: SampleStatus): void {
    const c = this.counters.get(task);
    if (!c) return;
    c.done++;
    if (status === "error") c.errors++;
    if (status === "unparsed") c.unparsed++;
  }

  private print(): void {
    let done = 0;
    let total = 0;
    let errors = 0;
    let unparsed = 0;
    let fresh = 0;
    for (const c of this.counters.values()) {
      done += c.done;
      total += c.total;
      errors += c.errors;
      unparsed += c.unparsed;
      fresh += c.done - c.startedDone;
    }
    const seconds = (Date.now() - this.startedAt) / 1000;
    const rate = seconds > 0 ? fresh / seconds : 0;
    const eta = rate > 0 ? Math.round((total - done) / rate) : null;
    this.stream.write(
      `progress: ${done}/${total} items, ${rate.toFixed(1)}/s, ETA ${eta === null ? "?" : `${eta}s`}, errors ${errors}, unparsed ${unparsed}\n`,
    );
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.print();
  }
}
