// --export-batch → a fake `vllm run-batch` → --import-batch, for every scoring mode: the run
// is complete, its samples are byte for byte those of the same run done live on the same
// replies, and lines that are missing, failed, duplicated or foreign are counted exactly and
// stay pending (re-exported, or answered live by a normal run of the same spec).
import { appendFileSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exportBatchRequests, importBatchResults } from "../../harness/runner/batch-run.ts";
import { evaluate, type EvaluateOptions } from "../../harness/runner/evaluate.ts";
import { BATCH_CHAT_URL, BATCH_COMPLETIONS_URL, batchCustomId, type BatchRequestLine } from "../../harness/runner/export-batch.ts";
import { readRunRecord } from "../../harness/record/run-files.ts";
import { UserError, type ScoringMode, type Setting } from "../../harness/types.ts";
import { firstTokenReply, guessLetter, guessingBehavior } from "../fake-vllm/helpers.ts";
import { fakeRunBatch, type LineFault } from "../fake-vllm/run-batch.ts";
import { startFakeVllm } from "../fake-vllm/server.ts";
import type { Behavior, FakeVllmOptions } from "../fake-vllm/types.ts";
import { hasSharedDatasets, SKIP_SHARED_REASON, tempDir } from "../helpers.ts";
import { normalisedSamples } from "./batch-samples.ts";
import { fakeRunOptions } from "./fake-run-options.ts";

const LIMIT = 5;
const TASKS = ["medqa.en", "headqa.es"];
const ITEMS = LIMIT * TASKS.length;

/** One behaviour for all three modes: a cot answer, a first-token reply, an echoed completion (hashScorer's logprobs). */
const behavior: Behavior = (req) => {
  if (req.endpoint === "completions") return { content: "\n" };
  if (req.body.logprobs === true) {
    const letter = guessLetter(req.messages);
    return firstTokenReply({ [letter]: Math.log(0.7), [letter === "A" ? "B" : "A"]: Math.log(0.2), The: Math.log(0.05) });
  }
  return guessingBehavior(req);
};
const SERVER: FakeVllmOptions = { servedModelName: "fake-model", maxModelLen: 16_384, respond: behavior };

interface Mode {
  scoring: ScoringMode;
  setting: Setting;
  url: string;
}
const MODES: Mode[] = [
  { scoring: "generative", setting: "zero-shot", url: BATCH_CHAT_URL },
  { scoring: "first-token", setting: "zero-shot", url: BATCH_CHAT_URL },
  { scoring: "loglikelihood", setting: "zero-shot", url: BATCH_COMPLETIONS_URL },
  { scoring: "loglikelihood", setting: "few-shot", url: BATCH_COMPLETIONS_URL },
];

function options(out: string, mode: Mode, url = "http://127.0.0.1:9/v1", extra: Partial<EvaluateOptions> = {}): EvaluateOptions {
  return fakeRunOptions(
    { url, out, tasks: TASKS, limit: LIMIT },
    {
      overrides: { modelUrl: [url], servedModel: "fake-model", params: { max_tokens: 512 } },
      setting: mode.setting,
      scoring: mode.scoring,
      fewshot: { k: 2, method: "bm25", traceLang: null, format: "multi-turn", sampler: "first", content: "answer" },
      ...extra,
    },
  );
}

function jsonl<T>(file: string): T[] {
  return readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as T);
}

/** A new run's export, put through the fake run-batch with `faults`: its folder, files and export result. */
async function batched(mode: Mode, faults: Omit<Parameters<typeof fakeRunBatch>[0], "input" | "output" | "server"> = {}) {
  const out = tempDir();
  const requests = join(tempDir(), "requests.jsonl");
  const results = join(tempDir(), "results.jsonl");
  const exported = await exportBatchRequests(options(out, mode), { file: requests, batchSize: null, servedCheckpoint: null });
  await fakeRunBatch({ input: requests, output: results, server: SERVER, ...faults });
  return { out, requests, results, exported };
}

