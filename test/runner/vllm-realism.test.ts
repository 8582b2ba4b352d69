// What a real vLLM server does that a tidy one does not, run through `medeval run` end to end:
// an answer that arrives in `reasoning` with `content: null`, sampling defaults the server fills
// from generation_config.json, a template that opens <think> before first-token scoring.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { evaluate, type EvaluateOptions } from "../../harness/runner/evaluate.ts";
import { reasoningOnlyNote, renderLeaderboard } from "../../harness/report/leaderboard.ts";
import { readRunRecord } from "../../harness/record/run-files.ts";
import { letterOf } from "../../harness/types.ts";
import { lastUserText } from "../fake-vllm/helpers.ts";
import { startFakeVllm, type FakeVllm } from "../fake-vllm/server.ts";
import { hasSharedDatasets, SHARED_DATASETS, SKIP_SHARED_REASON, tempDir } from "../helpers.ts";
import { buildOracle } from "./oracle.ts";

describe.skipIf(!hasSharedDatasets)(`real vLLM shapes through medeval run (${hasSharedDatasets ? "" : SKIP_SHARED_REASON})`, () => {
  let server: FakeVllm;
  const goldByQuestion = new Map<string, string>();
  const goldIn = (text: string) => [...goldByQuestion].find(([q]) => text.includes(q))?.[1] ?? "A";

  beforeAll(async () => {
    const [oracle] = await buildOracle("medqa.en", SHARED_DATASETS, 6, () => true);
    for (const item of oracle.items) goldByQuestion.set(item.question.trim(), letterOf(item.answer));
    server = await startFakeVllm({ servedModelName: "fake-model", maxModelLen: 100_000 });
  });
  afterEach(() => {
    server.setBehavior({ respond: undefined, reasoningParser: undefined, generationConfig: undefined });
    server.reset();
  });
  afterAll(() => server?.close());

  const options = (extra: Partial<EvaluateOptions>, modelsYaml?: string): EvaluateOptions => {
    const out = tempDir();
    const modelsFile = join(out, "models.yaml");
    if (modelsYaml) writeFileSync(modelsFile, modelsYaml.replaceAll("URL", server.url));
    return {
      ...(modelsYaml ? { model: "m" } : {}),
      overrides: modelsYaml ? {} : { modelUrl: [server.url], servedModel: "fake-model" }, modelsFile,
      tasks: ["medqa.en"], setting: "zero-shot", promptStyle: "cot", scoring: "generative", limit: 6, concurrency: 2,
      seed: 1, dataDir: SHARED_DATASETS, out, cache: false, bootstrap: 200, progress: "none", signal: new AbortController().signal,
      ...extra,
    };
  };

  describe("sampling defaults the server fills from generation_config.json (--generation-config auto)", () => {
    it("medeval sends neutral values for every sampling parameter it does not set, and records each one in the spec", async () => {
      server.setBehavior({ generationConfig: { repetition_penalty: 1.05, top_k: 20, min_p: 0.05, presence_penalty: 1.5, frequency_penalty: 0.5, top_p: 0.8, temperature: 0.7 } });
      const { record } = await evaluate(options({}));
      const neutral = { temperature: 0, top_p: 1, top_k: -1, min_p: 0, repetition_penalty: 1, presence_penalty: 0, frequency_penalty: 0 };
      expect(server.generationRequests()[0].sampling).toEqual(neutral);
      expect(record.spec.params).toMatchObject(neutral);
    });

    it("a value the user sets is sent and recorded as set", async () => {
      const yaml = "models:\n  m:\n    base_urls: [URL]\n    served_model: fake-model\n    params: { repetition_penalty: 1.1, top_k: 40 }\n";
      const { record } = await evaluate(options({}, yaml));
      expect(server.generationRequests()[0].sampling).toMatchObject({ repetition_penalty: 1.1, top_k: 40, min_p: 0 });
      expect(record.spec.params).toMatchObject({ repetition_penalty: 1.1, top_k: 40, min_p: 0, presence_penalty: 0 });
    });
  });

  describe("the answer in `reasoning`, `content: null` (a reasoning parser that saw no </think>)", () => {
    beforeEach(() => server.setBehavior({ reasoningParser: "deepseek_r1", respond: (req) => ({ content: `Weighing the options.\nAnswer: ${goldIn(lastUserText(req.messages))}` }) }));

    it("gets its own status and count in run.json and the end-of-run table, never a silent wrong answer", async () => {
      const { record, dir } = await evaluate(options({}));
      expect(record.tasks[0]).toMatchObject({ n: 6, reasoning_only: 6, unparsed: 0, correct: 0 });
      expect(readRunRecord(join(dir, "run.json")).tasks[0].reasoning_only).toBe(6);
      expect(record.spec.params).not.toHaveProperty("answer_from_reasoning");
      const table = renderLeaderboard(record.tasks);
      expect(table).toMatch(/in reasoning/);
      expect(table).toMatch(/│\s+6\s+│/);
      expect(reasoningOnlyNote(record.tasks)).toMatch(/^6 item\(s\) came back with no content.*answer_from_reasoning: true/);
    });

    it("answer_from_reasoning: true reads the answer there, and the spec says so", async () => {
      const yaml = "models:\n  m:\n    base_urls: [URL]\n    served_model: fake-model\n    answer_from_reasoning: true\n";
      const { record, dir } = await evaluate(options({}, yaml));
      expect(record.spec.params).toMatchObject({ answer_from_reasoning: true });
      expect(record.tasks[0]).toMatchObject({ n: 6, correct: 6, strict: 6, reasoning_only: 0 });
      const line = JSON.parse(readFileSync(join(dir, "samples.jsonl"), "utf8").split("\n")[0]);
      expect(line).toMatchObject({ content: null, status: "strict", scores: { answer_source: "reasoning" } });
    });
  });
});
