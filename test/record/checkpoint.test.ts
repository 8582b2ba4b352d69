import { describe, expect, it } from "vitest";
import { checkpointConflict, checkpointDifferences, servedCheckpoint } from "../../harness/record/checkpoint.ts";

const list = (...entries: object[]) => ({ object: "list", data: entries });

describe("servedCheckpoint", () => {
  it("reads root and max_model_len of the entry with the served name", () => {
    const models = list({ id: "other", root: "/w/other", max_model_len: 2048 }, { id: "m", root: "/w/m", max_model_len: 8192 });
    expect(servedCheckpoint(models, "m")).toEqual({ root: "/w/m", max_model_len: 8192 });
  });

  it("takes the only entry of a server listing one model under another name (llama.cpp), never a guess among several", () => {
    expect(servedCheckpoint(list({ id: "model.gguf", root: "/w/x" }), "local")).toEqual({ root: "/w/x", max_model_len: null });
    expect(servedCheckpoint(list({ id: "a", root: "/w/a" }, { id: "b", root: "/w/b" }), "c")).toBeNull();
  });

  it("is unknown without a /v1/models list", () => {
    expect(servedCheckpoint(null, "m")).toBeNull();
    expect(servedCheckpoint({ data: [] }, "m")).toBeNull();
    expect(servedCheckpoint({ error: "x" }, "m")).toBeNull();
  });
});

describe("checkpointDifferences", () => {
  it("names what changed and ignores what either side does not know", () => {
    expect(checkpointDifferences({ root: "/a", max_model_len: 4096 }, { root: "/b", max_model_len: 8192 })).toEqual([
      "weights (root in /v1/models): /a → /b",
      "max_model_len: 4096 → 8192",
    ]);
    expect(checkpointDifferences({ root: "/a", max_model_len: null }, { root: "/a", max_model_len: 8192 })).toEqual([]);
    expect(checkpointDifferences(null, { root: "/b", max_model_len: 1 })).toEqual([]);
  });
});

describe("checkpointConflict", () => {
  it("finds two that differ even when the first one's weights are unknown", () => {
    const items = [
      { name: "r0", checkpoint: null },
      { name: "r1", checkpoint: { root: "/a", max_model_len: null } },
      { name: "r2", checkpoint: { root: "/b", max_model_len: null } },
    ];
    expect(checkpointConflict(items)).toMatchObject({ a: { name: "r1" }, b: { name: "r2" }, differences: ["weights (root in /v1/models): /a → /b"] });
    expect(checkpointConflict(items.slice(0, 2))).toBeNull();
  });
});
