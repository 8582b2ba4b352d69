// A sweep labels each cell's progress ("[1/4 cells done] #1 m × s") and copies its plain lines to
// the cell's log; a run outside a sweep shows its progress as before.
import { describe, expect, it } from "vitest";
import { createProgress, withProgressContext } from "../../harness/runner/progress.ts";

function stream(): { lines: string[]; s: NodeJS.WriteStream } {
  const lines: string[] = [];
  return { lines, s: { isTTY: false, write: (t: string) => (lines.push(t), true) } as unknown as NodeJS.WriteStream };
}

describe("progress in a sweep", () => {
  it("labels plain lines with the cell and copies them to the log", async () => {
    const shown = stream();
    const log: string[] = [];
    await withProgressContext({ prefix: "[1/4 cells done] #1 m × s", log: (l) => log.push(l) }, async () => {
      const p = createProgress("plain", shown.s);
      p.start([{ id: "medqa.en", total: 3, done: 1 }]);
      p.update("medqa.en", "strict");
      p.stop();
    });
    expect(shown.lines).toHaveLength(1);
    expect(shown.lines[0]).toMatch(/^progress: \[1\/4 cells done\] #1 m × s 2\/3 items, [\d.]+\/s, ETA \S+, errors 0, unparsed 0\n$/);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatch(/^progress: 2\/3 items, /);
  });

  it("still logs when nothing is shown, and leaves runs outside a sweep as they were", async () => {
    const log: string[] = [];
    await withProgressContext({ prefix: "#0", log: (l) => log.push(l) }, async () => {
      const p = createProgress("none");
      p.start([{ id: "t", total: 1, done: 0 }]);
      p.update("t", "error");
      p.stop();
    });
    expect(log[0]).toMatch(/^progress: 1\/1 items, .*errors 1/);
    const shown = stream();
    const p = createProgress("plain", shown.s);
    p.start([{ id: "t", total: 1, done: 0 }]);
    p.stop();
    expect(shown.lines[0]).toMatch(/^progress: 0\/1 items/);
  });
});
