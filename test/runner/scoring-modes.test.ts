// `medeval run --scoring loglikelihood|first-token` as a user runs it: the mode is recorded in
// the spec (and names the run), acc_norm and letter mass reach run.json, and modes that read
// log-probabilities refuse settings they cannot honour.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluate, type EvaluateOptions } from "../../harness/runner/evaluate.ts";
import { letterOf } from "../../harness/types.ts";
import { firstTokenReply, lastUserText } from "../fake-vllm/helpers.ts";
import { startFakeVllm, type FakeVllm } from "../fake-vllm/server.ts";
import { hasSharedDatasets, SHARED_DATASETS, SKIP_SHARED_REASON, tempDir } from "../helpers.ts";
import { buildOracle } from "./oracle.ts";

describe.skipIf(!hasSharedDatasets)(`scoring modes through medeval run (${hasSharedDatasets ? "" : SKIP_SHARED_REASON})`, () => {
  let server: FakeVllm;
  const goldByQuestion = new Map<string, string>();

  beforeAll(async () => {
    const [oracle] = await buildOracle("medqa.en", SHARED_DATASETS, 6, () => true);
    for (const item of oracle.items) goldByQuestion.set(item.question.trim(), letterOf(item.answer));
    const goldIn = (text: string) => [...goldByQuestion].find(([q]) => text.includes(q))?.[1];
    server = await startFakeVllm({
      servedModelName: "fake-model",
      maxModelLen: 100_000,
      // Completions: the gold letter after "Answer:" is likely, the others are not.
      scorer: (prefix, token) => (prefix.trimEnd().endsWith("Answer:") ? (token.trim() === goldIn(prefix) ? -0.2 : -3) : -1),
      // Chat (first-token): most of the mass on the gold letter, in a " B" variant.
      respond: (req) => {
        const gold = goldIn(lastUserText(req.messages)) ?? "A";
        return firstTokenReply({ [` ${gold}`]: -0.1, [gold === "A" ? "B" : "A"]: -3, Let: -4 });
      },
    });
  });
  afterAll(() => server?.close());

  const options = (extra: Partial<EvaluateOptions>): EvaluateOptions => {
    const out = tempDir();
    return {
      overrides: { modelUrl: [server.url], servedModel: "fake-model" }, modelsFile: join(out, "none.yaml"),
      tasks: ["medqa.en"], setting: "zero-shot", promptStyle: "cot", scoring: "generative", limit: 6, concurrency: 2,
      seed: 1, dataDir: SHARED_DATASETS, out, cache: false, bootstrap: 200, progress: "none", signal: new AbortController().signal,
      ...extra,
    };
  };

  it("loglikelihood: lm-evaluation-harness prompt, acc and acc_norm in run.json, mode in the run id", async () => {
    const { record, dir } = await evaluate(options({ scoring: "loglikelihood" }));
    expect(record.spec).toMatchObject({ scoring: "loglikelihood", prompt_style: "lm-eval:letters" });
    expect(dir).toContain("-loglikelihood-");
    expect(record.tasks[0]).toMatchObject({ n: 6, accuracy: 1, acc_norm: 1, errors: 0 });
    expect(server.requests.at(-1)!.body).toMatchObject({ echo: true, logprobs: 1, max_tokens: 1 });
    expect(Array.isArray(server.requests.at(-1)!.body.prompt)).toBe(true); // one batched call per item
  });

  it("first-token: answers from the top logprobs, letter mass recorded", async () => {
    const { record } = await evaluate(options({ scoring: "first-token" }));
    expect(record.spec.scoring).toBe("first-token");
    expect(record.tasks[0]).toMatchObject({ n: 6, accuracy: 1 });
    expect(record.tasks[0].letter_mass).toBeGreaterThan(0.8);
    expect(server.requests.at(-1)!.body).toMatchObject({ logprobs: true, top_logprobs: 20, max_tokens: 1 });
  });

  it("refuses logprob scoring with few-shot prompts", async () => {
    await expect(evaluate(options({ scoring: "loglikelihood", setting: "few-shot-traces" }))).rejects.toThrow(/runs with --setting zero-shot \(and loglikelihood also with few-shot\), not few-shot-traces/);
  });
});
