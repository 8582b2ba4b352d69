import { getEventListeners } from "node:events";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createChatClient, type ChatClientOptions } from "../../harness/endpoints/client.ts";
import { fetchServerInfo, probeEndpoint } from "../../harness/endpoints/server-info.ts";
import { failFirstAttempts, replyFor } from "../fake-vllm/helpers.ts";
import { FAKE_VLLM_VERSION, startFakeVllm, type FakeVllm } from "../fake-vllm/server.ts";

const MESSAGES = [{ role: "user", content: "Question: Which vessel?\nA. Aorta\nB. Vena cava\nC. Portal vein\nD. Renal artery" }];
const BODY = { model: "fake-model", messages: MESSAGES, temperature: 0, top_p: 1, max_tokens: 256, seed: 7 };

let server: FakeVllm;
const clients: Array<{ close(): void }> = [];

function client(overrides: Partial<ChatClientOptions> = {}) {
  const c = createChatClient({ baseUrl: server.url, timeoutMs: 2000, maxRetries: 3, backoff: { baseMs: 1, maxMs: 20 }, ...overrides });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  server = await startFakeVllm();
});
afterEach(() => {
  server.setBehavior({ respond: undefined, reasoningField: "reasoning", errorShape: "nested", apiKey: undefined, completions: true, logprobs: true });
  server.reset();
});
afterAll(async () => {
  for (const c of clients) c.close();
  await server.close();
});

describe("chat: answers", () => {
  it("sends the sampling parameters as given and reads content, usage and finish reason", async () => {
    server.setBehavior({ respond: () => replyFor("C", "cot") });
    const outcome = await client().chat(BODY);
    expect(outcome.kind).toBe("ok");
    if (outcome.kind !== "ok") return;
    expect(outcome.content).toMatch(/Answer: C$/);
    expect(outcome.finishReason).toBe("stop");
    expect(outcome.usage?.completion_tokens).toBeGreaterThan(0);
    expect(outcome.attempts).toBe(1);
    expect(outcome.endpoint).toBe(server.url);
    const sent = server.generationRequests()[0].body;
    expect(sent).toMatchObject({ temperature: 0, top_p: 1, max_tokens: 256, seed: 7, model: "fake-model" });
  });

  it.each(["reasoning", "reasoning_content", "both"] as const)("reads reasoning sent as %s", async (field) => {
    server.setBehavior({ reasoningField: field, respond: () => replyFor("B", "reasoning_field") });
    const outcome = await client().chat(BODY);
    expect(outcome.kind === "ok" && outcome.reasoning).toMatch(/option B/);
    expect(outcome.kind === "ok" && outcome.content).toBe("Answer: B");
  });

  it("keeps an inline <think> block in the content (no reasoning parser)", async () => {
    server.setBehavior({ reasoningField: "inline", respond: () => replyFor("D", "reasoning_field") });
    const outcome = await client().chat(BODY);
    expect(outcome.kind === "ok" && outcome.reasoning).toBeNull();
    expect(outcome.kind === "ok" && outcome.content).toMatch(/^<think>\n[\s\S]*option D[\s\S]*<\/think>\n\nAnswer: D$/);
  });

  it("reports finish_reason length when max_tokens cuts the answer", async () => {
    server.setBehavior({ respond: () => replyFor("A", "think") });
    const outcome = await client().chat({ ...BODY, max_tokens: 4 });
    expect(outcome.kind === "ok" && outcome.finishReason).toBe("length");
    expect(outcome.kind === "ok" && outcome.content).not.toMatch(/<\/think>/);
  });

  it("returns chat logprobs and refuses top_logprobs over the cap or without logprobs", async () => {
    server.setBehavior({ respond: () => ({ content: "B", logprobs: [{ token: "B", logprob: -0.1, top: { B: -0.1, A: -2.5, " C": -4 } }] }) });
    const ok = await client().chat({ ...BODY, max_tokens: 1, logprobs: true, top_logprobs: 20 });
    expect(ok.kind === "ok" && ok.logprobs?.[0].top_logprobs?.map((t) => t.token)).toEqual(["B", "A", " C"]);
    const over = await client().chat({ ...BODY, max_tokens: 1, logprobs: true, top_logprobs: 21 });
    expect(over).toMatchObject({ kind: "error", status: 400, failure: "bad_request", attempts: 1 });
    expect(over.kind === "error" && over.message).toMatch(/greater than max allowed: 20/);
    const without = await client().chat({ ...BODY, max_tokens: 1, top_logprobs: 5 });
    expect(without).toMatchObject({ kind: "error", status: 400, attempts: 1 });
  });
});

