import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createProgress, formatEta, MIN_ANSWERS_FOR_ETA, runEtaSeconds, withProgressContext } from "../../harness/runner/progress.ts";

function captureStream(tty: boolean): NodeJS.WriteStream & { text: () => string } {
  let text = "";
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += chunk.toString();
      done();
    },
  }) as unknown as NodeJS.WriteStream & { text: () => string };
  Object.assign(stream, { isTTY: tty, columns: 120, rows: 40, cursorTo: (_x: number, _y?: number, cb?: () => void) => (cb?.(), true), moveCursor: (_dx: number, _dy: number, cb?: () => void) => (cb?.(), true), clearLine: (_d: number, cb?: () => void) => (cb?.(), true), clearScreenDown: (cb?: () => void) => (cb?.(), true), text: () => text });
  return stream;
}

describe("progress", () => {
  it("without a terminal, prints plain lines with done/total, errors and unparsed", () => {
    const stream = captureStream(false);
    const progress = createProgress("auto", stream);
    progress.start([
      { id: "medqa.en", total: 3, done: 1 },
      { id: "headqa.es", total: 2, done: 0 },
    ]);
    progress.update("medqa.en", "strict");
    progress.update("headqa.es", "error");
    progress.update("headqa.es", "unparsed");
    progress.stop();
    expect(stream.text()).toMatch(/^progress: 4\/5 items, [\d.]+\/s, ETA \S+, errors 1, unparsed 1\n$/);
  });

  it("on a terminal, draws one bar per task with its counts", () => {
    const stream = captureStream(true);
    const progress = createProgress("auto", stream);
    progress.start([{ id: "medqa.en", total: 4, done: 0 }]);
    progress.update("medqa.en", "strict");
    progress.update("medqa.en", "error");
    progress.stop();
    const text = stream.text();
    expect(text).toContain("medqa.en");
    expect(text).toMatch(/2\/4/);
    expect(text).toMatch(/err 1/);
  });

  it("inside a sweep's cell, the terminal bar carries the cell's label, and the cell log gets plain lines", async () => {
    const stream = captureStream(true);
    const logged: string[] = [];
    await withProgressContext({ prefix: "[1/4 cells done] #2 llama × zero-shot", log: (line) => logged.push(line) }, async () => {
      const progress = createProgress("auto", stream);
      progress.start([{ id: "medqa.en", total: 2, done: 0 }]);
      progress.update("medqa.en", "strict");
      progress.update("medqa.en", "strict");
      progress.stop();
    });
    expect(stream.text()).toMatch(/\[1\/4 cells done\] #2 llama × zero-shot medqa\.en.*2\/2/);
    expect(logged.join("\n")).toMatch(/^progress: 2\/2 items/m);
    expect(logged.join("\n")).not.toContain("cells done");
  });

  it("none prints nothing", () => {
    const stream = captureStream(true);
    const progress = createProgress("none", stream);
    progress.start([{ id: "t", total: 1, done: 0 }]);
    progress.update("t", "strict");
    progress.stop();
    expect(stream.text()).toBe("");
  });
});

describe("the run's ETA", () => {
  const counter = (id: string, total: number, done: number, startedDone = 0) => ({ id, total, done, errors: 0, unparsed: 0, startedDone });

  it("is the items left in every task over the run's rate, not a waiting task's own rate", () => {
    // 10 s in, 50 answers (all medqa.en): 250 items left at 5/s is 50 s, for headqa.es too,
    // which has not had its turn yet (its own rate, 0/s, gave minutes or nothing).
    const counters = [counter("medqa.en", 100, 50), counter("headqa.es", 200, 0)];
    expect(runEtaSeconds(counters, 0, 10_000)).toBe(50);
    expect(formatEta(runEtaSeconds(counters, 0, 10_000))).toBe("50s");
  });

  it("says ? until enough answers came in, counts only this invocation's answers, and formats minutes and hours", () => {
    expect(runEtaSeconds([counter("medqa.en", 100, MIN_ANSWERS_FOR_ETA - 1)], 0, 1000)).toBeNull();
    expect(formatEta(null)).toBe("?");
    // Resumed with 90 done: 5 new answers are too few to say anything.
    expect(runEtaSeconds([counter("medqa.en", 100, 95, 90)], 0, 1000)).toBeNull();
    expect(runEtaSeconds([counter("medqa.en", 100, 100, 90)], 0, 1000)).toBe(0);
    expect(formatEta(307)).toBe("5m07s");
    expect(formatEta(3720)).toBe("1h02m");
  });
});
