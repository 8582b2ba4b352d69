// Prompts that do not fit the context are a setup mistake, not the model's answers: the run
// stops early and says how to make them fit, and the table calls them overflow, not truncated.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluate, type EvaluateOptions } from "../../harness/runner/evaluate.ts";
import { readJournal } from "../../harness/record/journal.ts";
import { renderLeaderboard } from "../../harness/report/leaderboard.ts";
import { OVERFLOW_CHECK_AFTER } from "../../harness/runner/run.ts";
import type { TaskSummary } from "../../harness/types.ts";
import { guessingBehavior } from "../fake-vllm/helpers.ts";
import { startFakeVllm, type FakeVllm } from "../fake-vllm/server.ts";
import { hasSharedDatasets, SHARED_DATASETS, SKIP_SHARED_REASON, tempDir } from "../helpers.ts";

describe("the end-of-run table", () => {
  it("shows context overflows in their own column, apart from truncated replies", () => {
    const task = { task: "medqa.en", lang: "en", n: 10, scored: 10, accuracy: 0.1, ci_low: 0, ci_high: 0.4, unparsed: 0, truncated: 1, context_overflow: 7, errors: 0 } as TaskSummary;
    const text = renderLeaderboard([task]);
    const [head, row] = text.split("\n").filter((l) => /\w/.test(l));
    const cells = (line: string) => line.split("│").map((c) => c.trim()).filter(Boolean);
    const columns = cells(head!);
    const values = cells(row!);
    expect(values[columns.indexOf("truncated")]).toBe("1");
    expect(values[columns.indexOf("overflow")]).toBe("7");
    expect(renderLeaderboard([{ ...task, context_overflow: 0 }])).not.toMatch(/overflow/);
  });
});

describe.skipIf(!hasSharedDatasets)(`prompts over the context (${hasSharedDatasets ? "" : SKIP_SHARED_REASON})`, () => {
  let server: FakeVllm;
  beforeAll(async () => {
    // 256 of 300 tokens reserved for the reply: hardly a MedQA vignette fits.
    server = await startFakeVllm({ servedModelName: "fake-model", maxModelLen: 300, respond: guessingBehavior });
  });
  afterAll(() => server?.close());

  it("stops after the first answers when most prompts overflow, with what to change", async () => {
    const out = tempDir();
    const opts: EvaluateOptions = {
      overrides: { modelUrl: [server.url], servedModel: "fake-model", params: { max_tokens: 256 } },
      modelsFile: join(out, "none.yaml"), tasks: ["medqa.en"], setting: "zero-shot", promptStyle: "cot", scoring: "generative",
      limit: 40, concurrency: 1, seed: 1, dataDir: SHARED_DATASETS, out, cache: false, bootstrap: 100, progress: "none",
      signal: new AbortController().signal, runId: "long",
    };
    const run = evaluate(opts);
    await expect(run).rejects.toThrow(/of the first 10 prompts did not fit the model's context \(max_model_len 300\)[\s\S]*--shots[\s\S]*max_tokens[\s\S]*--max-model-len/);
    const done = readJournal(join(out, "long", "samples.jsonl")).samples.size;
    expect(done).toBe(OVERFLOW_CHECK_AFTER);
  });
});
