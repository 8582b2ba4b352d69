import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FAILURE_WINDOW, pendingItems, ResumeIndex, runEngine, runJournaled, type EngineItem } from "../../harness/engine/engine.ts";
import { parseJsonLine, readLineJournal, type LineFormat } from "../../harness/engine/line-journal.ts";
import { tempDir } from "../helpers.ts";

interface Job extends EngineItem {
  text: string;
}
interface Line {
  key: string;
  hash: string;
  out: string | null;
  error: string | null;
}
const LINES: LineFormat<Line> = { parse: (t, w) => parseJsonLine(t, w) as Line, key: (l) => l.key };
const state = (l: Line) => ({ hash: l.hash, failed: l.error !== null });
const jobs = (n: number): Job[] => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, hash: `h${i}`, text: `t${i}` }));
const tick = () => new Promise((r) => setTimeout(r, 1));

describe("engine", () => {
  it("resumes by key: done lines are skipped, failed ones retried, changed content redone", () => {
    const existing = new Map<string, Line>([
      ["k0", { key: "k0", hash: "h0", out: "x", error: null }],
      ["k1", { key: "k1", hash: "h1", out: null, error: "boom" }],
      ["k2", { key: "k2", hash: "OLD", out: "x", error: null }],
    ]);
    const pending = pendingItems(jobs(4), existing, state);
    expect(pending.map((p) => [p.item.key, p.retry])).toEqual([["k1", true], ["k2", false], ["k3", false]]);
  });

  it("resumes line by line: the last line of a key wins, lines of other items are ignored, any answer counts as answered", () => {
    const index = new ResumeIndex(jobs(5));
    expect(index.answered).toBe(false);
    index.visit("k0", { hash: "h0", failed: true });
    index.visit("k0", { hash: "h0", failed: false }); // retried and answered: done
    index.visit("k1", { hash: "h1", failed: false });
    index.visit("k1", { hash: "h1", failed: true }); // answered, then re-run and failed: retried
    index.visit("k2", { hash: "h2", failed: false });
    index.visit("k2", { hash: "OLD", failed: false }); // last line for other content: redone
    index.visit("gone", { hash: "x", failed: true });
    expect(index.pending().map((p) => [p.item.key, p.retry])).toEqual([["k1", true], ["k2", false], ["k3", false], ["k4", false]]);
    expect(index.answered).toBe(true);
    const failedOnly = new ResumeIndex(jobs(2));
    failedOnly.visit("k0", { hash: "h0", failed: true });
    expect(failedOnly.answered).toBe(false);
  });

  it("never has more than `concurrency` items in flight and writes one line per item", async () => {
    let inFlight = 0;
    let most = 0;
    const written: string[] = [];
    const result = await runEngine<Job, Line>({
      pending: jobs(50).map((item) => ({ item, retry: false })),
      concurrency: 7,
      signal: new AbortController().signal,
      async work(job) {
        inFlight++;
        most = Math.max(most, inFlight);
        await tick();
        inFlight--;
        return { line: { key: job.key, hash: job.hash, out: job.text.toUpperCase(), error: null }, sent: 1, attempts: 2, error: null };
      },
      write: (line) => written.push(line.key),
    });
    expect(most).toBe(7);
    expect(written.sort()).toEqual(jobs(50).map((j) => j.key).sort());
    expect(result).toMatchObject({ sent: 50, retries: 50, finished: 50, succeeded: 50, unstarted: 0, windowFull: false });
  });

  it(`stops after ${FAILURE_WINDOW} fresh failures in a row and leaves the rest unstarted; retried items do not fill the window`, async () => {
    const fail = (job: Job) => ({ line: { key: job.key, hash: job.hash, out: null, error: `no ${job.key}` }, sent: 1, attempts: 1, error: `no ${job.key}` });
    const result = await runEngine<Job, Line>({
      pending: jobs(20).map((item, i) => ({ item, retry: i < 3 })),
      concurrency: 1,
      signal: new AbortController().signal,
      work: async (job) => fail(job),
      write: () => {},
    });
    expect(result.windowFull).toBe(true);
    expect(result.finished).toBe(3 + FAILURE_WINDOW);
    expect(result.unstarted).toBe(20 - 3 - FAILURE_WINDOW);
    expect(result.firstErrors[0]).toBe("no k0");
    expect(result.succeeded).toBe(0);
  });

  it("a hook's stop ends the work; an abandoned item (null) writes nothing", async () => {
    const written: string[] = [];
    const controller = new AbortController();
    const result = await runEngine<Job, Line>({
      pending: jobs(10).map((item) => ({ item, retry: false })),
      concurrency: 1,
      signal: controller.signal,
      async work(job) {
        if (job.key === "k3") return null;
        return { line: { key: job.key, hash: job.hash, out: "y", error: null }, sent: 1, attempts: 1, error: null };
      },
      write: (line) => written.push(line.key),
      afterEach: (_o, job) => (job.key === "k1" ? "stop" : undefined),
    });
    expect(result.stoppedByHook).toBe(true);
    expect(written).toEqual(["k0", "k1"]);
  });

  it("a worker that throws stops the others, and the call returns only when every worker has", async () => {
    let late = 0;
    const run = runEngine<Job, Line>({
      pending: jobs(10).map((item) => ({ item, retry: false })),
      concurrency: 3,
      signal: new AbortController().signal,
      async work(job) {
        if (job.key === "k0") throw new Error("disk full");
        await new Promise((r) => setTimeout(r, 30));
        return { line: { key: job.key, hash: job.hash, out: "y", error: null }, sent: 1, attempts: 1, error: null };
      },
      write: () => late++,
    });
    await expect(run).rejects.toThrow("disk full");
    const seen = late;
    await new Promise((r) => setTimeout(r, 60));
    expect(late).toBe(seen); // nothing written after the call ended
    expect(seen).toBe(2); // the two items already in flight finished, no new one started
  });

  it("runJournaled: a killed run's torn last line is dropped, and a re-run does only what is left", async () => {
    const file = join(tempDir(), "work.jsonl");
    const done = { key: "k0", hash: "h0", out: "T0", error: null };
    writeFileSync(file, `${JSON.stringify(done)}\n{"key":"k1","ha`);
    const asked: string[] = [];
    const result = await runJournaled<Job, Line>({
      file,
      format: LINES,
      items: jobs(3),
      state,
      concurrency: 2,
      signal: new AbortController().signal,
      async work(job) {
        asked.push(job.key);
        return { line: { key: job.key, hash: job.hash, out: job.text.toUpperCase(), error: null }, sent: 1, attempts: 1, error: null };
      },
    });
    expect(asked.sort()).toEqual(["k1", "k2"]);
    expect(result.finished).toBe(2);
    const read = readLineJournal(file, LINES);
    expect(read.tornBytes).toBe(0);
    expect([...read.lines.keys()].sort()).toEqual(["k0", "k1", "k2"]);
    expect(readFileSync(file, "utf8").trimEnd().split("\n")).toHaveLength(3);
  });
});
