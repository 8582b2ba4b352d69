// The loglikelihood answerer against the fake vLLM server: sums worked by hand from the
// scorer's values, one batched request per item, the fallback when lists are refused, and
// the messages a user meets when the endpoint cannot do this.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loglikelihoodPrompt } from "../../harness/prompts/lm-eval.ts";
import { createEndpointPool, type EndpointPool } from "../../harness/endpoints/endpoints.ts";
import type { CompletionOutcome } from "../../harness/endpoints/client.ts";
import { loglikelihoodAnswerer, type LoglikelihoodOptions } from "../../harness/runner/loglikelihood.ts";
import type { PlannedTask } from "../../harness/runner/plan.ts";
import { ResponseCache } from "../../harness/endpoints/cache.ts";
import { UserError, type Item, type Sample } from "../../harness/types.ts";
import { guessingBehavior } from "../fake-vllm/helpers.ts";
import { startFakeVllm, type FakeVllm, type Scorer } from "../fake-vllm/server.ts";
import { tempDir } from "../helpers.ts";

const ITEM: Item = { id: "q1", question: "Which drug?", options: ["Aspirin", "Beta blockers", "Cortisol", "Dopamine"], answer: 1, lang: "en", hash: "h1" };
const ITEM2: Item = { ...ITEM, id: "q2", question: "Which other drug?", hash: "h2" };

function plannedTask(family = "medqa"): PlannedTask {
  return {
    meta: { id: `${family}.en`, family, lang: "en", domain: "in-domain" },
    items: [ITEM, ITEM2],
    source: { task: `${family}.en`, kind: "local", location: "test", files: [], items_hash: "x", n: 2 },
  };
}

/**
 * Known logprobs for the tokens after "Answer:" (the fake tokenizer makes " A" one token,
 * " Beta blockers" two); anything else -1. The first prompt token gets null from the server.
 */
const AFTER_ANSWER: Record<string, number> = {
  " A": -2.5,
  " B": -0.75,
  " C": -1.5,
  " D": -Infinity, // clamped to -9999 by the server
  " Aspirin": -2,
  " Beta": -1.5,
  " blockers": -1.5,
  " Cortisol": -4,
  " Dopamine": -6,
};
const scorer: Scorer = (prefix, token) => (prefix.includes("\nAnswer:") && !/Answer: (A|B|C|D)$/.test(prefix) ? (AFTER_ANSWER[token] ?? -1) : -1);

let server: FakeVllm;
let pool: EndpointPool;
const signal = new AbortController().signal;

function answerer(extra: Partial<LoglikelihoodOptions> = {}) {
  return loglikelihoodAnswerer({ pool, servedModel: "fake-model", target: "letters", cache: null, modelIdentity: "fake-model|root", ...extra });
}

async function answer(extra: Partial<LoglikelihoodOptions> = {}, family = "medqa", item = ITEM): Promise<{ sample: Sample; sent: number }> {
  const result = await answerer(extra)(plannedTask(family), item, signal);
  if (!result) throw new Error("abandoned");
  return result;
}

beforeAll(async () => {
  server = await startFakeVllm({ servedModelName: "fake-model", scorer });
  pool = createEndpointPool({ baseUrls: [server.url], timeoutMs: 10_000, maxRetries: 1, backoff: { baseMs: 1, maxMs: 5 }, maxConcurrency: 8 });
});
afterAll(async () => {
  pool?.close();
  await server?.close();
});
afterEach(() => {
  server.setBehavior({ respond: guessingBehavior, completions: true, logprobs: true, maxLogprobs: 20, echoDecoding: "whole", tokenize: true });
  server.reset();
});

