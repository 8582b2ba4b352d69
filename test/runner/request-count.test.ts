// "sent N requests" counts what went on the wire: first attempts and retries, each named.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestsLine } from "../../harness/commands/run.ts";
import { evaluate } from "../../harness/runner/evaluate.ts";
import { failFirstAttempts } from "../fake-vllm/helpers.ts";
import { startFakeVllm, type FakeVllm } from "../fake-vllm/server.ts";
import { hasSharedDatasets, SHARED_DATASETS, SKIP_SHARED_REASON, tempDir } from "../helpers.ts";

describe.skipIf(!hasSharedDatasets)(`request counts (${hasSharedDatasets ? "" : SKIP_SHARED_REASON})`, () => {
  let server: FakeVllm;
  beforeAll(async () => {
    server = await startFakeVllm({ servedModelName: "fake-model", maxModelLen: 100_000, respond: failFirstAttempts(1, { fault: "http", status: 500 }) });
  });
  afterAll(() => server?.close());

  it("counts retries beside the first attempts", async () => {
    const out = tempDir();
    const outcome = await evaluate({
      overrides: { modelUrl: [server.url], servedModel: "fake-model", params: { max_tokens: 256 } },
      modelsFile: join(out, "none.yaml"), tasks: ["medqa.en"], setting: "zero-shot", promptStyle: "cot", scoring: "generative",
      limit: 4, concurrency: 2, seed: 1, dataDir: SHARED_DATASETS, out, cache: false, bootstrap: 100, progress: "none",
      signal: new AbortController().signal, maxRetries: 2,
    });
    expect(server.generationRequests().length).toBe(8);
    expect(outcome).toMatchObject({ answered: 4, sent: 4, retries: 4 });
    expect(requestsLine(outcome)).toBe("4 items, 8 requests incl. 4 retries");
    expect(requestsLine({ answered: 1, sent: 1, retries: 0 })).toBe("1 item, 1 request");
  });
});
