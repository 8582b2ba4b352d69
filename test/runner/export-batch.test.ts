// --export-batch: the requests a live run sends, written as OpenAI Batch lines instead, under
// the live run's spec hash and run id, leaving out items its journal already answered.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluate, type EvaluateOptions } from "../../harness/runner/evaluate.ts";
import { exportBatchRequests } from "../../harness/runner/batch-run.ts";
import { BATCH_CHAT_URL, type BatchRequestLine } from "../../harness/runner/export-batch.ts";
import { answerWith } from "../fake-vllm/helpers.ts";
import { startFakeVllm, type FakeVllm } from "../fake-vllm/server.ts";
import { hasSharedDatasets, SHARED_DATASETS, SKIP_SHARED_REASON, tempDir } from "../helpers.ts";

const LIMIT = 6;

function readLines(file: string): BatchRequestLine[] {
  return readFileSync(file, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as BatchRequestLine);
}

describe.skipIf(!hasSharedDatasets)(`export-batch${hasSharedDatasets ? "" : ` (${SKIP_SHARED_REASON})`}`, () => {
  let server: FakeVllm;
  beforeAll(async () => {
    server = await startFakeVllm({ servedModelName: "fake-model", maxModelLen: 8192, respond: answerWith(() => "B", "cot") });
  });
  afterAll(async () => server?.close());

  const options = (out: string, extra: Partial<EvaluateOptions> = {}): EvaluateOptions => ({
    overrides: { modelUrl: [server.url], servedModel: "fake-model", params: { max_tokens: 256 } },
    tasks: ["medqa.en"],
    setting: "few-shot",
    fewshot: { k: 2, method: "bm25", traceLang: null, format: "multi-turn" },
    promptStyle: "cot",
    scoring: "generative",
    limit: LIMIT,
    seed: 7,
    dataDir: SHARED_DATASETS,
    out,
    cache: false,
    bootstrap: 100,
    progress: "none",
    signal: new AbortController().signal,
    ...extra,
  });

  it("writes the live run's bodies under its spec hash and run id, and skips answered items", async () => {
    const out = tempDir();
    const before = server.requests.length;
    const live = await evaluate(options(out));
    const sent = server.requests.slice(before).filter((r) => r.path.endsWith("/chat/completions")).map((r) => r.body);
    expect(sent).toHaveLength(LIMIT);

    // A fresh folder: every item, the same bodies the live run sent.
    const file = join(tempDir(), "requests.jsonl");
    const fresh = await exportBatchRequests(options(tempDir()), { file, batchSize: null, servedCheckpoint: null });
    expect(fresh).toMatchObject({ written: LIMIT, alreadyAnswered: 0, runId: live.record.run_id, specHash: live.record.spec_hash });
    const lines = readLines(file);
    expect(lines.map((l) => [l.method, l.url])).toEqual(Array(LIMIT).fill(["POST", BATCH_CHAT_URL]));
    const byMessages = (bodies: unknown[]) => [...bodies].map((b) => JSON.stringify(b)).sort();
    expect(byMessages(lines.map((l) => l.body))).toEqual(byMessages(sent));
    const ids = lines.map((l) => l.custom_id);
    expect(new Set(ids).size).toBe(LIMIT);
    for (const id of ids) expect(id).toMatch(new RegExp(`^medeval:${live.record.spec_hash}:${live.record.run_id}:medqa\\.en:.+$`));

    // The live run's own folder: everything answered, nothing to export.
    expect(await exportBatchRequests(options(out), { file, batchSize: null, servedCheckpoint: null })).toMatchObject({ written: 0, alreadyAnswered: LIMIT });
    expect(readFileSync(file, "utf8")).toBe("");
    // Two samples left in the journal: the other four are exported.
    const journal = join(live.dir, "samples.jsonl");
    writeFileSync(journal, readFileSync(journal, "utf8").split("\n").slice(0, 2).join("\n") + "\n");
    expect(await exportBatchRequests(options(out), { file, batchSize: null, servedCheckpoint: null })).toMatchObject({ written: LIMIT - 2, alreadyAnswered: 2 });
    expect(readLines(file).every((l) => ids.includes(l.custom_id))).toBe(true);
  }, 60_000);
});
