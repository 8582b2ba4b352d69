// A merged run's timing spans its shards, from the first start to the last finish.
import { describe, expect, it } from "vitest";
import { mergedTiming } from "../../harness/record/merge.ts";

describe("merged timing", () => {
  it("spans the shards rather than taking the longest one", () => {
    const timing = mergedTiming([
      { started_at: "2026-01-01T10:00:00.000Z", finished_at: "2026-01-01T10:00:00.330Z", wall_seconds: 0.33 },
      { started_at: "2026-01-01T10:00:06.000Z", finished_at: "2026-01-01T10:00:13.000Z", wall_seconds: 7 },
    ]);
    expect(timing).toEqual({ started_at: "2026-01-01T10:00:00.000Z", finished_at: "2026-01-01T10:00:13.000Z", wall_seconds: 13 });
    // A shard without a finish time leaves the merge's unknown; the longest shard is the least it took.
    expect(mergedTiming([{ started_at: "2026-01-01T10:00:00.000Z", finished_at: null, wall_seconds: 4 }, { started_at: "2026-01-01T10:00:01.000Z", finished_at: "2026-01-01T10:00:02.000Z", wall_seconds: 1 }]))
      .toEqual({ started_at: "2026-01-01T10:00:00.000Z", finished_at: null, wall_seconds: 4 });
  });
});