describe("loglikelihood answerer on tokens decoded one by one (SentencePiece, raw pieces)", () => {
  it.each(["sentencepiece", "raw_pieces"] as const)("%s: aligns by token ids as lm-evaluation-harness does (POST /tokenize counts the context's tokens)", async (echoDecoding) => {
    server.setBehavior({ echoDecoding });
    const { sample } = await answer();
    expect(sample.status).toBe("logprob");
    expect(sample.answer).toBe("B");
    expect(sample.scores).toMatchObject({ alignment: "token_ids", logprobs: [-2.5, -0.75, -1.5, -9999], token_counts: [1, 1, 1, 1], clamped: ["D"] });
    expect(server.requests.some((r) => r.path === "/tokenize")).toBe(true);
  });

  it("with a BOS token too: the counts include it on both sides", async () => {
    const withBos = await startFakeVllm({ servedModelName: "fake-model", scorer, bos: "<s>", echoDecoding: "sentencepiece" });
    const bosPool = createEndpointPool({ baseUrls: [withBos.url], timeoutMs: 10_000, maxRetries: 1, backoff: { baseMs: 1, maxMs: 5 }, maxConcurrency: 8 });
    try {
      const result = await answerer({ pool: bosPool })(plannedTask(), ITEM, signal);
      expect(result?.sample.scores).toMatchObject({ alignment: "token_ids", logprobs: [-2.5, -0.75, -1.5, -9999] });
    } finally {
      bosPool.close();
      await withBos.close();
    }
  });

  it("a shape failure on the first item is systematic: the run stops with a message (no /tokenize to align by)", async () => {
    server.setBehavior({ echoDecoding: "sentencepiece", tokenize: false });
    await expect(answer()).rejects.toThrow(/do not spell the prompt.*POST \/tokenize/s);
  });
});