describe("chat: faults", () => {
  it.each([
    ["500 nested", { fault: "http", status: 500 }],
    ["500 flat", { fault: "http", status: 500, shape: "flat" }],
    ["503", { fault: "http", status: 503 }],
    ["502", { fault: "http", status: 502 }],
    ["429 without Retry-After", { fault: "rate_limit" }],
    ["malformed JSON", { fault: "malformed_json" }],
    ["reset before headers", { fault: "reset", when: "before_headers" }],
    ["reset mid-body", { fault: "reset", when: "mid_body" }],
  ] as const)("retries after %s and then answers", async (_name, fault) => {
    server.setBehavior({ respond: failFirstAttempts(2, fault, () => replyFor("A", "direct")) });
    const outcome = await client().chat(BODY);
    expect(outcome).toMatchObject({ kind: "ok", content: "A", attempts: 3 });
    expect(server.generationRequests()).toHaveLength(3);
  });

  it("gives up after maxRetries with an error outcome that counts the attempts", async () => {
    server.setBehavior({ respond: () => ({ fault: "http", status: 500, message: "engine exploded" }) });
    const outcome = await client({ maxRetries: 2 }).chat(BODY);
    expect(outcome).toMatchObject({ kind: "error", status: 500, failure: "server", attempts: 3 });
    expect(outcome.kind === "error" && outcome.message).toMatch(/engine exploded.*gave up after 3 attempts/);
  });

  it("reads the message of the old flat error shape", async () => {
    server.setBehavior({ respond: () => ({ fault: "http", status: 400, message: "temperature must be non-negative", shape: "flat" }) });
    const outcome = await client().chat(BODY);
    expect(outcome).toMatchObject({ kind: "error", status: 400, failure: "bad_request", attempts: 1 });
    expect(outcome.kind === "error" && outcome.message).toMatch(/temperature must be non-negative/);
  });

  it("times out a hanging request, retries, and reports the timeout", async () => {
    server.setBehavior({ respond: () => ({ fault: "hang" }) });
    const outcome = await client({ timeoutMs: 150, maxRetries: 1 }).chat(BODY);
    expect(outcome).toMatchObject({ kind: "error", failure: "timeout", attempts: 2 });
  });

  it("honours Retry-After in seconds", async () => {
    server.setBehavior({ respond: failFirstAttempts(1, { fault: "rate_limit", retryAfter: 0.3 }, () => replyFor("B", "direct")) });
    const outcome = await client({ backoff: { baseMs: 1, maxMs: 5000 } }).chat(BODY);
    expect(outcome).toMatchObject({ kind: "ok", content: "B", attempts: 2 });
    const [first, second] = server.generationRequests();
    expect(second.at - first.at).toBeGreaterThanOrEqual(290);
  });

  it("honours Retry-After as an HTTP date", async () => {
    // HTTP dates have 1 s resolution: ask for the next whole second plus one.
    const when = new Date(Math.ceil(Date.now() / 1000) * 1000 + 1000).toUTCString();
    server.setBehavior({ respond: failFirstAttempts(1, { fault: "rate_limit", retryAfter: when }, () => replyFor("B", "direct")) });
    const outcome = await client({ backoff: { baseMs: 1, maxMs: 5000 } }).chat(BODY);
    expect(outcome).toMatchObject({ kind: "ok", attempts: 2 });
    const [, second] = server.generationRequests();
    expect(second.at).toBeGreaterThanOrEqual(Date.parse(when) - 20);
  });

  it("caps a huge Retry-After at backoff.maxMs", async () => {
    server.setBehavior({ respond: failFirstAttempts(1, { fault: "rate_limit", retryAfter: 3600 }, () => replyFor("B", "direct")) });
    const outcome = await client({ backoff: { baseMs: 1, maxMs: 50 } }).chat(BODY);
    expect(outcome).toMatchObject({ kind: "ok", attempts: 2 });
  });

  it.each(["maximum_context", "passed_tokens", "max_model_len", "decoder_prompt"] as const)("a context-length 400 (%s wording) is its own outcome, never retried", async (wording) => {
    server.setBehavior({ respond: () => ({ fault: "context_overflow", wording }) });
    const outcome = await client().chat(BODY);
    expect(outcome).toMatchObject({ kind: "context_overflow", status: 400, attempts: 1 });
    expect(server.generationRequests()).toHaveLength(1);
  });

  it('finish_reason "abort" is an error, not an answer: retried, then reported', async () => {
    server.setBehavior({ respond: () => ({ content: "B", finish_reason: "abort" }) });
    const outcome = await client({ maxRetries: 1 }).chat(BODY);
    expect(outcome).toMatchObject({ kind: "error", failure: "server", attempts: 2 });
    expect(outcome.kind === "error" && outcome.message).toMatch(/aborted the generation \(finish_reason "abort"\)/);
    const completion = await client({ maxRetries: 0 }).completions({ model: "fake-model", prompt: "Q", max_tokens: 1 });
    expect(completion).toMatchObject({ kind: "error", failure: "server" });
  });

  it("detects a real overflow of max_model_len", async () => {
    const outcome = await client().chat({ ...BODY, max_tokens: 100_000 });
    expect(outcome.kind).toBe("context_overflow");
    expect(outcome.kind === "context_overflow" && outcome.message).toMatch(/cannot be greater than max_model_len=max_total_tokens=4096/);
  });

  it("401 names the api key variable and is not retried", async () => {
    server.setBehavior({ apiKey: "secret" });
    const denied = await client({ apiKey: "wrong", apiKeyEnv: "VLLM_API_KEY" }).chat(BODY);
    expect(denied).toMatchObject({ kind: "error", status: 401, failure: "unauthorized", attempts: 1 });
    expect(denied.kind === "error" && denied.message).toMatch(/VLLM_API_KEY/);
    const allowed = await client({ apiKey: "secret" }).chat(BODY);
    expect(allowed.kind).toBe("ok");
  });

  it("404 for an unknown model lists the served models", async () => {
    const outcome = await client().chat({ ...BODY, model: "llama-typo" });
    expect(outcome).toMatchObject({ kind: "error", status: 404, failure: "not_found", attempts: 1 });
    expect(outcome.kind === "error" && outcome.message).toMatch(/The model `llama-typo` does not exist.*it serves: fake-model/);
  });

  it("a refused connection is retried and then reported", async () => {
    const dead = await startFakeVllm();
    const url = dead.url;
    await dead.close();
    const outcome = await client({ baseUrl: url, maxRetries: 2 }).chat(BODY);
    expect(outcome).toMatchObject({ kind: "error", failure: "connection", attempts: 3 });
    expect(outcome.kind === "error" && outcome.message).toMatch(/ECONNREFUSED/);
  });

  it("survives the server closing idle keep-alive sockets", async () => {
    const quick = await startFakeVllm({ keepAliveTimeoutMs: 50 });
    const c = client({ baseUrl: quick.url, maxRetries: 0 });
    for (let i = 0; i < 3; i++) {
      expect((await c.chat(BODY)).kind).toBe("ok");
      await new Promise((r) => setTimeout(r, 80));
    }
    await quick.close();
  });
});

