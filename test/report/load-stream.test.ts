// loadRun reads samples.jsonl a line at a time: the same outcomes, in the same order, as the
// whole journal read at once, and a damaged "correct" refused only when no later line replaces it.
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readJournal } from "../../harness/record/journal.ts";
import { loadRun, loadRunWithSamples } from "../../harness/report/load.ts";
import { tempDir } from "../helpers.ts";
import { makeRun, makeSample } from "./make-run.ts";

describe("loadRun, streamed", () => {
  it("keeps the outcome of each item's last line, in the order items first appear, for interleaved tasks", () => {
    const run = makeRun(tempDir(), { model: "m", setting: "zero-shot", tasks: { "medqa.en": [true, false, true], "medmcqa.en": [false, true] }, statuses: { "medqa.en": { 1: "error" } } });
    appendFileSync(
      join(run, "samples.jsonl"),
      [makeSample("medmcqa.en", "q0", true), makeSample("medqa.en", "q1", true), makeSample("medqa.en", "q7", false, "unparsed"), { ...makeSample("medqa.en", "q2", true), cached: true, cache_identity: "c" }]
        .map((s) => `${JSON.stringify(s)}\n`)
        .join(""),
    );
    const loaded = loadRun(run);
    const whole = readJournal(join(run, "samples.jsonl"));
    const streamed = [...loaded.tasks.values()].flatMap((t) => [...t.items.values()].map((o) => [t.task, o.item_id, o.status, o.correct, o.cached ?? false]));
    const expected = [...whole.samples.values()].map((s) => [s.task, s.item_id, s.status, s.correct, s.cached ?? false]);
    expect(streamed.sort()).toEqual(expected.sort());
    expect([...loaded.tasks.get("medqa.en")!.items.keys()]).toEqual(["q0", "q1", "q2", "q7"]);
    expect(loaded.tasks.get("medqa.en")!.items.get("q2")).toMatchObject({ cached: true, cache_identity: "c" });
    expect(loaded.superseded).toBe(3);
    expect(loadRunWithSamples(run).samples).toEqual([...whole.samples.values()]);
  });

  it("a damaged line replaced by a later line for the same item is not refused; a damaged last line is", () => {
    const run = makeRun(tempDir(), { model: "m", setting: "zero-shot", tasks: { "medqa.en": [true, false] } });
    const forged = { ...makeSample("medqa.en", "q1", false), correct: true };
    appendFileSync(join(run, "samples.jsonl"), `${JSON.stringify(forged)}\n${JSON.stringify(makeSample("medqa.en", "q1", true))}\n`);
    expect(loadRun(run).tasks.get("medqa.en")!.items.get("q1")).toMatchObject({ correct: true });
    appendFileSync(join(run, "samples.jsonl"), `${JSON.stringify(forged)}\n`);
    expect(() => loadRun(run)).toThrow(/item q1: "correct" is true, but its answer "B" and gold "A" say false/);
  });
});