describe("loglikelihood answerer", () => {
  it("scores the letters with one batched request: acc by the highest sum, clamps flagged", async () => {
    const { sample, sent } = await answer();
    expect(sent).toBe(1);
    const requests = server.generationRequests();
    expect(requests).toHaveLength(1);
    const prompt = loglikelihoodPrompt("medqa", ITEM, "letters");
    expect(requests[0].path).toBe("/v1/completions");
    expect(requests[0].body).toEqual({
      model: "fake-model",
      prompt: prompt.continuations.map((c) => prompt.context + c),
      max_tokens: 1,
      logprobs: 1,
      echo: true,
      temperature: 0,
    });
    expect(sample.status).toBe("logprob");
    expect(sample.answer).toBe("B");
    expect(sample.correct).toBe(true);
    expect(sample.messages).toEqual([{ role: "user", content: prompt.context }]);
    expect(sample.scores).toMatchObject({
      scoring: "loglikelihood",
      target: "letters",
      batched: true,
      logprobs: [-2.5, -0.75, -1.5, -9999],
      token_counts: [1, 1, 1, 1],
      lengths_chars: [1, 1, 1, 1],
      acc_letter: "B",
      acc_norm_letter: "B",
      acc_norm_correct: true,
      clamped: ["D"],
      straddled: [],
    });
    expect(sample.usage?.prompt_tokens).toBeGreaterThan(0);
  });

  it("reads the right tokens when the model's tokenizer adds a BOS token (Llama 3), as vLLM echoes it", async () => {
    const withBos = await startFakeVllm({ servedModelName: "fake-model", scorer, bos: "<|begin_of_text|>" });
    const bosPool = createEndpointPool({ baseUrls: [withBos.url], timeoutMs: 10_000, maxRetries: 1, backoff: { baseMs: 1, maxMs: 5 }, maxConcurrency: 8 });
    try {
      for (const target of ["letters", "texts"] as const) {
        const result = await loglikelihoodAnswerer({ pool: bosPool, servedModel: "fake-model", target, cache: null, modelIdentity: "fake-model|root" })(plannedTask(), ITEM, signal);
        expect(result?.sample.scores).toMatchObject(
          target === "letters"
            ? { logprobs: [-2.5, -0.75, -1.5, -9999], acc_letter: "B", straddled: [] }
            : { logprobs: [-2, -3, -4, -6], token_counts: [1, 2, 1, 1], acc_norm_letter: "B", straddled: [] },
        );
      }
    } finally {
      bosPool.close();
      await withBos.close();
    }
  });

  it("scores the option texts: acc and acc_norm part ways, as worked by hand", async () => {
    // sums: Aspirin -2, Beta blockers -1.5-1.5 = -3, Cortisol -4, Dopamine -6.
    // per char: -2/7 = -0.286, -3/13 = -0.231, -4/8 = -0.5, -6/8 = -0.75.
    const { sample } = await answer({ target: "texts" });
    expect(server.generationRequests()[0].body.prompt).toEqual([" Aspirin", " Beta blockers", " Cortisol", " Dopamine"].map((c) => `Question: Which drug?\nAnswer:${c}`));
    expect(sample.scores).toMatchObject({
      logprobs: [-2, -3, -4, -6],
      token_counts: [1, 2, 1, 1],
      lengths_chars: [7, 13, 8, 8],
      lengths_bytes: [7, 13, 8, 8],
      acc_letter: "A",
      acc_norm_letter: "B",
      acc_norm_correct: true,
    });
    expect(sample.answer).toBe("A");
    expect(sample.correct).toBe(false);
  });

  it("falls back to one request per option when the server refuses a list, and remembers it", async () => {
    server.setBehavior({
      respond: (req) => (Array.isArray(req.body.prompt) ? { fault: "http", status: 400, message: "prompt must be a string" } : guessingBehavior(req)),
    });
    const answerOne = answerer();
    const first = await answerOne(plannedTask(), ITEM, signal);
    expect(first!.sent).toBe(5);
    expect(first!.sample.scores).toMatchObject({ batched: false, logprobs: [-2.5, -0.75, -1.5, -9999], acc_letter: "B" });
    const second = await answerOne(plannedTask(), ITEM2, signal);
    expect(second!.sent).toBe(4);
    const prompts = server.generationRequests().map((r) => r.body.prompt);
    expect(prompts.filter((p) => Array.isArray(p))).toHaveLength(1);
    expect(prompts.filter((p) => typeof p === "string")).toHaveLength(8);
  });

  it("caches the echoed logprobs: the same item is not sent twice", async () => {
    const cache = new ResponseCache(tempDir());
    const first = await answer({ cache });
    const again = await answer({ cache });
    expect(first.sent).toBe(1);
    expect(server.generationRequests()).toHaveLength(1);
    expect(again.sent).toBe(0);
    expect(again.sample.cached).toBe(true);
    expect(again.sample.scores).toMatchObject({ logprobs: [-2.5, -0.75, -1.5, -9999] });
  });

  it("stops the run on a chat-only endpoint, saying which modes work", async () => {
    server.setBehavior({ completions: false });
    const answerAll = answerer();
    const err = await answerAll(plannedTask(), ITEM, signal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/^loglikelihood scoring needs \/v1\/completions; this endpoint is chat-only: use --scoring first-token or generative/);
    // Later items stop at once, without a request.
    const before = server.requests.length;
    await expect(answerAll(plannedTask(), ITEM2, signal)).rejects.toBe(err);
    expect(server.requests.length).toBe(before);
  });

  it("records the same message as the item's error when asked not to stop", async () => {
    server.setBehavior({ completions: false });
    const { sample } = await answer({ stopOnSystematic: false });
    expect(sample.status).toBe("error");
    expect(sample.correct).toBe(false);
    expect(sample.error).toMatch(/chat-only/);
  });

  it("says how to raise a logprobs cap below what is asked", async () => {
    server.setBehavior({ maxLogprobs: 0 });
    await expect(answer()).rejects.toThrow(/--max-logprobs 20.*max allowed: 0/);
  });

  it("says so when the server returns no logprobs", async () => {
    server.setBehavior({ logprobs: false });
    await expect(answer()).rejects.toThrow(/returned no logprobs for a request that asked for them \(logprobs: 1, echo: true/);
  });

  it("says so when the server ignores echo", async () => {
    // A server that answers with the generated token only: a stand-in for the pool.
    const noEcho = {
      completions: async (): Promise<CompletionOutcome> => ({
        kind: "ok",
        choices: [0, 1, 2, 3].map((index) => ({ index, text: " x", finishReason: "length", logprobs: { tokens: [" x"], token_logprobs: [-0.5], top_logprobs: null, text_offset: [60] } })),
        usage: null,
        raw: {},
        attempts: 1,
        latencyMs: 1,
        endpoint: "http://hosted.example/v1",
      }),
    };
    await expect(answer({ pool: noEcho })).rejects.toThrow(/did not echo the prompt's tokens.*use --scoring first-token or generative/);
  });

  it("records a context overflow as its own outcome", async () => {
    server.setBehavior({ respond: () => ({ fault: "context_overflow" }) });
    const { sample } = await answer();
    expect(sample.status).toBe("context_overflow");
    expect(sample.error).toMatch(/context length is only/);
  });

  it("records a server failure after retries as the item's error, and goes on", async () => {
    server.setBehavior({ respond: () => ({ fault: "http", status: 500, message: "engine hiccup" }) });
    const answerAll = answerer();
    const { sample } = (await answerAll(plannedTask(), ITEM, signal))!;
    expect(sample.status).toBe("error");
    expect(sample.error).toMatch(/engine hiccup/);
    expect(sample.attempts).toBe(2);
    server.setBehavior({ respond: guessingBehavior });
    expect((await answerAll(plannedTask(), ITEM2, signal))!.sample.status).toBe("logprob");
  });
});