describe.skipIf(!hasSharedDatasets)(`batch round trip${hasSharedDatasets ? "" : ` (${SKIP_SHARED_REASON})`}`, () => {
  for (const mode of MODES) {
    it(`${mode.scoring} ${mode.setting}: export → run-batch → import is complete and equals the live run's samples`, async () => {
      const live = await startFakeVllm(SERVER);
      let liveDir: string;
      try {
        liveDir = (await evaluate(options(tempDir(), mode, live.url))).dir;
      } finally {
        await live.close();
      }

      const out = tempDir();
      const requests = join(tempDir(), "requests.jsonl");
      const results = join(tempDir(), "results.jsonl");
      const exported = await exportBatchRequests(options(out, mode), { file: requests, batchSize: null, servedCheckpoint: null });
      expect(exported).toMatchObject({ written: ITEMS, files: [requests], alreadyAnswered: 0, cached: 0 });
      const lines = jsonl<BatchRequestLine>(requests);
      expect(new Set(lines.map((l) => l.url))).toEqual(new Set([mode.url]));
      await fakeRunBatch({ input: requests, output: results, server: SERVER });

      const { outcome, report } = await importBatchResults(options(out, mode), { files: [results], servedCheckpoint: "/models/fake-checkpoint" });
      expect(report).toMatchObject({ read: ITEMS, imported: ITEMS, missing: [], failed: [], duplicated: [], foreign: [], complete: true });
      expect(outcome.record.complete).toBe(true);
      expect(outcome.record.run_id).toBe(exported.runId);
      const record = readRunRecord(join(outcome.dir, "run.json"));
      expect(record.server).toEqual({
        models: { object: "list", data: [{ id: "fake-model", object: "model", root: "/models/fake-checkpoint", max_model_len: null }] },
        version: null,
        queried_live: false,
      });
      const samples = normalisedSamples(outcome.dir);
      expect(samples).toHaveLength(ITEMS);
      expect(samples).toEqual(normalisedSamples(liveDir!));
    }, 90_000);
  }

  it("counts missing, failed, duplicated and foreign lines exactly; re-exports only what stays pending; a second import completes it", async () => {
    const mode = MODES[0];
    const fail = new Map<number, LineFault>([
      [2, { kind: "error", message: "engine died" }],
      [3, { kind: "status", status: 500, message: "boom" }],
    ]);
    const { out, requests, results, exported } = await batched(mode, { fail, drop: new Set([4]), duplicate: new Set([5]) });
    const { runId, specHash } = exported;
    const ids = jsonl<BatchRequestLine>(requests).map((l) => l.custom_id);
    // Another run's line (another spec hash) and a line medeval did not write.
    const foreignId = batchCustomId("0".repeat(64), runId, "medqa.en", "x");
    appendFileSync(results, `${JSON.stringify({ id: "a", custom_id: foreignId, response: { status_code: 200, body: {} }, error: null })}\n`);
    appendFileSync(results, `${JSON.stringify({ id: "b", custom_id: "request-1", response: { status_code: 200, body: {} }, error: null })}\n`);
    // This run's spec, but an item it does not plan.
    const unplannedId = batchCustomId(specHash, runId, "medqa.en", "no-such-item");
    appendFileSync(results, `${JSON.stringify({ id: "c", custom_id: unplannedId, response: { status_code: 200, body: {} }, error: null })}\n`);

    const first = await importBatchResults(options(out, mode), { files: [results], servedCheckpoint: null });
    const r = first.report;
    expect(r.read).toBe(ITEMS - 1 + 1 + 3);
    expect(r.imported).toBe(ITEMS - 1);
    expect(r.missing).toEqual([ids[3].split(":").slice(3).join("/")]);
    expect(r.failed.map((f) => f.customId)).toEqual([ids[1], ids[2]]);
    expect(r.failed[0].why).toContain("engine died");
    expect(r.failed[1].why).toContain("HTTP 500: boom");
    expect(r.duplicated.map((d) => d.customId)).toEqual([ids[4]]);
    expect(r.foreign.map((f) => f.customId)).toEqual([foreignId, "request-1", unplannedId]);
    expect(r.foreign.map((f) => f.why)).toEqual([expect.stringContaining("another run's spec"), "not a medeval custom_id", "item medqa.en/no-such-item is not planned by this run"]);
    expect(r.complete).toBe(false);
    expect(first.outcome.record.complete).toBe(false);
    expect(first.outcome.record.tasks.reduce((n, t) => n + t.errors, 0)).toBe(2);

    // Only the failed and the missing are exported again.
    const again = join(tempDir(), "again.jsonl");
    const second = await exportBatchRequests(options(out, mode), { file: again, batchSize: null, servedCheckpoint: null });
    expect(second).toMatchObject({ written: 3, alreadyAnswered: ITEMS - 3, specHash });
    expect(jsonl<BatchRequestLine>(again).map((l) => l.custom_id).sort()).toEqual([ids[1], ids[2], ids[3]].sort());

    const results2 = join(tempDir(), "results2.jsonl");
    await fakeRunBatch({ input: again, output: results2, server: SERVER });
    // Both files again (a glob over the folder): the first file's answered lines are already in the journal.
    const done = await importBatchResults(options(out, mode), { files: [results, results2], servedCheckpoint: null });
    expect(done.report).toMatchObject({ imported: 3, alreadyAnswered: ITEMS - 3, missing: [], failed: [], complete: true });
    expect(done.outcome.record.complete).toBe(true);
  }, 90_000);

  it("scores a context-overflow line as a live run scores the 400 (not pending), and counts it apart", async () => {
    const mode = MODES[0];
    const overflow: LineFault = { kind: "status", status: 400, message: "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens." };
    const { out, results } = await batched(mode, { fail: new Map([[1, overflow]]) });
    const { outcome, report } = await importBatchResults(options(out, mode), { files: [results], servedCheckpoint: null });
    expect(report).toMatchObject({ imported: ITEMS, failed: [], missing: [], complete: true });
    expect(report.overflowed).toHaveLength(1);
    expect(report.overflowed[0].why).toContain("maximum context length");
    const samples = jsonl<{ status: string }>(join(outcome.dir, "samples.jsonl"));
    expect(samples.filter((s) => s.status === "context_overflow")).toHaveLength(1);
    // Nothing left to export: an overflow is an outcome, as in a live run.
    const again = await exportBatchRequests(options(out, mode), { file: join(tempDir(), "again.jsonl"), batchSize: null, servedCheckpoint: null });
    expect(again.written).toBe(0);
  }, 90_000);

  it("a 200 line whose body is no reply fails (pending), named as the client names a malformed answer", async () => {
    const { out, requests, results } = await batched(MODES[0], { drop: new Set([1]) });
    const first = jsonl<BatchRequestLine>(requests)[0].custom_id;
    appendFileSync(results, `${JSON.stringify({ id: "x", custom_id: first, response: { status_code: 200, body: { object: "chat.completion", choices: [] } }, error: null })}\n`);
    const { report } = await importBatchResults(options(out, MODES[0]), { files: [results], servedCheckpoint: null });
    expect(report.failed.map((f) => [f.customId, f.why])).toEqual([[first, "the server answered 200 without any choices"]]);
    expect(report.complete).toBe(false);
  }, 90_000);

  it("a partial import is finished by a normal live run of the same spec", async () => {
    const mode = MODES[0];
    const { out, results } = await batched(mode, { drop: new Set([1, 2]) });
    const partial = await importBatchResults(options(out, mode), { files: [results], servedCheckpoint: null });
    expect(partial.report.missing).toHaveLength(2);
    const live = await startFakeVllm(SERVER);
    try {
      const before = live.generationRequests().length;
      const outcome = await evaluate(options(out, mode, live.url));
      expect(live.generationRequests().length - before).toBe(2);
      expect(outcome.record.complete).toBe(true);
      expect(outcome.record.server.queried_live).toBeUndefined();
    } finally {
      await live.close();
    }
  }, 90_000);

  it("--batch-size splits the export into numbered files of at most N lines", async () => {
    const file = join(tempDir(), "requests.jsonl");
    const done = await exportBatchRequests(options(tempDir(), MODES[0]), { file, batchSize: { lines: 4 }, servedCheckpoint: null });
    const parts = [1, 2, 3].map((n) => file.replace("requests.jsonl", `requests-0000${n}.jsonl`));
    expect(done.files).toEqual(parts);
    expect(parts.map((p) => jsonl(p).length)).toEqual([4, 4, 2]);
    expect(done.written).toBe(ITEMS);
  }, 60_000);

  it("--batch-size 1KB splits by bytes: every part within the limit, the lines in order, and a line too big refused", async () => {
    const whole = join(tempDir(), "whole.jsonl");
    await exportBatchRequests(options(tempDir(), MODES[0]), { file: whole, batchSize: null, servedCheckpoint: null });
    const lines = readFileSync(whole, "utf8").split(/(?<=\n)/);
    const longest = Math.max(...lines.map((l) => Buffer.byteLength(l)));
    const limit = 2 * longest + 1;
    const file = join(tempDir(), "requests.jsonl");
    const done = await exportBatchRequests(options(tempDir(), MODES[0]), { file, batchSize: { bytes: limit }, servedCheckpoint: null });
    expect(done.files.length).toBeGreaterThan(1);
    for (const part of done.files) expect(statSync(part).size).toBeLessThanOrEqual(limit);
    expect(done.files.map((p) => readFileSync(p, "utf8")).join("")).toBe(lines.join(""));
    const tooSmall = exportBatchRequests(options(tempDir(), MODES[0]), { file: join(tempDir(), "r.jsonl"), batchSize: { bytes: longest - 1 }, servedCheckpoint: null });
    await expect(tooSmall).rejects.toBeInstanceOf(UserError);
  }, 60_000);

  it("keeps the checkpoint honest: an import cannot drop a known checkpoint, and a live resume on other weights is refused", async () => {
    const mode = MODES[0];
    const { out, results } = await batched(mode, { drop: new Set([1]) });
    await importBatchResults(options(out, mode), { files: [results], servedCheckpoint: "/models/a" });
    // The same run's import without the checkpoint would erase it: refused, naming the flag.
    const unnamed = importBatchResults(options(out, mode), { files: [results], servedCheckpoint: null });
    await expect(unnamed).rejects.toBeInstanceOf(UserError);
    await expect(unnamed).rejects.toThrow("--served-checkpoint /models/a");
    // A live server that serves other weights under the name cannot finish it.
    const live = await startFakeVllm({ ...SERVER, root: "/models/b" });
    try {
      await expect(evaluate(options(out, mode, live.url))).rejects.toThrow("/models/a → /models/b");
    } finally {
      await live.close();
    }
  }, 90_000);
});

