// Shared by the sweep tests: the options every cell gets, and a fake server for a describe block.
import { afterAll, beforeAll } from "vitest";
import type { SweepBase } from "../../harness/sweep/run-sweep.ts";
import { guessingBehavior } from "../fake-vllm/helpers.ts";
import { startFakeVllm, type FakeVllm } from "../fake-vllm/server.ts";
import { SHARED_DATASETS } from "../helpers.ts";

/** `medeval run`'s defaults for the cells of a test sweep writing to `out`, quiet and uncached. */
export function testBase(out: string, extra: Partial<SweepBase> = {}): SweepBase {
  return {
    seed: 1234,
    out,
    cache: false,
    bootstrap: 200,
    progress: "none",
    signal: new AbortController().signal,
    dataDir: SHARED_DATASETS,
    fewshot: { k: 3, method: "bm25", traceLang: null, format: "multi-turn" },
    defaults: { promptStyle: "cot", scoring: "generative", shots: 3, select: "bm25" },
    ...extra,
  };
}

/** A guessing fake server serving `name`, up for the enclosing describe block. */
export function fakeServerFor(name: string): () => FakeVllm {
  let server: FakeVllm | undefined;
  beforeAll(async () => {
    server = await startFakeVllm({ servedModelName: name, maxModelLen: 8192, respond: guessingBehavior });
  });
  afterAll(async () => {
    await server?.close();
  });
  return () => server!;
}
