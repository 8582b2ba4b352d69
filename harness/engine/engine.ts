// The engine under every command that sends many requests: items in, requests out through a
// bounded pool of workers, one journal line per finished item, resume by key. It knows nothing
// of multiple-choice scoring: `medeval run` scores items with it, and translation, trace
// generation and batch import are other users of the same loop.
import { setMaxListeners } from "node:events";
import { LineJournal, type LineFormat } from "./line-journal.ts";

/**
 * Items in a row (in the order they finish) that failed after retries: at the start of a run
 * they mark it as misconfigured (wrong URL, model name, key); later, an endpoint that stopped
 * answering. Each such item has already spent its retries, so the work stops rather than
 * spending them again on every item left.
 */
export const FAILURE_WINDOW = 5;

/** One item to do: `key` files its journal line, `hash` is its content (a changed item is redone). */
export interface EngineItem {
  key: string;
  hash: string;
}

/** What a journal line says about the item it finished, for resume. */
export interface LineState {
  hash: string;
  failed: boolean;
}

/** An item still to do; `retry` when its last line failed (a second failure says little about the endpoint). */
export interface PendingItem<I> {
  item: I;
  retry: boolean;
}

/** What the last journal line of an item said: none yet, done, failed (retried), or for other content (redone). */
const NO_LINE = 0;
const DONE = 1;
const FAILED = 2;
const CHANGED = 3;

/**
 * The items not done yet, learnt one journal line at a time without keeping the lines: a
 * resume of a long run holds a byte per item, not what its journal says. The last line of a
 * key wins, as it does in the journal.
 */
export class ResumeIndex<I extends EngineItem> {
  private readonly at = new Map<string, number>();
  private readonly last: Uint8Array;
  /** A line that did not fail was seen (an item of these or not). */
  answered = false;

  constructor(private readonly items: readonly I[]) {
    this.last = new Uint8Array(items.length).fill(NO_LINE);
    items.forEach((item, i) => this.at.set(item.key, i));
  }

  visit(key: string, line: LineState): void {
    if (!line.failed) this.answered = true;
    const i = this.at.get(key);
    if (i === undefined) return;
    this.last[i] = line.hash !== this.items[i].hash ? CHANGED : line.failed ? FAILED : DONE;
  }

  /** No line, a line for other content, or a line that failed (retried), in the items' order. */
  pending(): PendingItem<I>[] {
    const pending: PendingItem<I>[] = [];
    this.items.forEach((item, i) => {
      if (this.last[i] !== DONE) pending.push({ item, retry: this.last[i] === FAILED });
    });
    return pending;
  }
}

/** The items not done yet: no line, a line for other content, or a line that failed (retried). */
export function pendingItems<I extends EngineItem, L>(items: Iterable<I>, existing: Map<string, L>, state: (line: L) => LineState): PendingItem<I>[] {
  const index = new ResumeIndex([...items]);
  for (const [key, line] of existing) index.visit(key, state(line));
  return index.pending();
}

/** What working one item produced: its journal line, requests sent (first attempts) and all attempts, and whether it failed after retries. */
export interface ItemOutcome<L> {
  line: L;
  sent: number;
  attempts: number;
  /** The error of an item that failed after its retries (null when it did not fail). */
  error: string | null;
}

export interface EngineInput<I, L> {
  pending: PendingItem<I>[];
  concurrency: number;
  signal: AbortSignal;
  /** Work one item; null when the work was stopped before it finished (an abandoned item writes no line). */
  work(item: I, signal: AbortSignal): Promise<ItemOutcome<L> | null>;
  /** Where finished lines go (the journal). */
  write(line: L, item: I): void;
  /** Called after each line is written; returning "stop" ends the work (e.g. most prompts overflow). */
  afterEach?(outcome: ItemOutcome<L>, item: I): "stop" | void;
  /** Failures in a row that stop the work (FAILURE_WINDOW by default). */
  failureWindow?: number;
}

