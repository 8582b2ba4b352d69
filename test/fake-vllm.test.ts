// The fake vLLM server is what every endpoint test trusts: check its wire format against
// ../shared/notes/vllm-api.md with plain HTTP, no client code in between.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { answerWith, everyNth, failFirstAttempts, faultCycle, firstTokenReply, guessLetter, optionLetters, promptLanguage, replyFor } from "./fake-vllm/helpers.ts";
import { FAKE_VLLM_VERSION, startFakeVllm, type FakeVllm } from "./fake-vllm/server.ts";
import { tokenize } from "./fake-vllm/tokenizer.ts";

let server: FakeVllm;

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

const QUESTION = "Question: Which vessel?\nA. Aorta\nB. Vena cava\nC. Portal vein\nD. Renal artery";
const chat = (extra: Record<string, unknown> = {}) => post("/chat/completions", { model: "served-name", messages: [{ role: "user", content: QUESTION }], temperature: 0, ...extra });

beforeAll(async () => {
  server = await startFakeVllm({ servedModelName: "served-name", aliases: ["alias"], root: "/models/Llama-3.1-8B" });
});
afterEach(() => {
  server.setBehavior({ respond: undefined, reasoningField: "reasoning", reasoningParser: undefined, overflowWording: undefined, errorShape: "nested", apiKey: undefined, scorer: undefined, logprobs: true, completions: true, dead: false });
  server.reset();
});
afterAll(() => server.close());

