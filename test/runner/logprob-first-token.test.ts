// The first-token answerer against the fake vLLM server: the request it sends, the letter
// variants it reads, unparsed answers, and the messages a user meets.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { firstTokenMessages } from "../../harness/prompts/lm-eval.ts";
import { createEndpointPool, type EndpointPool } from "../../harness/endpoints/endpoints.ts";
import { firstTokenAnswerer, type FirstTokenOptions } from "../../harness/runner/first-token.ts";
import type { PlannedTask } from "../../harness/runner/plan.ts";
import { ResponseCache } from "../../harness/endpoints/cache.ts";
import { UserError, type Item, type Sample } from "../../harness/types.ts";
import { firstTokenReply, guessingBehavior } from "../fake-vllm/helpers.ts";
import { startFakeVllm, type FakeVllm } from "../fake-vllm/server.ts";
import { tempDir } from "../helpers.ts";

const ITEM: Item = { id: "q1", question: "Which drug?", options: ["Aspirin", "Beta blockers", "Cortisol", "Dopamine"], answer: 1, lang: "en", hash: "h1" };
const TASK: PlannedTask = {
  meta: { id: "medqa.en", family: "medqa", lang: "en", domain: "in-domain" },
  items: [ITEM],
  source: { task: "medqa.en", kind: "local", location: "test", files: [], items_hash: "x", n: 1 },
};
const ln = Math.log;

let server: FakeVllm;
let pool: EndpointPool;
const signal = new AbortController().signal;

function answerer(extra: Partial<FirstTokenOptions> = {}) {
  return firstTokenAnswerer({ pool, servedModel: "fake-model", cache: null, modelIdentity: "fake-model|root", ...extra });
}

async function answer(extra: Partial<FirstTokenOptions> = {}): Promise<{ sample: Sample; sent: number }> {
  const result = await answerer(extra)(TASK, ITEM, signal);
  if (!result) throw new Error("abandoned");
  return result;
}

function replyWith(top: Record<string, number>): void {
  server.setBehavior({ respond: () => firstTokenReply(top) });
}

beforeAll(async () => {
  server = await startFakeVllm({ servedModelName: "fake-model" });
  pool = createEndpointPool({ baseUrls: [server.url], timeoutMs: 10_000, maxRetries: 1, backoff: { baseMs: 1, maxMs: 5 }, maxConcurrency: 8 });
});
afterAll(async () => {
  pool?.close();
  await server?.close();
});
afterEach(() => {
  server.setBehavior({ respond: guessingBehavior, logprobs: true, maxLogprobs: 20, thinkingTemplate: false, reasoningParser: undefined });
  server.reset();
});

describe("first-token answerer on a template that opens <think> in the prompt", () => {
  const thinkingOff = (messages: unknown) => ({ model: "x", messages, chat_template_kwargs: { enable_thinking: false } });
  const answerB = () => firstTokenReply({ B: ln(0.9), A: ln(0.05) });

  it("with a reasoning parser (the token lands in `reasoning`): stops at once, saying what to change", async () => {
    server.setBehavior({ thinkingTemplate: true, reasoningParser: "deepseek_r1", respond: answerB });
    await expect(answer()).rejects.toThrow(/reasoning.*enable_thinking: false.*--chat-template.*--scoring loglikelihood/s);
  });

  it("without one: the letters' mass is far below an answer's on the first items, so it stops instead of reading the article \"A\"", async () => {
    server.setBehavior({ thinkingTemplate: true, respond: answerB });
    const run = answerer();
    const samples: Sample[] = [];
    let stopped: unknown = null;
    for (let i = 0; i < 10 && stopped === null; i++) {
      await run(TASK, ITEM, signal).then((r) => r && samples.push(r.sample), (err) => (stopped = err));
    }
    expect(stopped).toBeInstanceOf(UserError);
    expect(String(stopped)).toMatch(/letters hold 1\.2% .*enable_thinking: false/s);
    expect(samples.length).toBeLessThan(5);
  });

  it("with enable_thinking: false the same server is scored", async () => {
    server.setBehavior({ thinkingTemplate: true, reasoningParser: "deepseek_r1", respond: answerB });
    const run = answerer({ buildBody: thinkingOff as FirstTokenOptions["buildBody"] });
    for (let i = 0; i < 6; i++) expect((await run(TASK, ITEM, signal))?.sample).toMatchObject({ answer: "B", status: "logprob" });
  });
});

