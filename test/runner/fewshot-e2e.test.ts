// The few-shot-traces setting end to end: a small trace file the test writes, a real LanceDB
// store in a temp dir, real MedQA items, and the fake vLLM.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportBatchRequests, importBatchResults } from "../../harness/runner/batch-run.ts";
import { evaluate, type EvaluateOptions } from "../../harness/runner/evaluate.ts";
import { evaluatedSplitWarning } from "../../harness/runner/fewshot-prepare.ts";
import { readJournal } from "../../harness/record/journal.ts";
import { loadItems, loadRegistry } from "../../harness/tasks/index.ts";
import { BM25_SCORER } from "../../harness/traces/bm25.ts";
import { importTraces } from "../../harness/traces/import.ts";
import { TraceStore } from "../../harness/traces/store.ts";
import { letterOf, type Item, type Sample } from "../../harness/types.ts";
import { fakeRunBatch } from "../fake-vllm/run-batch.ts";
import { startFakeVllm, type FakeVllm } from "../fake-vllm/server.ts";
import type { FakeVllmOptions } from "../fake-vllm/types.ts";
import { hasSharedDatasets, SHARED_DATASETS, SKIP_SHARED_REASON, tempDir } from "../helpers.ts";
import { normalisedSamples } from "./batch-samples.ts";
import { buildOracle, oracleBehavior } from "./oracle.ts";

const LIMIT = 8;

