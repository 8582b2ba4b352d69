import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createProgress } from "../../harness/runner/progress.ts";

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

  it("none prints nothing", () => {
    const stream = captureStream(true);
    const progress = createProgress("none", stream);
    progress.start([{ id: "t", total: 1, done: 0 }]);
    progress.update("t", "strict");
    progress.stop();
    expect(stream.text()).toBe("");
  });
});
