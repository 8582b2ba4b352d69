// merge copies the shards' samples one at a time: its samples.jsonl is the one that holding
// every shard's last line per item in memory, grouped by task, would write, and its task
// figures are those of those samples.
import { appendFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readJournal } from "../../harness/record/journal.ts";
import { mergeShards } from "../../harness/record/merge.ts";
import { inShard } from "../../harness/record/spec.ts";
import { summarizeTask } from "../../harness/record/summarize.ts";
import type { Sample } from "../../harness/types.ts";
import { makeRun, makeSample, taskMeta } from "../report/make-run.ts";

const TASKS = ["medqa.en", "medmcqa.en"];
const IDS = Array.from({ length: 60 }, (_, i) => `q${i}`);

describe("merge, streamed", () => {
  it("writes the grouped last lines and their figures, with retries and interleaved tasks in the shards", () => {
    const folder = mkdtempSync(join(tmpdir(), "medeval-merge-stream-"));
    const count = 3;
    const dirs = Array.from({ length: count }, (_, index) => {
      const ids = Object.fromEntries(TASKS.map((t) => [t, IDS.filter((id) => inShard(t, id, { index, count }))]));
      const dir = makeRun(folder, {
        model: "m",
        setting: "zero-shot",
        runId: `m-shard${index}`,
        shard: { index, count },
        tasks: Object.fromEntries(TASKS.map((t) => [t, ids[t].map((_, i) => (i + index) % 3 !== 0)])),
        itemIds: ids,
        statuses: { "medqa.en": { 1: "error", 2: "unparsed" } },
        bootstrap: { resamples: 300, seed: 3, level: 0.95 },
      });
      // A resumed shard: a retried item later in its journal, a cached answer, the tasks interleaved.
      const retried = [makeSample("medmcqa.en", ids["medmcqa.en"][0], true), { ...makeSample("medqa.en", ids["medqa.en"][1], true), cached: true, cache_identity: `c${index}` }];
      appendFileSync(join(dir, "samples.jsonl"), retried.map((s) => `${JSON.stringify(s)}\n`).join(""));
      return dir;
    });

    const merged = mergeShards(dirs, folder, { runId: "merged" });

    const grouped = new Map<string, Sample[]>();
    for (const dir of dirs) {
      for (const s of readJournal(join(dir, "samples.jsonl")).samples.values()) grouped.set(s.task, [...(grouped.get(s.task) ?? []), s]);
    }
    const expectedLines = [...grouped.values()].flat().map((s) => `${JSON.stringify(s)}\n`).join("");
    expect(readFileSync(join(merged.dir, "samples.jsonl"), "utf8")).toBe(expectedLines);
    const expectedTasks = TASKS.map((t) => summarizeTask({ id: t, ...taskMeta(t) }, grouped.get(t)!, { resamples: 300, seed: 3, level: 0.95 }, IDS.length));
    expect(JSON.stringify(merged.record.tasks)).toBe(JSON.stringify(expectedTasks));
    expect(merged.record.tasks[0].from_cache).toEqual({ samples: 3, identities: ["c0", "c1", "c2"], untied: 0 });
  });
});