describe("abort", () => {
  it("aborts an in-flight request at once and does not retry", async () => {
    server.setBehavior({ respond: () => ({ fault: "hang" }) });
    const controller = new AbortController();
    const started = Date.now();
    const pending = client({ timeoutMs: 60_000 }).chat(BODY, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const outcome = await pending;
    expect(outcome.kind).toBe("aborted");
    expect(Date.now() - started).toBeLessThan(5000);
    expect(server.generationRequests()).toHaveLength(1);
  });

  it("one shared signal cancels every request in flight, behind a single abort listener", async () => {
    server.setBehavior({ respond: () => ({ fault: "hang" }) });
    const controller = new AbortController();
    const c = client({ timeoutMs: 60_000 });
    const composed = vi.spyOn(AbortSignal, "any");
    const pending = Array.from({ length: 30 }, () => c.chat(BODY, { signal: controller.signal }));
    while (server.generationRequests().length < 30) await new Promise((r) => setTimeout(r, 10));
    // Not one listener or AbortSignal.any composition per request (weak references, GC work):
    // hundreds are in flight in a run.
    expect(getEventListeners(controller.signal, "abort").length).toBeLessThanOrEqual(1);
    expect(composed).not.toHaveBeenCalled();
    composed.mockRestore();
    const started = Date.now();
    controller.abort();
    const outcomes = await Promise.all(pending);
    expect(outcomes.map((o) => o.kind)).toEqual(Array(30).fill("aborted"));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(server.generationRequests()).toHaveLength(30);
  });

  it("a single attempt under a signal already aborted sends nothing", async () => {
    const controller = new AbortController();
    controller.abort();
    const attempt = await client().attemptChat(BODY, controller.signal);
    expect(attempt.ok).toBe(false);
    if (!attempt.ok) expect(attempt.failure.kind).toBe("aborted");
    expect(server.generationRequests()).toHaveLength(0);
  });

  it("leaves no abort listener on the shared signal once its requests are done", async () => {
    server.setBehavior({ respond: () => replyFor("B", "cot") });
    const controller = new AbortController();
    const c = client();
    await Promise.all(Array.from({ length: 20 }, () => c.chat(BODY, { signal: controller.signal })));
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("the client-wide signal aborts a request waiting in backoff", async () => {
    server.setBehavior({ respond: () => ({ fault: "rate_limit", retryAfter: 30 }) });
    const controller = new AbortController();
    const pending = client({ signal: controller.signal, backoff: { baseMs: 1, maxMs: 60_000 } }).chat(BODY);
    setTimeout(() => controller.abort(), 100);
    expect((await pending).kind).toBe("aborted");
    expect(server.generationRequests()).toHaveLength(1);
  });
});

describe("completions and embeddings", () => {
  it("batches prompts and returns echo logprobs with a null first token", async () => {
    server.setBehavior({ scorer: (_prefix, token) => (token === " A" ? -0.5 : token === " B" ? -1.5 : -1) });
    const outcome = await client().completions({ model: "fake-model", prompt: ["Question: q\nAnswer: A", "Question: q\nAnswer: B"], echo: true, logprobs: 1, max_tokens: 1, temperature: 0 });
    expect(outcome.kind).toBe("ok");
    if (outcome.kind !== "ok") return;
    expect(outcome.choices.map((c) => c.index)).toEqual([0, 1]);
    const lp = outcome.choices[0].logprobs!;
    expect(lp.token_logprobs[0]).toBeNull();
    expect(lp.tokens.slice(0, 6)).toEqual(["Question", ":", " q", "\nAnswer", ":", " A"]);
    expect(lp.text_offset.slice(0, 6)).toEqual([0, 8, 9, 11, 18, 19]);
    expect(lp.token_logprobs[5]).toBe(-0.5);
    expect(outcome.choices[1].logprobs!.token_logprobs[5]).toBe(-1.5);
    server.setBehavior({ scorer: undefined });
  });

  it("max_tokens 0 without echo is a 400; a chat-only API answers 404", async () => {
    const zero = await client().completions({ model: "fake-model", prompt: "x", max_tokens: 0 });
    expect(zero).toMatchObject({ kind: "error", status: 400, attempts: 1 });
    server.setBehavior({ completions: false });
    const missing = await client().completions({ model: "fake-model", prompt: "x", max_tokens: 1 });
    expect(missing).toMatchObject({ kind: "error", status: 404, failure: "not_found" });
    expect(missing.kind === "error" && missing.message).toMatch(/chat-only API/);
  });

  it("embeds deterministically", async () => {
    const a = await client().embeddings(["chest pain", "chest pain", "fracture"], { model: "fake-model" });
    expect(a.kind).toBe("ok");
    if (a.kind !== "ok") return;
    expect(a.vectors).toHaveLength(3);
    expect(a.vectors[0]).toEqual(a.vectors[1]);
    expect(a.vectors[0]).not.toEqual(a.vectors[2]);
    expect(a.vectors[0]).toHaveLength(16);
  });
});

describe("server info", () => {
  it("reads /v1/models and /version, and probes /health", async () => {
    const info = await fetchServerInfo(server.url);
    expect(info.version).toBe(FAKE_VLLM_VERSION);
    expect((info.models as any).data[0]).toMatchObject({ id: "fake-model", owned_by: "vllm", max_model_len: 4096 });
    expect(await probeEndpoint(server.url)).toBe(true);
    server.setBehavior({ dead: true });
    expect(await probeEndpoint(server.url)).toBe(false);
    server.setBehavior({ dead: false });
  });

  it("missing endpoints give nulls, never a throw", async () => {
    const gone = await startFakeVllm();
    const url = gone.url;
    await gone.close();
    expect(await fetchServerInfo(url, undefined, 500)).toEqual({ models: null, version: null });
  });
});