describe.skipIf(!hasSharedDatasets)(`batch files and the response cache${hasSharedDatasets ? "" : ` (${SKIP_SHARED_REASON})`}`, () => {
  it("leaves items the cache answers out of the export, and the import takes them from the cache", async () => {
    const home = tempDir();
    const previous = process.env.MEDEVAL_HOME;
    process.env.MEDEVAL_HOME = home;
    try {
      // A readable checkpoint folder: the cache identity is a fingerprint of its files.
      const checkpoint = tempDir("medeval-weights-");
      writeFileSync(join(checkpoint, "model.safetensors"), "weights");
      const mode = MODES[0];
      const live = await startFakeVllm({ ...SERVER, root: checkpoint });
      try {
        // A live run with --limit 3 fills the cache for the first 3 items of each task.
        await evaluate(options(tempDir(), mode, live.url, { cache: true, limit: 3 }));
      } finally {
        await live.close();
      }
      const out = tempDir();
      const requests = join(tempDir(), "requests.jsonl");
      const exported = await exportBatchRequests(options(out, mode, undefined, { cache: true }), { file: requests, batchSize: null, servedCheckpoint: checkpoint });
      expect(exported).toMatchObject({ written: ITEMS - 6, cached: 6, alreadyAnswered: 0 });
      // Without the checkpoint the cache cannot be tied to the weights: everything is exported.
      const unnamed = await exportBatchRequests(options(tempDir(), mode, undefined, { cache: true }), { file: join(tempDir(), "r.jsonl"), batchSize: null, servedCheckpoint: null });
      expect(unnamed).toMatchObject({ written: ITEMS, cached: 0 });

      const results = join(tempDir(), "results.jsonl");
      await fakeRunBatch({ input: requests, output: results, server: SERVER });
      const { outcome, report } = await importBatchResults(options(out, mode, undefined, { cache: true }), { files: [results], servedCheckpoint: checkpoint });
      expect(report).toMatchObject({ imported: ITEMS - 6, fromCache: 6, missing: [], failed: [], complete: true });
      expect(outcome.record.tasks.reduce((n, t) => n + (t.from_cache?.samples ?? 0), 0)).toBe(6);
    } finally {
      if (previous === undefined) delete process.env.MEDEVAL_HOME;
      else process.env.MEDEVAL_HOME = previous;
    }
  }, 90_000);
});