describe.skipIf(!hasSharedDatasets)(`few-shot-traces run (${hasSharedDatasets ? "" : SKIP_SHARED_REASON})`, () => {
  let server: FakeVllm;
  let serverOptions: FakeVllmOptions;
  let storeDir: string;
  let testItems: Item[];

  beforeAll(async () => {
    const registry = loadRegistry();
    testItems = (await loadItems(registry.resolve("medqa.en")[0], "test", { dataDir: SHARED_DATASETS })).items.slice(0, LIMIT);
    const pool = (await loadItems(registry.resolve("medqa.en")[0], "pool", { dataDir: SHARED_DATASETS })).items.slice(0, 60);
    const traces = [
      ...pool.map((it, i) => ({ id: `en-${i}`, lang: "en", source_dataset: "medqa", source_question_id: `dev-${it.id}`, question: it.question, options: it.options, answer: it.answer, reasoning: `Reasoning for dev ${i}: the findings fit option ${letterOf(it.answer)}.` })),
      ...pool.slice(0, 20).map((it, i) => ({ id: `it-${i}`, lang: "it", source_dataset: "medqa", source_question_id: `dev-${it.id}`, question: it.question, options: it.options, answer: it.answer, reasoning: `Ragionamento ${i}.` })),
      // Leaks: a trace written for the first test question itself, and a near copy of the second.
      { id: "leak-same", lang: "en", source_dataset: "medqa", source_question_id: testItems[0].id, question: testItems[0].question, options: testItems[0].options, answer: testItems[0].answer, reasoning: "Leak." },
      { id: "leak-near", lang: "en", source_dataset: "other", source_question_id: "x", question: `Consider this case. ${testItems[1].question}`, options: testItems[1].options, answer: testItems[1].answer, reasoning: "Near leak." },
    ];
    const file = join(tempDir(), "traces.jsonl");
    writeFileSync(file, traces.map((t) => JSON.stringify(t)).join("\n"));
    storeDir = join(tempDir(), "store");
    const store = await TraceStore.open(storeDir);
    const report = await importTraces(store, file);
    store.close();
    expect(report.added).toBe(traces.length);
    const oracle = await buildOracle("medqa.en", SHARED_DATASETS, LIMIT, () => true);
    serverOptions = { servedModelName: "fake-model", maxModelLen: 100_000, respond: oracleBehavior(oracle) };
    server = await startFakeVllm(serverOptions);
  }, 120_000);
  afterAll(() => server?.close());

  function options(extra: Partial<EvaluateOptions> = {}): EvaluateOptions {
    const out = tempDir();
    return {
      overrides: { modelUrl: [server.url], servedModel: "fake-model", params: { max_tokens: 256 } },
      modelsFile: join(out, "none.yaml"), tasks: ["medqa.en"], setting: "few-shot-traces", promptStyle: "cot", scoring: "generative",
      limit: LIMIT, concurrency: 4, seed: 11, dataDir: SHARED_DATASETS, out, cache: false, bootstrap: 500, progress: "none",
      signal: new AbortController().signal,
      fewshot: { k: 3, method: "bm25", traceLang: null, format: "multi-turn", store: storeDir },
      ...extra,
    };
  }

  function samplesOf(dir: string): Sample[] {
    return [...readJournal(join(dir, "samples.jsonl")).samples.values()].sort((a, b) => Number(a.item_id) - Number(b.item_id));
  }

  it("puts k traces in the prompt as chat turns, records their ids, and never uses a leak", async () => {
    const { record, dir } = await evaluate(options());
    expect(record.tasks[0]).toMatchObject({ n: LIMIT, accuracy: 1 });
    expect(record.spec.fewshot).toMatchObject({ k: 3, method: "bm25", format: "multi-turn", bm25_terms: 16, bm25_scorer: BM25_SCORER, store: { tables: { en: { rows: 62 }, it: { rows: 20 } }, embedding_model: null } });
    expect(JSON.stringify(record.spec.fewshot)).not.toContain(storeDir); // content, not location, identifies the store
    const samples = samplesOf(dir);
    for (const s of samples) {
      expect(s.shots).toHaveLength(3);
      expect(s.shots!.some((id) => id.startsWith("leak"))).toBe(false);
      expect(s.messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user", "assistant", "user", "assistant", "user"]);
      expect(s.messages[2].content.trim().endsWith(`Answer: ${s.messages[2].content.trim().at(-1)}`)).toBe(true);
    }
    const excluded = samples.flatMap((s) => (s.scores?.shots_excluded as { id: string; reason: string }[]) ?? []);
    expect(excluded).toContainEqual({ id: "leak-same", reason: "same_question" });
    expect(excluded).toContainEqual({ id: "leak-near", reason: "near_duplicate" });
  }, 60_000);

  it("random selection is seeded: same seed, same shots; another seed, other shots", async () => {
    const a = samplesOf((await evaluate(options({ fewshot: { k: 2, method: "random", traceLang: null, format: "single", store: storeDir } }))).dir);
    const b = samplesOf((await evaluate(options({ fewshot: { k: 2, method: "random", traceLang: null, format: "single", store: storeDir } }))).dir);
    const seeded = await evaluate(options({ seed: 12, fewshot: { k: 2, method: "random", traceLang: null, format: "single", store: storeDir } }));
    const c = samplesOf(seeded.dir);
    expect(seeded.record.spec.fewshot).not.toHaveProperty("bm25_scorer"); // only bm25 depends on it
    expect(a.map((s) => s.shots)).toEqual(b.map((s) => s.shots));
    expect(a.map((s) => s.shots)).not.toEqual(c.map((s) => s.shots));
    expect(a[0].messages).toHaveLength(2); // single turn: system + one user message holding the examples
  }, 60_000);

  it("--trace-lang crosses languages (Italian traces for English questions)", async () => {
    const { dir } = await evaluate(options({ fewshot: { k: 2, method: "bm25", traceLang: "it", format: "multi-turn", store: storeDir } }));
    for (const s of samplesOf(dir)) expect(s.shots!.every((id) => id.startsWith("it-"))).toBe(true);
  }, 60_000);

  it("--resume RUN_ID keeps the run's few-shot choices (the command line's defaults do not make it another spec)", async () => {
    const first = options({ limit: 4, fewshot: { k: 2, method: "random", traceLang: "it", format: "single", store: storeDir } });
    const done = await evaluate(first);
    const resumed = await evaluate({
      ...options(),
      out: first.out,
      tasks: undefined,
      resume: done.record.run_id,
      fewshot: { k: 3, method: "bm25", traceLang: null, format: "multi-turn", store: storeDir },
    });
    expect(resumed.dir).toBe(done.dir);
    expect(resumed.sent).toBe(0);
    expect(resumed.record.spec.fewshot).toEqual(done.record.spec.fewshot);
  }, 60_000);

  it("goes through a vLLM batch: the exported prompts carry the shots, and the import equals the live run's samples", async () => {
    const live = await evaluate(options());
    const batchOptions = { ...options(), overrides: { servedModel: "fake-model", modelUrl: ["http://127.0.0.1:9/v1"], params: { max_tokens: 256 } } };
    const requests = join(tempDir(), "requests.jsonl");
    const results = join(tempDir(), "results.jsonl");
    const exported = await exportBatchRequests(batchOptions, { file: requests, batchSize: null, servedCheckpoint: null });
    expect(exported).toMatchObject({ written: LIMIT, alreadyAnswered: 0 });
    const lines = readFileSync(requests, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as { body: { messages: { role: string }[] } });
    // k = 3 multi-turn shots: system, 3 × (user, assistant), then the question.
    for (const line of lines) expect(line.body.messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user", "assistant", "user", "assistant", "user"]);
    await fakeRunBatch({ input: requests, output: results, server: serverOptions });
    const { outcome, report } = await importBatchResults(batchOptions, { files: [results], servedCheckpoint: "/models/fake-model" });
    expect(report).toMatchObject({ imported: LIMIT, missing: [], failed: [], complete: true });
    expect(samplesOf(outcome.dir).every((s) => s.shots?.length === 3)).toBe(true);
    expect(normalisedSamples(outcome.dir)).toEqual(normalisedSamples(live.dir));
  }, 120_000);

  it("says how to build a store when there is none", async () => {
    await expect(evaluate(options({ fewshot: { k: 2, method: "bm25", traceLang: null, format: "multi-turn", store: join(tempDir(), "missing") } }))).rejects.toThrow(/no trace store .*medeval traces import/);
  });
});

describe.skipIf(!hasSharedDatasets)(`few-shot-traces and the evaluated split (${hasSharedDatasets ? "" : SKIP_SHARED_REASON})`, () => {
  let server: FakeVllm;
  let serverOptions: FakeVllmOptions;
  let storeDir: string;

  beforeAll(async () => {
    const registry = loadRegistry();
    const pool = (await loadItems(registry.resolve("medqa.en")[0], "pool", { dataDir: SHARED_DATASETS })).items.slice(0, 10);
    const test = (await loadItems(registry.resolve("medqa.en")[0], "test", { dataDir: SHARED_DATASETS })).items;
    const trace = (id: string, it: Item, extra: Record<string, unknown>) => ({ id, lang: "en", source_dataset: "medqa", question: it.question, options: it.options, answer: it.answer, reasoning: `Reasoning ${id}.`, ...extra });
    const traces = [
      ...pool.map((it, i) => trace(`dev-${i}`, it, { source_question_id: `q${i}`, split: "dev" })),
      // Traces written for other test questions (items 100..103, never in the first 4 evaluated).
      ...test.slice(100, 104).map((it, i) => trace(`test-${i}`, it, { source_question_id: `medqa_test_${100 + i}` })),
    ];
    const file = join(tempDir(), "traces.jsonl");
    writeFileSync(file, traces.map((t) => JSON.stringify(t)).join("\n"));
    storeDir = join(tempDir(), "store");
    const store = await TraceStore.open(storeDir);
    await importTraces(store, file);
    store.close();
    server = await startFakeVllm({ servedModelName: "fake-model", maxModelLen: 100_000, respond: () => ({ content: "Answer: A" }) });
  }, 120_000);
  afterAll(() => server?.close());

  const options = (allow: boolean): EvaluateOptions => {
    const out = tempDir();
    return {
      overrides: { modelUrl: [server.url], servedModel: "fake-model", params: { max_tokens: 64 } },
      modelsFile: join(out, "none.yaml"), tasks: ["medqa.en"], setting: "few-shot-traces", promptStyle: "cot", scoring: "generative",
      limit: 4, concurrency: 2, seed: 3, dataDir: SHARED_DATASETS, out, cache: false, bootstrap: 200, progress: "none",
      signal: new AbortController().signal,
      fewshot: { k: 12, method: "random", traceLang: null, format: "single", store: storeDir, allowTestSplitTraces: allow },
    };
  };

  it("refuses traces of MedQA's test split by default, and with the option records it in the spec and warns", async () => {
    // 10 dev traces for 12 shots (14 with the test-split ones: all of them are drawn): without the 4 test-split traces the store cannot fill a prompt.
    await expect(evaluate(options(false))).rejects.toThrow(/4 were written for medqa's test split.*--allow-test-split-traces/);
    const allowed = await evaluate({ ...options(true), fewshot: { ...options(true).fewshot!, k: 14 } });
    expect(allowed.record.spec.fewshot).toMatchObject({ allow_test_split_traces: true });
    const samples = [...readJournal(join(allowed.dir, "samples.jsonl")).samples.values()];
    for (const s of samples) {
      expect(s.shots!.filter((id) => id.startsWith("test-")).sort()).toEqual(["test-0", "test-1", "test-2", "test-3"]);
      expect(s.scores!.shots_from_evaluated_split).toHaveLength(4);
    }
    expect(evaluatedSplitWarning(samples)).toMatch(/^warning: 4 prompt\(s\) of medqa\.en used 4 trace\(s\) written for its evaluated \(test\) split/);
    const byDefault = await evaluate({ ...options(false), fewshot: { ...options(false).fewshot!, k: 5 } });
    expect(byDefault.record.spec.fewshot).not.toHaveProperty("allow_test_split_traces");
    for (const s of readJournal(join(byDefault.dir, "samples.jsonl")).samples.values()) {
      expect(s.shots!.some((id) => id.startsWith("test-"))).toBe(false);
    }
  }, 120_000);

});
