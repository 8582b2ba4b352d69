// Progress per task: live bars on a terminal (cli-progress), a plain line at intervals
// elsewhere (CI logs), nothing when asked for quiet.
import { AsyncLocalStorage } from "node:async_hooks";
import cliProgress from "cli-progress";
import type { SampleStatus } from "../types.ts";

export interface ProgressReporter {
  start(tasks: { id: string; total: number; done: number }[]): void;
  update(task: string, status: SampleStatus): void;
  stop(): void;
}

export interface TaskCounter {
  id: string;
  total: number;
  done: number;
  errors: number;
  unparsed: number;
  startedDone: number;
}

const FORMAT = " {task} |{bar}| {value}/{total} {rate}/s run ETA {eta} err {errors} unparsed {unparsed}";

/** Answers this run needs before its rate says anything about the time left. */
export const MIN_ANSWERS_FOR_ETA = 10;

/**
 * Seconds until the whole run is done: the items left in every task over the run's rate since
 * it started. The tasks share one pool, so a task's own rate says nothing of when it ends (a
 * task waiting its turn showed "5m20s" with 7 s left); "?" until enough answers came in.
 */
export function runEtaSeconds(counters: Iterable<TaskCounter>, startedAt: number, now: number): number | null {
  let left = 0;
  let fresh = 0;
  for (const c of counters) {
    left += c.total - c.done;
    fresh += c.done - c.startedDone;
  }
  const seconds = (now - startedAt) / 1000;
  if (fresh < MIN_ANSWERS_FOR_ETA || seconds <= 0) return left === 0 ? 0 : null;
  return Math.round(left / (fresh / seconds));
}

/** "?", "42s", "5m07s", "1h02m". */
export function formatEta(seconds: number | null): string {
  if (seconds === null) return "?";
  if (seconds < 60) return `${seconds}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m${String(seconds % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

/**
 * Set by a caller that runs several runs (a sweep) around each one: a label shown before the
 * run's bars and plain lines (which cell, how many done), and a sink that also gets the plain
 * lines (the cell's log). Runs started outside one are shown as before.
 */
export interface ProgressContext {
  prefix: string;
  log?: (line: string) => void;
}

const progressContext = new AsyncLocalStorage<ProgressContext>();

/** Run `work` with every progress reporter it creates labelled (and logged) as `context` says. */
export function withProgressContext<T>(context: ProgressContext, work: () => Promise<T>): Promise<T> {
  return progressContext.run(context, work);
}

export function createProgress(mode: "auto" | "bar" | "plain" | "none", stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  const context = progressContext.getStore();
  const prefix = context?.prefix ? `${context.prefix} ` : "";
  const resolved = mode === "auto" ? (stream.isTTY ? "bar" : "plain") : mode;
  const shown: ProgressReporter = resolved === "none" ? { start() {}, update() {}, stop() {} } : resolved === "bar" ? new BarProgress(stream, prefix) : new PlainProgress(stream, prefix);
  const log = context?.log;
  if (!log) return shown;
  const logged = new PlainProgress({ write: (line: string) => (log(line.replace(/\n$/, "")), true), isTTY: false } as unknown as NodeJS.WriteStream, "");
  return {
    start: (tasks) => (shown.start(tasks), logged.start(tasks)),
    update: (task, status) => (shown.update(task, status), logged.update(task, status)),
    stop: () => (shown.stop(), logged.stop()),
  };
}

function rateOf(c: TaskCounter, startedAt: number): number {
  const seconds = (Date.now() - startedAt) / 1000;
  return seconds > 0 ? (c.done - c.startedDone) / seconds : 0;
}

class BarProgress implements ProgressReporter {
  private multibar: cliProgress.MultiBar;
  private bars = new Map<string, { bar: cliProgress.SingleBar; counter: TaskCounter }>();
  private startedAt = Date.now();

  constructor(
    stream: NodeJS.WriteStream,
    private prefix = "",
  ) {
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
      const bar = this.multibar.create(t.total, t.done, { task: this.prefix + t.id.padEnd(width), rate: "0.0", eta: "?", errors: 0, unparsed: 0 });
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
    const eta = formatEta(runEtaSeconds([...this.bars.values()].map((b) => b.counter), this.startedAt, Date.now()));
    for (const b of this.bars.values()) b.bar.update({ eta });
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
    private prefix = "",
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
    const now = Date.now();
    const seconds = (now - this.startedAt) / 1000;
    const rate = seconds > 0 ? fresh / seconds : 0;
    const eta = formatEta(runEtaSeconds(this.counters.values(), this.startedAt, now));
    this.stream.write(
      `progress: ${this.prefix}${done}/${total} items, ${rate.toFixed(1)}/s, ETA ${eta}, errors ${errors}, unparsed ${unparsed}\n`,
    );
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.print();
  }
}