describe("first-token answerer", () => {
  it("adds up tokens that decode to the same text (two ids for \"B\"), never keeping only one", async () => {
    // B's two spellings hold 0.3 + 0.3: more than A's 0.4, though each alone is less.
    server.setBehavior({ respond: () => firstTokenReply([["A", ln(0.4)], ["B", ln(0.3)], ["B", ln(0.3)]]) });
    const { sample } = await answer();
    expect(sample.answer).toBe("B");
    expect((sample.scores as { letter_probs: Record<string, number> }).letter_probs.B).toBeCloseTo(0.6, 6);
    expect((sample.scores as { letter_mass: number }).letter_mass).toBeCloseTo(1, 6);
    expect((sample.scores as { top_logprobs: unknown[] }).top_logprobs).toHaveLength(3);
  });

  it("asks for one token with 20 alternatives at temperature 0, over the model's own body", async () => {
    replyWith({ " B": ln(0.6), "(A": ln(0.2), B: ln(0.1), The: ln(0.05) });
    const { sample, sent } = await answer({
      buildBody: (messages) => ({ model: "x", messages, temperature: 0.7, max_tokens: 2048, max_completion_tokens: 4096, chat_template_kwargs: { enable_thinking: false } }),
    });
    expect(sent).toBe(1);
    const [request] = server.generationRequests();
    expect(request.path).toBe("/v1/chat/completions");
    expect(request.body).toEqual({
      model: "fake-model",
      messages: firstTokenMessages(ITEM),
      temperature: 0,
      max_tokens: 1,
      logprobs: true,
      top_logprobs: 20,
      chat_template_kwargs: { enable_thinking: false },
    });
    expect(sample.status).toBe("logprob");
    expect(sample.answer).toBe("B");
    expect(sample.correct).toBe(true);
    expect(sample.content).toBe(" B");
    const scores = sample.scores as { letter_probs: Record<string, number>; letter_mass: number; generated: string };
    expect(scores.letter_probs.B).toBeCloseTo(0.7, 12);
    expect(scores.letter_probs.A).toBeCloseTo(0.2, 12);
    expect(scores.letter_mass).toBeCloseTo(0.9, 12);
    expect(scores.generated).toBe(" B");
  });

  it.each([[{ " B": -0.2 }], [{ B: -0.2 }], [{ "(B": -0.2 }], [{ "B.": -0.2, " A": -3 }]])("reads %j as B", async (top) => {
    replyWith(top);
    expect((await answer()).sample.answer).toBe("B");
  });

  it("is unparsed when no option letter is among the tokens (and wrong)", async () => {
    replyWith({ The: ln(0.7), Based: ln(0.2), a: ln(0.05) });
    const { sample } = await answer();
    expect(sample.status).toBe("unparsed");
    expect(sample.answer).toBeNull();
    expect(sample.correct).toBe(false);
    expect(sample.scores).toMatchObject({ letter_mass: 0 });
  });

  it("caches the first token: the same item is not sent twice", async () => {
    replyWith({ " C": -0.1 });
    const cache = new ResponseCache(tempDir());
    await answer({ cache });
    const again = await answer({ cache });
    expect(server.generationRequests()).toHaveLength(1);
    expect(again.sent).toBe(0);
    expect(again.sample.cached).toBe(true);
    expect(again.sample.answer).toBe("C");
  });

  it("says how to lift a top_logprobs cap", async () => {
    server.setBehavior({ maxLogprobs: 5 });
    const err = await answer().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/start vLLM with --max-logprobs 20.*or ask for fewer top_logprobs.*max allowed: 5/);
  });

  it("works under a lower cap when asked for fewer alternatives", async () => {
    server.setBehavior({ maxLogprobs: 5, respond: () => firstTokenReply({ " D": -0.1 }) });
    const { sample } = await answer({ topLogprobs: 5 });
    expect(server.generationRequests()[0].body.top_logprobs).toBe(5);
    expect(sample.answer).toBe("D");
  });

  it("says so when the server returns no logprobs", async () => {
    server.setBehavior({ logprobs: false, respond: () => firstTokenReply({ " B": -0.1 }) });
    await expect(answer()).rejects.toThrow(/returned no logprobs for a request that asked for them \(logprobs: true, top_logprobs: 20\)/);
  });

  it("stops on a model that starts thinking, saying how to turn thinking off", async () => {
    replyWith({ "<think>": -0.01, " B": -6 });
    await expect(answer()).rejects.toThrow(/enable_thinking: false/);
  });

  it("records a systematic failure as the item's error when asked not to stop", async () => {
    server.setBehavior({ logprobs: false, respond: () => firstTokenReply({ " B": -0.1 }) });
    const { sample } = await answer({ stopOnSystematic: false });
    expect(sample.status).toBe("error");
    expect(sample.error).toMatch(/no logprobs/);
    expect(sample.content).toBe(" B");
  });
});
