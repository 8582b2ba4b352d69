import { describe, expect, it } from "vitest";
import type { ModelSpec } from "../../harness/models/schema.ts";
import { buildSpec, type PlanInput } from "../../harness/runner/plan.ts";
import { defaultRunId, specHash } from "../../harness/record/spec.ts";

const model = (serve?: Record<string, unknown>): ModelSpec => ({
  name: "qwen", kind: "chat", baseUrls: ["http://127.0.0.1:8000/v1"], servedModel: "Qwen/Qwen3-8B", reasoning: "none",
  params: { temperature: 0, top_p: 1, max_tokens: 256, seed: 1 }, maxConcurrency: 8, timeoutMs: 60_000, ...(serve ? { serve } : {}),
});

const input = (m: ModelSpec): PlanInput => ({
  model: m, tasks: ["medqa.en"], setting: "zero-shot", scoring: "generative", promptStyle: "cot", promptTemplateHash: "t",
  limit: null, seed: 1, shard: null, fewshot: null,
});

function runIdOf(m: ModelSpec): string {
  const spec = buildSpec(input(m), []);
  return defaultRunId(spec, specHash(spec, []));
}

describe("the spec of a model medeval serves itself", () => {
  it("changes with vllm's arguments and environment, not with how long it waits for the server", () => {
    const base = { model: "/ckpt/qwen3-8b", args: [], ready_timeout_s: 900, env: {} };
    const id = runIdOf(model(base));
    expect(runIdOf(model({ ...base, args: ["--quantization", "fp8"] }))).not.toBe(id);
    expect(runIdOf(model({ ...base, args: ["--chat-template", "t.jinja"] }))).not.toBe(id);
    expect(runIdOf(model({ ...base, env: { VLLM_BATCH_INVARIANT: "1" } }))).not.toBe(id);
    // Which GPUs, and secrets, are not part of it (the spec is written to run.json).
    expect(runIdOf(model({ ...base, env: { CUDA_VISIBLE_DEVICES: "1", HF_TOKEN: "hf_x", VLLM_API_KEY: "k" } }))).toBe(id);
    expect(JSON.stringify(buildSpec(input(model({ ...base, env: { HF_TOKEN: "hf_secret" } })), []))).not.toContain("hf_secret");
    expect(runIdOf(model({ ...base, ready_timeout_s: 1800 }))).toBe(id);
    expect(runIdOf(model())).not.toBe(id);
  });
});

describe("run ids", () => {
  it("name the prompt style, so a cot and a direct run of one model are told apart", () => {
    const cot = buildSpec(input(model()), []);
    const direct = buildSpec({ ...input(model()), promptStyle: "direct" }, []);
    expect(defaultRunId(cot, specHash(cot, []))).toMatch(/^qwen-zero-shot-cot-generative-[0-9a-f]{10}$/);
    expect(defaultRunId(direct, specHash(direct, []))).toMatch(/^qwen-zero-shot-direct-generative-/);
    const ll = buildSpec({ ...input(model()), scoring: "loglikelihood", promptStyle: "lm-eval:letters" }, []);
    expect(defaultRunId(ll, specHash(ll, []))).toMatch(/^qwen-zero-shot-lm-eval_letters-loglikelihood-/);
  });
});

describe("the response cache's model identity", () => {
  it("tells apart a server medeval starts with other vllm arguments", async () => {
    const { modelIdentity } = await import("../../harness/runner/evaluate.ts");
    const base = { model: "/ckpt/qwen3-8b", args: [], ready_timeout_s: 900, env: {} };
    const bf16 = modelIdentity(model(base), "/ckpt/qwen3-8b", "files:abc");
    expect(modelIdentity(model({ ...base, args: ["--quantization", "fp8"] }), "/ckpt/qwen3-8b", "files:abc")).not.toBe(bf16);
    expect(modelIdentity(model({ ...base, ready_timeout_s: 60 }), "/ckpt/qwen3-8b", "files:abc")).toBe(bf16);
    expect(modelIdentity(model(base), "/ckpt/qwen3-8b", "files:def")).not.toBe(bf16);
    expect(modelIdentity(model(), "/ckpt/qwen3-8b", "files:abc")).toBe("Qwen/Qwen3-8B|/ckpt/qwen3-8b|files:abc");
  });
});