describe("chat completions", () => {
  it("answers with vLLM's shape: null fields serialised, model = served name, usage", async () => {
    server.setBehavior({ respond: () => replyFor("C", "cot") });
    const { status, json } = await chat({ model: "alias" });
    expect(status).toBe(200);
    expect(json).toMatchObject({ object: "chat.completion", model: "served-name", service_tier: null, system_fingerprint: null, prompt_logprobs: null });
    expect(json.id).toMatch(/^chatcmpl-/);
    const choice = json.choices[0];
    expect(choice).toMatchObject({ index: 0, finish_reason: "stop", stop_reason: null, logprobs: null });
    expect(choice.message).toMatchObject({ role: "assistant", reasoning: null, refusal: null, tool_calls: [] });
    expect(choice.message.content).toMatch(/\n\nAnswer: C$/);
    expect(json.usage.total_tokens).toBe(json.usage.prompt_tokens + json.usage.completion_tokens);
  });

  it("with a reasoning parser, a reply without </think> is all reasoning: content null, finish_reason stop, reasoning tokens counted", async () => {
    server.setBehavior({ reasoningParser: "deepseek_r1", respond: () => ({ content: "The answer is B.\nAnswer: B" }) });
    const { json } = await chat();
    expect(json.choices[0]).toMatchObject({ finish_reason: "stop", message: { content: null, reasoning: "The answer is B.\nAnswer: B" } });
    expect(json.usage.completion_tokens_details.reasoning_tokens).toBe(json.usage.completion_tokens);
    server.setBehavior({ respond: () => ({ content: "<think>weighing</think>\n\nAnswer: C" }) });
    expect((await chat()).json.choices[0].message).toMatchObject({ reasoning: "weighing", content: "\n\nAnswer: C" });
    server.setBehavior({ reasoningParser: "qwen3", respond: () => ({ content: "Answer: B" }) });
    expect((await chat()).json.choices[0].message).toMatchObject({ content: "Answer: B", reasoning: null });
    server.setBehavior({ reasoningParser: undefined });
    const plain = (await chat()).json;
    expect(plain.choices[0].message).toMatchObject({ content: "Answer: B", reasoning: null });
    expect(plain.usage.completion_tokens_details).toBeNull();
  });

  it("sends reasoning as reasoning, reasoning_content, both, or inline <think>", async () => {
    server.setBehavior({ respond: () => ({ content: "Answer: B", reasoning: "thinking" }) });
    server.setBehavior({ reasoningField: "reasoning" });
    expect((await chat()).json.choices[0].message).toMatchObject({ reasoning: "thinking", content: "Answer: B" });
    expect((await chat()).json.choices[0].message).not.toHaveProperty("reasoning_content");
    server.setBehavior({ reasoningField: "reasoning_content" });
    const old = (await chat()).json.choices[0].message;
    expect(old.reasoning_content).toBe("thinking");
    expect(old).not.toHaveProperty("reasoning");
    server.setBehavior({ reasoningField: "both" });
    expect((await chat()).json.choices[0].message).toMatchObject({ reasoning: "thinking", reasoning_content: "thinking" });
    server.setBehavior({ reasoningField: "inline" });
    expect((await chat()).json.choices[0].message).toMatchObject({ reasoning: null, content: "<think>\nthinking\n</think>\n\nAnswer: B" });
  });

  it("cuts at max_tokens (max_completion_tokens wins) with finish_reason length, reasoning first", async () => {
    server.setBehavior({ respond: () => ({ content: "Answer: B", reasoning: "one two three four five" }) });
    const cut = (await chat({ max_tokens: 100, max_completion_tokens: 3 })).json.choices[0];
    expect(cut).toMatchObject({ finish_reason: "length", message: { reasoning: "one two three", content: null } });
    server.setBehavior({ reasoningField: "inline" });
    const inline = (await chat({ max_tokens: 4 })).json.choices[0];
    expect(inline.finish_reason).toBe("length");
    expect(inline.message.content).toMatch(/^<think>/);
    expect(inline.message.content).not.toMatch(/<\/think>/);
  });

  it("validates logprobs like vLLM and returns top_logprobs sorted, clamped at -9999", async () => {
    expect((await chat({ top_logprobs: 3 })).status).toBe(400);
    expect((await chat({ logprobs: true, top_logprobs: 21 })).json.error.message).toMatch(/greater than max allowed: 20/);
    server.setBehavior({ respond: () => firstTokenReply({ B: -0.2, A: -1.9, "(C": -3, D: -Infinity }) });
    const { json } = await chat({ logprobs: true, top_logprobs: 20, max_tokens: 1 });
    const first = json.choices[0].logprobs.content[0];
    expect(first).toMatchObject({ token: "B", logprob: -0.2, bytes: [66] });
    expect(first.top_logprobs.map((t: any) => [t.token, t.logprob])).toEqual([["B", -0.2], ["A", -1.9], ["(C", -3], ["D", -9999]]);
    const two = (await chat({ logprobs: true, top_logprobs: 2, max_tokens: 1 })).json.choices[0].logprobs.content[0];
    expect(two.top_logprobs).toHaveLength(2);
    server.setBehavior({ logprobs: false });
    expect((await chat({ logprobs: true, top_logprobs: 2, max_tokens: 1 })).json.choices[0].logprobs).toBeNull();
  });

  it("rejects bad requests with 400 and unknown models with 404", async () => {
    expect((await post("/chat/completions", "{not json")).status).toBe(400);
    const wrongType = await fetch(`${server.url}/chat/completions`, { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" });
    expect(wrongType.status).toBe(400);
    expect((await chat({ add_generation_prompt: true, continue_final_message: true })).status).toBe(400);
    const unknown = await chat({ model: "gpt-4" });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ error: { message: "The model `gpt-4` does not exist.", type: "NotFoundError", param: "model", code: 404 } });
    server.setBehavior({ errorShape: "flat" });
    expect((await chat({ model: "gpt-4" })).json).toMatchObject({ object: "error", message: "The model `gpt-4` does not exist.", code: 404 });
  });

  it("checks the context length: prompt + max_tokens over max_model_len is a 400", async () => {
    const { status, json } = await chat({ max_tokens: 4095 });
    expect(status).toBe(400);
    expect(json.error.message).toMatch(/^You passed \d+ input tokens and requested 4095 output tokens\. However, the model's context length is only 4096 tokens/);
    server.setBehavior({ overflowWording: "maximum_context" });
    expect((await chat({ max_tokens: 5000 })).json.error.message).toMatch(/maximum context length is 4096 tokens/);
    server.setBehavior({ overflowWording: undefined });
    expect((await chat({ max_tokens: 5000_000 })).json.error.message).toMatch(/^max_tokens=5000000cannot be greater than max_model_len/);
  });

  it("guards /v1 with --api-key (401 body is a bare string); /health stays open", async () => {
    server.setBehavior({ apiKey: "k" });
    const denied = await chat();
    expect(denied.status).toBe(401);
    expect(denied.json).toEqual({ error: "Unauthorized" });
    expect((await chat({}) && (await post("/chat/completions", { messages: [{ role: "user", content: "x" }] }, { authorization: "Bearer k" }))).status).toBe(200);
    expect((await fetch(`${server.root}/health`)).status).toBe(200);
  });
});

describe("faults", () => {
  it("serves every fault with the right status, headers and body", async () => {
    const faults = [
      { fault: "http", status: 500, message: "boom" },
      { fault: "http", status: 503, shape: "flat" },
      { fault: "rate_limit", retryAfter: 2 },
      { fault: "context_overflow", wording: "passed_tokens" },
      { fault: "malformed_json" },
    ] as const;
    server.setBehavior({ respond: faultCycle([...faults]) });
    const r500 = await chat();
    expect(r500.status).toBe(500);
    expect(r500.json.error).toMatchObject({ message: "boom", code: 500 });
    const r503 = await chat();
    expect(r503.json).toMatchObject({ object: "error", code: 503 });
    const r429 = await chat();
    expect(r429.status).toBe(429);
    expect(r429.headers.get("retry-after")).toBe("2");
    const overflow = await chat();
    expect(overflow.status).toBe(400);
    expect(overflow.json.error.message).toMatch(/^You passed \d+ input tokens and requested \d+ output tokens/);
    const malformed = await chat();
    expect(malformed.status).toBe(200);
    expect(malformed.json).toBeUndefined();
  });

  it("resets connections before headers and mid-body", async () => {
    server.setBehavior({ respond: faultCycle([{ fault: "reset" }, { fault: "reset", when: "mid_body" }]) });
    await expect(chat()).rejects.toThrow();
    await expect(chat()).rejects.toThrow();
    expect(server.generationRequests().map((r) => r.status)).toEqual([undefined, undefined]);
  });

  it("hangs until the client gives up", async () => {
    server.setBehavior({ respond: () => ({ fault: "hang" }) });
    const controller = new AbortController();
    const pending = fetch(`${server.url}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ messages: [{ role: "user", content: "x" }] }), signal: controller.signal });
    await new Promise((r) => setTimeout(r, 50));
    expect(server.inFlight()).toBe(1);
    controller.abort();
    await expect(pending).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 20));
    expect(server.inFlight()).toBe(0);
  });

  it("counts attempts per identical body and schedules faults", async () => {
    server.setBehavior({ respond: failFirstAttempts(2, { fault: "http", status: 500 }) });
    expect((await chat()).status).toBe(500);
    expect((await chat()).status).toBe(500);
    expect((await chat()).status).toBe(200);
    expect((await chat({ seed: 1 })).status).toBe(500);
    expect(server.generationRequests().map((r) => r.attempt)).toEqual([1, 2, 3, 1]);
    server.reset();
    server.setBehavior({ respond: everyNth(3, { fault: "http", status: 502 }, undefined, 1) });
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await chat({ seed: i })).status);
    expect(statuses).toEqual([200, 502, 200, 200, 502, 200]);
  });

  it("a dead engine fails /health and /v1 with 503", async () => {
    server.setBehavior({ dead: true });
    expect((await fetch(`${server.root}/health`)).status).toBe(503);
    expect((await chat()).status).toBe(503);
  });

  it("kill() refuses connections and revive() serves again on the same port", async () => {
    const other = await startFakeVllm();
    await other.kill();
    await expect(fetch(`${other.root}/health`)).rejects.toThrow();
    await other.revive();
    expect((await fetch(`${other.root}/health`)).status).toBe(200);
    await other.close();
  });
});

describe("completions", () => {
  it("echoes prompt logprobs with a null first token, text offsets, and a batch in prompt order", async () => {
    const scores: Record<string, number> = { " A": -0.25, " B": -20000 };
    server.setBehavior({ scorer: (_prefix, token) => scores[token] ?? -1, respond: () => ({ content: " next" }) });
    const { json } = await post("/completions", { model: "served-name", prompt: ["Q: x\nAnswer: A", "Q: x\nAnswer: B"], echo: true, logprobs: 1, max_tokens: 1, temperature: 0 });
    expect(json.object).toBe("text_completion");
    expect(json.choices.map((c: any) => c.index)).toEqual([0, 1]);
    const [a, b] = json.choices;
    expect(a.text).toBe("Q: x\nAnswer: A next");
    expect(a.logprobs.tokens).toEqual(["Q", ":", " x", "\nAnswer", ":", " A", " next"]);
    expect(a.logprobs.text_offset).toEqual([0, 1, 2, 4, 11, 12, 14]);
    expect(a.logprobs.token_logprobs).toEqual([null, -1, -1, -1, -1, -0.25, -1]);
    expect(a.logprobs.top_logprobs[0]).toBeNull();
    expect(a.logprobs.top_logprobs[5]).toEqual({ " A": -0.25 });
    expect(b.logprobs.token_logprobs[5]).toBe(-9999);
    expect(json.usage.prompt_tokens).toBe(12);
  });

  it("adds alternatives to top_logprobs up to the logprobs count", async () => {
    server.setBehavior({ scorer: () => -2, alternatives: () => ({ " A": -0.1, " B": -0.5, " C": -3 }) });
    const { json } = await post("/completions", { prompt: "Answer: B", echo: true, logprobs: 2, max_tokens: 1 });
    expect(json.choices[0].logprobs.top_logprobs[2]).toEqual({ " A": -0.1, " C": -3, " B": -2 });
    server.setBehavior({ alternatives: undefined });
  });

  it("refuses max_tokens 0 without echo, logprobs over the cap, and can be switched off", async () => {
    expect((await post("/completions", { prompt: "x", max_tokens: 0 })).status).toBe(400);
    expect((await post("/completions", { prompt: "x", max_tokens: 0, echo: true, logprobs: 1 })).status).toBe(200);
    expect((await post("/completions", { prompt: "x", logprobs: 21 })).status).toBe(400);
    server.setBehavior({ logprobs: false });
    expect((await post("/completions", { prompt: "x", logprobs: 1, max_tokens: 1 })).json.choices[0].logprobs).toBeNull();
    server.setBehavior({ completions: false });
    expect((await post("/completions", { prompt: "x" })).status).toBe(404);
  });
});

describe("other endpoints", () => {
  it("/v1/models, /version, /metrics, /tokenize", async () => {
    const models = (await (await fetch(`${server.url}/models`)).json()) as any;
    expect(models.object).toBe("list");
    expect(models.data[0]).toMatchObject({ id: "served-name", object: "model", owned_by: "vllm", root: "/models/Llama-3.1-8B", max_model_len: 4096 });
    expect(await (await fetch(`${server.root}/version`)).json()).toEqual({ version: FAKE_VLLM_VERSION });
    await chat();
    const metrics = await (await fetch(`${server.root}/metrics`)).text();
    expect(metrics).toMatch(/vllm:num_requests_running\{model_name="served-name"\} 0/);
    expect(metrics).toMatch(/vllm:e2e_request_latency_seconds_count\{model_name="served-name"\} 1/);
    const tok = await (await fetch(`${server.root}/tokenize`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt: "a b c" }) })).json();
    expect(tok).toMatchObject({ count: 3, max_model_len: 4096 });
  });

  it("embeddings are deterministic, normalised, and available as base64", async () => {
    const float = (await post("/embeddings", { input: ["heart attack", "heart attack"] })).json;
    expect(float.data[0].embedding).toEqual(float.data[1].embedding);
    expect(Math.hypot(...float.data[0].embedding)).toBeCloseTo(1, 6);
    const b64 = (await post("/embeddings", { input: "heart attack", encoding_format: "base64" })).json;
    const bytes = Buffer.from(b64.data[0].embedding, "base64");
    const decoded = Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4));
    decoded.forEach((v, i) => expect(v).toBeCloseTo(float.data[0].embedding[i], 5));
  });
});

describe("helpers", () => {
  it("tokenize keeps leading spaces on words and splits punctuation", () => {
    expect(tokenize("Answer: B. ok").map((t) => t.text)).toEqual(["Answer", ":", " B", ".", " ok"]);
  });

  it("read the options and the language of a prompt", () => {
    expect(optionLetters(QUESTION)).toEqual(["A", "B", "C", "D"]);
    expect(promptLanguage([{ role: "user", content: "Rispondi con\nRisposta: X" }])).toBe("it");
    expect(promptLanguage([{ role: "user", content: "Termina con Respuesta: X" }])).toBe("es");
    expect(promptLanguage([{ role: "user", content: QUESTION }])).toBe("en");
    const letter = guessLetter([{ role: "user", content: QUESTION }]);
    expect(["A", "B", "C", "D"]).toContain(letter);
    expect(guessLetter([{ role: "user", content: QUESTION }])).toBe(letter);
  });

  it("answerWith writes the answer line in the prompt's language and style", async () => {
    server.setBehavior({ respond: answerWith(() => "D", "think") });
    const it = await post("/chat/completions", { messages: [{ role: "user", content: "Domanda...\nA. a\nB. b\nTermina con 'Risposta: X'." }] });
    expect(it.json.choices[0].message.content).toMatch(/^<think>\n[\s\S]+\n<\/think>\n\nRisposta: D$/);
    expect(replyFor("B", "direct")).toEqual({ content: "B" });
    expect(replyFor("B", "reasoning_field", "es")).toMatchObject({ content: "Respuesta: B" });
  });
});
