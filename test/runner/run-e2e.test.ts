// End to end on real data: the fake vLLM answers with known correctness, and the run must
// report exactly that accuracy, with samples that trace back to it.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluate, type EvaluateOptions } from "../../harness/runner/evaluate.ts";
import type { RunRecord, Sample } from "../../harness/types.ts";
import { startFakeVllm, type FakeVllm } from "../fake-vllm/server.ts";
import { hasSharedDatasets, SHARED_DATASETS, SKIP_SHARED_REASON, tempDir } from "../helpers.ts";
import { buildOracle, expectedAccuracy, oracleBehavior, type OracleTask } from "./oracle.ts";
import { fakeRunOptions } from "./fake-run-options.ts";

const TASKS = "medqa.en,medmcqa.en,mmlu_medical.anatomy.en,mmlu_medical.medical_genetics.en,headqa.es,medexpqa.it";
const LIMIT = 30;

function options(server: FakeVllm, out: string, extra: Partial<EvaluateOptions> = {}): EvaluateOptions {
  return fakeRunOptions({ url: server.url, out, tasks: TASKS.split(","), limit: LIMIT }, { concurrency: 8, bootstrap: 2000, ...extra });
}

describe.skipIf(!hasSharedDatasets)(`zero-shot run on real data (${hasSharedDatasets ? "" : SKIP_SHARED_REASON})`, () => {
  let server: FakeVllm;
  let oracle: OracleTask[];

  beforeAll(async () => {
    // Every third item wrong, the others right: accuracies known to the item.
    oracle = await buildOracle(TASKS, SHARED_DATASETS, LIMIT, (_item, i) => i % 3 !== 0);
    server = await startFakeVllm({ servedModelName: "fake-model", maxModelLen: 8192, respond: oracleBehavior(oracle) });
  });
  afterAll(() => server?.close());

  it("reports exactly the accuracy the server's answers imply, per task", async () => {
    const out = tempDir();
    const { record, dir, sent } = await evaluate(options(server, out));
    expect(sent).toBe(LIMIT * oracle.length);
    expect(record.complete).toBe(true);
    for (const t of oracle) {
      const summary = record.tasks.find((s) => s.task === t.task)!;
      expect(summary.n).toBe(LIMIT);
      expect(summary.accuracy).toBeCloseTo(expectedAccuracy(t), 10);
      expect(summary.strict).toBe(LIMIT);
      expect(summary.ci_low!).toBeLessThanOrEqual(summary.accuracy!);
      expect(summary.ci_high!).toBeGreaterThanOrEqual(summary.accuracy!);
    }
    // Every figure traces back to sample lines on disk.
    const lines = readFileSync(join(dir, "samples.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Sample);
    expect(lines).toHaveLength(LIMIT * oracle.length);
    const medqa = lines.filter((s) => s.task === "medqa.en");
    expect(medqa.filter((s) => s.correct).length).toBe(oracle[0].correct.size);
    expect(medqa[0].messages.at(-1)!.content).toContain("Answer: X");
    const onDisk = JSON.parse(readFileSync(join(dir, "run.json"), "utf8")) as RunRecord;
    expect(onDisk.tasks).toEqual(record.tasks);
    expect(onDisk.sources.find((s) => s.task === "medqa.en")).toMatchObject({ kind: "local", n: 1273 });
    expect(onDisk.server.version).not.toBeNull();
    // Italian items were asked in Italian and answered with the Italian answer line.
    const it = lines.find((s) => s.task === "medexpqa.it")!;
    expect(it.messages.at(-1)!.content).toContain("Risposta: X");
    expect(it.content).toContain("Risposta:");
  });

  it("the same seed gives the same intervals; the request body carries every sampling parameter", async () => {
    const a = await evaluate(options(server, tempDir(), { tasks: ["medqa.en"], limit: 20 }));
    const b = await evaluate(options(server, tempDir(), { tasks: ["medqa.en"], limit: 20 }));
    expect(a.record.tasks).toEqual(b.record.tasks);
    const body = server.requests.at(-1)!.body;
    expect(body).toMatchObject({ model: "fake-model", temperature: 0, top_p: 1, max_tokens: 256, seed: 1234 });
  });

  it("a served model name the server does not serve is refused with the names it does serve", async () => {
    const out = tempDir();
    const opts = options(server, out, { tasks: ["medqa.en"], limit: 20, concurrency: 1, runId: "wrong-name" });
    const before = server.generationRequests().length;
    const run = evaluate({ ...opts, overrides: { ...opts.overrides, servedModel: "llama" } });
    await expect(run).rejects.toThrow(/does not serve a model named "llama"; it serves "fake-model"/);
    expect(readdirSync(out)).toEqual([]);
    expect(server.generationRequests().length).toBe(before); // refused before any request
  });

  it("stops a misconfigured run early with the server's own words", async () => {
    const broken = await startFakeVllm({ servedModelName: "fake-model", maxModelLen: 8192, respond: () => ({ fault: "http", status: 400, message: "no-such-adapter" }) });
    try {
      const opts = options(broken, tempDir(), { tasks: ["medqa.en"], limit: 20, concurrency: 1, runId: "wrong-name" });
      const run = evaluate(opts);
      await expect(run).rejects.toThrow(/first 5 requests all failed[\s\S]*no-such-adapter/);
      // The command that started the run prints how to resume it (test/runner/resume-hint.test.ts).
      await expect(run).rejects.toMatchObject({ runId: "wrong-name" });
    } finally {
      await broken.close();
    }
  });

  it("a run too small for the fail-fast count whose every request failed does not end as a finished run", async () => {
    const broken = await startFakeVllm({ servedModelName: "fake-model", maxModelLen: 8192, respond: () => ({ fault: "http", status: 400, message: "no-such-adapter" }) });
    try {
      const opts = options(broken, tempDir(), { tasks: ["medqa.en"], limit: 3, concurrency: 1, runId: "tiny" });
      const run = evaluate(opts);
      await expect(run).rejects.toThrow(/all 3 request\(s\) failed[\s\S]*no-such-adapter/);
      await expect(run).rejects.toMatchObject({ runId: "tiny", after: expect.stringMatching(/another spec/) });
    } finally {
      await broken.close();
    }
  });

  it("says at once when no server answers at the URL", async () => {
    const out = tempDir();
    const opts = options(server, out, { tasks: ["medqa.en"], limit: 3 });
    // The preflight's own message, not the pool's "no endpoint answered for 60 s".
    await expect(evaluate({ ...opts, overrides: { ...opts.overrides, modelUrl: ["http://127.0.0.1:9/v1"] } })).rejects.toThrow(/no server answers at http:\/\/127\.0\.0\.1:9\/v1.*Is it running/);
    // Nothing was written, so no empty run folder is left for `table` to list as incomplete.
    expect(readdirSync(out)).toEqual([]);
  });

  it("--offline never downloads: a Hub-only task not in the cache is a clear error", async () => {
    const prev = process.env.MEDEVAL_HOME;
    process.env.MEDEVAL_HOME = tempDir();
    try {
      await expect(evaluate({ ...options(server, tempDir(), { tasks: ["medmcqa.it"], limit: 3 }), offline: true })).rejects.toThrow(/not in the download cache .*--offline is set/);
    } finally {
      if (prev === undefined) delete process.env.MEDEVAL_HOME;
      else process.env.MEDEVAL_HOME = prev;
    }
  });
});
