// Selection asks LanceDB for a table's schema once, not on every query (a native call that
// cost ~0.3 ms, several under load, per shot selection), and reads it again after an import
// changed the table's columns.
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { importTraces } from "../../harness/traces/import.ts";
import { selectShots } from "../../harness/traces/select.ts";
import { TraceStore } from "../../harness/traces/store.ts";
import { tempDir } from "../helpers.ts";
import { fillerTraces, item, trace, writeJsonl } from "./fixtures.ts";

describe("selection's schema look-ups", () => {
  it("reads the schema once for many selections, and again after an import adds columns", async () => {
    const dir = tempDir("medeval-traces-schema-");
    const made = await TraceStore.open(join(dir, "store"));
    await importTraces(made, writeJsonl(dir, "a.jsonl", fillerTraces("en", 12)));
    await (await made.table("en"))!.dropColumns(["split"]); // a store made before splits were kept
    made.close();
    const store = await TraceStore.open(join(dir, "store"));
    const table = (await store.table("en"))!;
    const schema = vi.spyOn(table, "schema");
    const q = item("1", "en", "Fever and cough in a child: what next?");
    for (const method of ["bm25", "random", "bm25", "random"] as const) {
      const r = await selectShots(store, q, { k: 3, method, seed: 1 });
      expect(r.shots.every((s) => s.split === "unknown")).toBe(true);
    }
    // Once, by the BM25 index (and documents file) built for this old store's version: selections read those.
    expect(schema).toHaveBeenCalledTimes(1);
    await expect(selectShots(store, q, { k: 1, method: "embedding", seed: 1, embed: async () => [[1, 0, 0]] })).rejects.toThrow(/"en" traces .* have no vectors/);
    expect(schema).toHaveBeenCalledTimes(2); // the vector column's dimension, looked up once
    await expect(selectShots(store, q, { k: 1, method: "embedding", seed: 1, embed: async () => [[1, 0, 0]] })).rejects.toThrow(/have no vectors/);
    expect(schema).toHaveBeenCalledTimes(2);

    // The import adds the split and vector columns: selection must see both.
    const file = writeJsonl(dir, "b.jsonl", [trace("new-train", "en", "Fever and cough in a child with wheeze", { split: "train", vector: [0, 1, 0] })]);
    await importTraces(store, file);
    const random = await selectShots(store, q, { k: 13, method: "random", seed: 2 });
    expect(random.shots.find((s) => s.id === "new-train")?.split).toBe("train");
    const nearest = await selectShots(store, q, { k: 1, method: "embedding", seed: 1, embed: async () => [[0, 1, 0]] });
    expect(nearest.shots.map((s) => s.id)).toEqual(["new-train"]);
    await expect(selectShots(store, q, { k: 1, method: "embedding", seed: 1, embed: async () => [[0, 1]] })).rejects.toThrow(/2-dimensional vector; the store's vectors have 3/);
    store.close();
  });
});