export interface EngineResult {
  /** Requests sent, first attempts only. */
  sent: number;
  /** Repeats of those requests after a failure. */
  retries: number;
  /** Items finished (a line written) this time. */
  finished: number;
  /** Items finished without failing. */
  succeeded: number;
  /** The errors of the items that failed before any succeeded (a misconfigured endpoint's first words). */
  firstErrors: string[];
  lastError: string | null;
  /** The failure window filled (the last `failureWindow` fresh items all failed). */
  windowFull: boolean;
  /** afterEach asked to stop. */
  stoppedByHook: boolean;
  /** Items never started (left for a re-run). */
  unstarted: number;
}

/**
 * Work the pending items with `concurrency` workers. A worker that throws (a prompt that cannot
 * be built, a full disk) stops the others, and the call returns (or throws) only once every
 * worker has returned: a late line is never written after the caller closes its journal.
 */
export async function runEngine<I, L>(input: EngineInput<I, L>): Promise<EngineResult> {
  const window = input.failureWindow ?? FAILURE_WINDOW;
  const result: EngineResult = {
    sent: 0, retries: 0, finished: 0, succeeded: 0, firstErrors: [], lastError: null, windowFull: false, stoppedByHook: false, unstarted: 0,
  };
  let next = 0;
  let failedInARow = 0;
  const stop = new AbortController();
  const signal = AbortSignal.any([input.signal, stop.signal]);
  // Every request in flight may wait on it (a retry's backoff): as many listeners as workers,
  // by design, not the leak Node warns of past 10.
  setMaxListeners(input.concurrency + 10, signal);
  const worker = async (): Promise<void> => {
    while (!signal.aborted) {
      const job = input.pending[next++];
      if (!job) return;
      const outcome = await input.work(job.item, signal);
      if (!outcome) return;
      result.sent += outcome.sent;
      result.retries += Math.max(0, outcome.attempts - outcome.sent);
      input.write(outcome.line, job.item);
      result.finished++;
      if (input.afterEach?.(outcome, job.item) === "stop" && !result.stoppedByHook) {
        result.stoppedByHook = true;
        stop.abort();
        continue;
      }
      if (outcome.error === null) {
        result.succeeded++;
        failedInARow = 0;
        continue;
      }
      result.lastError = outcome.error;
      if (result.succeeded === 0) result.firstErrors.push(outcome.error);
      // Only items sent for the first time fill the window: some prompts always fail.
      if (job.retry) continue;
      if (++failedInARow >= window && !result.windowFull) {
        result.windowFull = true;
        stop.abort();
      }
    }
  };
  let failure: { error: unknown } | null = null;
  const guarded = () =>
    worker().catch((error: unknown) => {
      failure ??= { error };
      stop.abort();
    });
  await Promise.all(Array.from({ length: Math.max(1, Math.min(input.concurrency, input.pending.length)) }, guarded));
  result.unstarted = Math.max(0, input.pending.length - next);
  if (failure) throw (failure as { error: unknown }).error;
  return result;
}

export interface JournaledInput<I extends EngineItem, L> extends Omit<EngineInput<I, L>, "pending" | "write"> {
  /** The journal file (created when absent). */
  file: string;
  format: LineFormat<L>;
  items: Iterable<I>;
  /** Whether a line is done for its item and with which content. */
  state(line: L): LineState;
  /** Called once the journal is read and before any work, with how many items are already done. */
  onResume?(done: number, pending: PendingItem<I>[]): void;
  syncIntervalMs?: number;
}

/** The engine over a journal file: skip what is done, work the rest, append each finished line, close the file whatever happens. */
export async function runJournaled<I extends EngineItem, L>(input: JournaledInput<I, L>): Promise<EngineResult & { existing: Map<string, L> }> {
  const { journal, existing } = LineJournal.open(input.file, input.format, input.syncIntervalMs);
  try {
    const items = [...input.items];
    const pending = pendingItems(items, existing.lines, input.state);
    input.onResume?.(items.length - pending.length, pending);
    const result = await runEngine({ ...input, pending, write: (line) => journal.append(line) });
    return { ...result, existing: existing.lines };
  } finally {
    journal.close();
  }
}
