// Many requests retried at once each wait on the run's abort signal: Node warned
// "MaxListenersExceededWarning: Possible EventTarget memory leak detected" (issue 12).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluate } from "../../harness/runner/evaluate.ts";
import { failFirstAttempts } from "../fake-vllm/helpers.ts";
import { startFakeVllm, type FakeVllm } from "../fake-vllm/server.ts";
import { hasSharedDatasets, SKIP_SHARED_REASON, tempDir } from "../helpers.ts";
import { fakeRunOptions } from "./fake-run-options.ts";

describe.skipIf(!hasSharedDatasets)(`retries at high concurrency${hasSharedDatasets ? "" : ` (${SKIP_SHARED_REASON})`}`, () => {
  let server: FakeVllm;
  beforeAll(async () => {
    server = await startFakeVllm({ servedModelName: "fake-model", respond: failFirstAttempts(1, { fault: "http", status: 503 }) });
  });
  afterAll(() => server.close());

  it("wait for their backoff without a MaxListenersExceededWarning", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on("warning", onWarning);
    try {
      const out = tempDir();
      const run = await evaluate(fakeRunOptions({ url: server.url, out, tasks: ["medqa.en"], limit: 40 }, { concurrency: 32, maxRetries: 2 }));
      expect(run.record.tasks[0].errors).toBe(0);
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings.filter((w) => w.includes("MaxListeners"))).toEqual([]);
  });
});
