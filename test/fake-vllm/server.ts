// An in-process HTTP server that behaves like vLLM's OpenAI-compatible server
// (../shared/notes/vllm-api.md), with hooks to decide each answer and to inject the faults
// real deployments produce. Used by every test that talks to an endpoint, and by the bench.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { guessingBehavior, isFault } from "./helpers.ts";
import {
  chatCompletionBody,
  chatPromptTokens,
  completionBody,
  completionLogprobs,
  contextOverflowMessage,
  detectedOverflowWording,
  embeddingsBody,
  errorBody,
  hashScorer,
  metricsText,
} from "./responses.ts";
import { countTokens, firstTokens } from "./tokenizer.ts";
import { VLLM_SAMPLING_DEFAULTS, type FakeAnswer, type FakeMessage, type FakeReply, type FakeRequest, type FakeVllmOptions, type Fault, type RecordedRequest, type SamplingField } from "./types.ts";

export type { Behavior, FakeAnswer, FakeMessage, FakeReply, FakeRequest, FakeVllmOptions, Fault, RecordedRequest, Scorer } from "./types.ts";

export interface FakeVllm {
  /** Base URL including /v1, e.g. http://127.0.0.1:41234/v1 (what a client is given). */
  url: string;
  /** Server root without /v1 (for /health, /version, /metrics). */
  root: string;
  port: number;
  /** Every request received, in arrival order. */
  requests: RecordedRequest[];
  /** Only POST /v1/chat/completions and /v1/completions. */
  generationRequests(): RecordedRequest[];
  /** Change options while running (behaviour, latency, dead, …). */
  setBehavior(patch: Partial<FakeVllmOptions>): void;
  /** Forget recorded requests and attempt counts (between tests sharing one server). */
  reset(): void;
  /** Requests being handled right now. */
  inFlight(): number;
  /** Stop listening and drop every connection: clients now get ECONNREFUSED. */
  kill(): Promise<void>;
  /** Listen again on the same port after kill(). */
  revive(): Promise<void>;
  close(): Promise<void>;
}

/** What GET /version answers by default: a release with the current layout the fake follows (docs/vllm-compat.md). */
export const FAKE_VLLM_VERSION = "0.17.1";

const JSON_HEADERS = { "content-type": "application/json" };

/** A seeded uniform generator (mulberry32) for reproducible latency jitter. */
function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type?: string,
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

/** A completions `prompt`: a string, a list of strings, or token ids (rendered as "<id>" tokens). */
function normalisePrompts(prompt: unknown): string[] {
  const fromIds = (ids: unknown[]) => ids.map((id) => ` <${String(id)}>`).join("");
  if (typeof prompt === "string") return [prompt];
  if (Array.isArray(prompt) && prompt.length > 0) {
    if (prompt.every((p) => typeof p === "string")) return prompt as string[];
    if (prompt.every((p) => typeof p === "number")) return [fromIds(prompt)];
    if (prompt.every((p) => Array.isArray(p))) return (prompt as unknown[][]).map(fromIds);
  }
  throw new HttpFailure(400, "`prompt` must be a string, a list of strings, or token ids.", "BadRequestError", "prompt");
}

function messageText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((part) => (typeof part?.text === "string" ? part.text : "")).join("");
  return "";
}

/** What a model says when its template opened <think> for it: reasoning text, first token a word. */
const THINKING_REPLY: FakeReply = {
  content: "Okay, let me think about this patient.",
  logprobs: [{ token: "Okay", logprob: Math.log(0.62), top: { Okay: Math.log(0.62), So: Math.log(0.2), First: Math.log(0.1), Let: Math.log(0.05), A: Math.log(0.012) } }],
};

/**
 * vLLM's BaseThinkingReasoningParser.extract_reasoning (vllm/reasoning/basic_parsers.py): drop
 * a leading <think>; with no </think> the whole text is reasoning and the content null. The
 * qwen3 parser first asks for both tags, else the whole text is content.
 */
function parseReasoning(text: string, parser: "deepseek_r1" | "qwen3"): { reasoning: string | null; content: string | null } {
  if (parser === "qwen3" && !(text.includes("<think>") && text.includes("</think>"))) return { reasoning: null, content: text };
  const opened = text.indexOf("<think>");
  const rest = opened >= 0 ? text.slice(opened + "<think>".length) : text;
  const closed = rest.indexOf("</think>");
  if (closed < 0) return { reasoning: rest, content: null };
  const content = rest.slice(closed + "</think>".length);
  return { reasoning: rest.slice(0, closed), content: content === "" ? null : content };
}

export async function startFakeVllm(initial: FakeVllmOptions = {}): Promise<FakeVllm> {
  const opts: FakeVllmOptions = { ...initial };
  const requests: RecordedRequest[] = [];
  const attempts = new Map<string, number>();
  const sockets = new Set<Socket>();
  let generationIndex = 0;
  let running = 0;
  let promptTokensTotal = 0;
  let generationTokensTotal = 0;
  let finishedGenerations = 0;
  let jitter = seededUniform(opts.latency?.seed ?? 1);

  const served = () => opts.servedModelName ?? "fake-model";
  const shape = () => opts.errorShape ?? "nested";

  const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    if (res.destroyed) return;
    const text = JSON.stringify(body);
    res.writeHead(status, { ...JSON_HEADERS, "content-length": Buffer.byteLength(text), ...headers });
    res.end(text);
  };

  const sendError = (res: ServerResponse, status: number, message: string, type?: string, param: string | null = null, headers?: Record<string, string>, errShape = shape()) =>
    sendJson(res, status, errorBody(status, message, errShape, type, param), headers);

  const latencyDelay = (): number => {
    const spec = opts.latency;
    if (!spec) return 0;
    const spread = spec.jitterMs ?? 0;
    const u = spec.deterministic === false ? Math.random() : jitter();
    return Math.max(0, spec.meanMs + spread * (2 * u - 1));
  };

  async function applyFault(fault: Fault, req: IncomingMessage, res: ServerResponse, record: RecordedRequest, promptTokens: number, maxTokens: number): Promise<void> {
    switch (fault.fault) {
      case "http":
        record.status = fault.status;
        sendError(res, fault.status, fault.message ?? `fake ${fault.status} error`, fault.type, null, fault.headers, fault.shape ?? shape());
        return;
      case "rate_limit": {
        record.status = 429;
        const headers: Record<string, string> = fault.retryAfter === undefined ? {} : { "retry-after": String(fault.retryAfter) };
        sendError(res, 429, "Too many requests: rate limit exceeded", "RateLimitError", null, headers);
        return;
      }
      case "context_overflow":
        record.status = 400;
        sendError(res, 400, contextOverflowMessage(fault.wording ?? "passed_tokens", opts.maxModelLen ?? 4096, promptTokens, maxTokens), "BadRequestError", "messages");
        return;
      case "hang":
        // Never answer: the client's timeout or abort ends it (close() drops it too).
        return;
      case "malformed_json": {
        record.status = 200;
        const text = '{"id":"chatcmpl-broken","object":"chat.completion","choices":[{"index":0,"message":{"role":"assis';
        res.writeHead(200, { ...JSON_HEADERS, "content-length": Buffer.byteLength(text) });
        res.end(text);
        return;
      }
      case "reset":
        if (fault.when === "mid_body") {
          const text = JSON.stringify({ id: "chatcmpl-reset", object: "chat.completion", model: served(), choices: [], padding: "x".repeat(4096) });
          res.writeHead(200, { ...JSON_HEADERS, "content-length": Buffer.byteLength(text) });
          res.write(text.slice(0, 100));
          setTimeout(() => req.socket.destroy(), 5);
        } else {
          req.socket.destroy();
        }
        return;
      case "delay":
        // decide() has already waited these out.
        return;
    }
  }

  /** Ask the behaviour hook, resolving "delay" wrappers around plain replies. */
  async function decide(request: FakeRequest): Promise<FakeAnswer> {
    let answer = await (opts.respond ?? guessingBehavior)(request);
    while (isFault(answer) && answer.fault === "delay") {
      await sleep(answer.ms);
      answer = answer.then;
    }
    return answer;
  }

  function checkModel(body: Record<string, unknown>): void {
    const model = body.model;
    if (model === undefined || model === null) return;
    if (model !== served() && !(opts.aliases ?? []).includes(String(model))) {
      throw new HttpFailure(404, `The model \`${String(model)}\` does not exist.`, "NotFoundError", "model");
    }
  }

  /** As vLLM's to_sampling_params: the request's value, else generation_config.json's, else the default. */
  function effectiveSampling(body: Record<string, unknown>): Record<SamplingField, number> {
    const fields = Object.keys(VLLM_SAMPLING_DEFAULTS) as SamplingField[];
    return Object.fromEntries(
      fields.map((f) => [f, typeof body[f] === "number" ? (body[f] as number) : (opts.generationConfig?.[f] ?? VLLM_SAMPLING_DEFAULTS[f])]),
    ) as Record<SamplingField, number>;
  }

  function nextAttempt(path: string, raw: string): number {
    const key = `${path}\u0000${raw}`;
    const n = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, n);
    return n;
  }

  async function handleChat(body: Record<string, unknown>, raw: string, req: IncomingMessage, res: ServerResponse, record: RecordedRequest): Promise<void> {
    checkModel(body);
    if (!Array.isArray(body.messages) || body.messages.length === 0) throw new HttpFailure(400, "Field required: messages", "BadRequestError", "messages");
    const messages: FakeMessage[] = body.messages.map((m: any) => ({ role: String(m?.role ?? "user"), content: messageText(m?.content) }));
    const wantLogprobs = body.logprobs === true;
    const top = body.top_logprobs;
    if (top !== undefined && top !== null) {
      if (!wantLogprobs) throw new HttpFailure(400, "when using `top_logprobs`, `logprobs` must be set to true.", "BadRequestError", "top_logprobs");
      const maxLogprobs = opts.maxLogprobs ?? 20;
      if (typeof top !== "number" || top < 0) throw new HttpFailure(400, "`top_logprobs` must be a positive value.", "BadRequestError", "top_logprobs");
      if (top > maxLogprobs) throw new HttpFailure(400, `Requested sample logprobs of ${top}, which is greater than max allowed: ${maxLogprobs}`, "BadRequestError", "top_logprobs");
    }
    if (body.add_generation_prompt === true && body.continue_final_message === true) {
      throw new HttpFailure(400, "Cannot set both `continue_final_message` and `add_generation_prompt` to True.", "BadRequestError");
    }
    const maxModelLen = opts.maxModelLen ?? 4096;
    const promptTokens = chatPromptTokens(messages);
    const requested = (body.max_completion_tokens ?? body.max_tokens) as number | undefined | null;
    const maxTokens = typeof requested === "number" ? requested : maxModelLen - promptTokens;
    if (promptTokens + maxTokens > maxModelLen || maxTokens < 0) {
      const wording = detectedOverflowWording(opts.overflowWording, maxModelLen, promptTokens, maxTokens);
      throw new HttpFailure(400, contextOverflowMessage(wording, maxModelLen, promptTokens, maxTokens), "BadRequestError", "messages");
    }
    const attempt = nextAttempt("chat", raw);
    record.attempt = attempt;
    record.sampling = effectiveSampling(body);
    const index = generationIndex++;
    await sleep(latencyDelay());
    const n = typeof body.n === "number" && body.n > 1 ? body.n : 1;
    const prompt = messages.map((m) => m.content).join("\n");
    const choices = [];
    const thinking = opts.thinkingTemplate === true && (body.chat_template_kwargs as { enable_thinking?: unknown } | undefined)?.enable_thinking !== false;
    for (let choice = 0; choice < n; choice++) {
      const answer = thinking ? THINKING_REPLY : await decide({ endpoint: "chat", messages, prompt, body, attempt, index, choice });
      if (isFault(answer)) return applyFault(answer, req, res, record, promptTokens, maxTokens);
      if (answer.delayMs) await sleep(answer.delayMs);
      choices.push({ ...shapeChatReply(answer, maxTokens), reply: answer, topLogprobs: wantLogprobs ? ((top as number | undefined) ?? 0) : null });
    }
    promptTokensTotal += promptTokens;
    for (const c of choices) generationTokensTotal += c.completionTokens;
    record.status = 200;
    sendJson(res, 200, chatCompletionBody(opts, served(), promptTokens, choices, opts.scorer ?? hashScorer));
  }

  /** Apply the reasoning transport and the max_tokens budget to a reply, as the engine would. */
  function shapeChatReply(reply: FakeReply, maxTokens: number) {
    let reasoning = reply.reasoning ?? null;
    let content = reply.content ?? null;
    if (opts.reasoningParser && reasoning === null && content !== null) ({ reasoning, content } = parseReasoning(content, opts.reasoningParser));
    if ((opts.reasoningField ?? "reasoning") === "inline" && reasoning !== null) {
      content = `<think>\n${reasoning}\n</think>\n\n${content ?? ""}`;
      reasoning = null;
    }
    let finishReason = reply.finish_reason ?? "stop";
    const reasoningTokens = reasoning === null ? 0 : countTokens(reasoning);
    const contentTokens = content === null ? 0 : countTokens(content);
    if (opts.enforceMaxTokens !== false && reasoningTokens + contentTokens > maxTokens) {
      finishReason = "length";
      if (reasoningTokens >= maxTokens) {
        reasoning = reasoning === null ? null : firstTokens(reasoning, maxTokens);
        content = null;
      } else {
        content = content === null ? null : firstTokens(content, maxTokens - reasoningTokens);
      }
    }
    const completionTokens = Math.min(reasoningTokens + contentTokens, opts.enforceMaxTokens === false ? Infinity : maxTokens);
    return { content, reasoning, finishReason, completionTokens };
  }

  async function handleCompletions(body: Record<string, unknown>, raw: string, req: IncomingMessage, res: ServerResponse, record: RecordedRequest): Promise<void> {
    checkModel(body);
    const prompts = normalisePrompts(body.prompt);
    const logprobs = body.logprobs === undefined || body.logprobs === null ? null : Number(body.logprobs);
    const maxLogprobs = opts.maxLogprobs ?? 20;
    if (logprobs !== null && (!Number.isInteger(logprobs) || logprobs < 0)) throw new HttpFailure(400, "`logprobs` must be a non-negative integer.", "BadRequestError", "logprobs");
    if (logprobs !== null && logprobs > maxLogprobs) throw new HttpFailure(400, `Requested sample logprobs of ${logprobs}, which is greater than max allowed: ${maxLogprobs}`, "BadRequestError", "logprobs");
    const echo = body.echo === true;
    const maxTokens = typeof body.max_tokens === "number" ? body.max_tokens : 16;
    if (maxTokens < 0 || (maxTokens === 0 && !echo)) throw new HttpFailure(400, `max_tokens must be at least 1, got ${maxTokens}.`, "BadRequestError", "max_tokens");
    const maxModelLen = opts.maxModelLen ?? 4096;
    let promptTokens = 0;
    for (const p of prompts) {
      const count = countTokens(p);
      if (count + maxTokens > maxModelLen) {
        const wording = detectedOverflowWording(opts.overflowWording, maxModelLen, count, maxTokens);
        throw new HttpFailure(400, contextOverflowMessage(wording, maxModelLen, count, maxTokens), "BadRequestError", "prompt");
      }
      promptTokens += count;
    }
    const attempt = nextAttempt("completions", raw);
    record.attempt = attempt;
    record.sampling = effectiveSampling(body);
    const index = generationIndex++;
    await sleep(latencyDelay());
    const n = typeof body.n === "number" && body.n > 1 ? body.n : 1;
    const choices = [];
    let completionTokens = 0;
    for (let p = 0; p < prompts.length; p++) {
      for (let j = 0; j < n; j++) {
        const prompt = prompts[p];
        const answer = await decide({ endpoint: "completions", messages: [{ role: "user", content: prompt }], prompt, body, attempt, index, choice: p * n + j });
        if (isFault(answer)) return applyFault(answer, req, res, record, countTokens(prompt), maxTokens);
        if (answer.delayMs) await sleep(answer.delayMs);
        const full = answer.content ?? "";
        const generated = firstTokens(full, maxTokens);
        const generatedTokens = countTokens(generated);
        completionTokens += generatedTokens;
        const choice = { prompt, generated, echo, logprobs, finishReason: answer.finish_reason ?? (generatedTokens >= maxTokens ? "length" : "stop") };
        const logprobsBody = logprobs === null || opts.logprobs === false ? null : completionLogprobs(choice, opts.scorer ?? hashScorer, opts.alternatives, opts.bos, opts.echoDecoding);
        choices.push({ ...choice, logprobsBody });
      }
    }
    promptTokensTotal += promptTokens;
    generationTokensTotal += completionTokens;
    record.status = 200;
    sendJson(res, 200, completionBody(served(), choices, promptTokens, completionTokens));
  }

  function handleEmbeddings(body: Record<string, unknown>, res: ServerResponse, record: RecordedRequest): void {
    checkModel(body);
    const input = body.input;
    const inputs = typeof input === "string" ? [input] : Array.isArray(input) && input.every((x) => typeof x === "string") ? (input as string[]) : null;
    if (!inputs || inputs.length === 0) throw new HttpFailure(400, "`input` must be a string or a list of strings.", "BadRequestError", "input");
    const encoding = body.encoding_format === "base64" ? "base64" : "float";
    record.status = 200;
    sendJson(res, 200, embeddingsBody(served(), inputs, opts.embeddingDim ?? 16, encoding));
  }

  async function route(req: IncomingMessage, res: ServerResponse, raw: string, record: RecordedRequest): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    const method = req.method ?? "GET";
    if (method === "GET" && path === "/health") {
      record.status = opts.dead ? 503 : 200;
      res.writeHead(record.status, { "content-length": 0 });
      res.end();
      return;
    }
    if (method === "GET" && path === "/version") return sendJson(res, (record.status = 200), { version: opts.version ?? FAKE_VLLM_VERSION });
    if (method === "GET" && path === "/metrics") {
      const text = metricsText(served(), running - 1, promptTokensTotal, generationTokensTotal, finishedGenerations);
      record.status = 200;
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8", "content-length": Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    if (path.startsWith("/v1/") && opts.apiKey !== undefined && req.headers.authorization !== `Bearer ${opts.apiKey}`) {
      return sendJson(res, (record.status = 401), { error: "Unauthorized" });
    }
    if (opts.dead && (path.startsWith("/v1/") || path === "/tokenize")) {
      return sendError(res, (record.status = 503), "The engine is dead (EngineDeadError).", "ServiceUnavailableError");
    }
    if (method === "GET" && path === "/v1/models") {
      record.status = 200;
      const created = Math.floor(Date.now() / 1000);
      const ids = [served(), ...(opts.aliases ?? [])];
      return sendJson(res, 200, {
        object: "list",
        data: ids.map((id) => ({ id, object: "model", created, owned_by: "vllm", root: opts.root ?? `/models/${served()}`, parent: null, max_model_len: opts.maxModelLen ?? 4096, permission: [] })),
      });
    }
    const postRoutes = ["/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/tokenize"];
    const switchedOff = (path === "/v1/completions" && opts.completions === false) || (path === "/tokenize" && opts.tokenize === false);
    if (method !== "POST" || !postRoutes.includes(path) || switchedOff) {
      return sendJson(res, (record.status = 404), { detail: "Not Found" });
    }
    const contentType = req.headers["content-type"] ?? "";
    if (!contentType.toLowerCase().includes("application/json")) {
      return sendError(res, (record.status = 400), `Unsupported Media Type: Only 'application/json' is allowed (got '${contentType}').`);
    }
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch (err) {
      return sendError(res, (record.status = 400), `JSON decode error: ${(err as Error).message}`);
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) return sendError(res, (record.status = 400), "Input should be a valid dictionary");
    record.body = body;
    const fields = body as Record<string, unknown>;
    if (path === "/v1/chat/completions") return handleChat(fields, raw, req, res, record);
    if (path === "/v1/completions") return handleCompletions(fields, raw, req, res, record);
    if (path === "/v1/embeddings") return handleEmbeddings(fields, res, record);
    const text = Array.isArray(fields.messages) ? fields.messages.map((m: any) => messageText(m?.content)).join("\n") : String(fields.prompt ?? "");
    // Like vLLM (add_special_tokens defaults to true), the count includes the BOS token.
    const count = countTokens(text) + (opts.bos && !Array.isArray(fields.messages) ? 1 : 0);
    return sendJson(res, (record.status = 200), { count, max_model_len: opts.maxModelLen ?? 4096, tokens: Array.from({ length: count }, (_, i) => i) });
  }

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const record: RecordedRequest = { seq: requests.length, method: req.method ?? "GET", path: (req.url ?? "/").split("?")[0], headers: req.headers, body: undefined, at: Date.now() };
    requests.push(record);
    running++;
    // In flight until the answer is sent or the connection dies (a hang counts as in flight).
    res.once("close", () => {
      running--;
      if (record.path === "/v1/chat/completions" || record.path === "/v1/completions") finishedGenerations++;
    });
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      route(req, res, raw, record)
        .catch((err: unknown) => {
          if (err instanceof HttpFailure) {
            record.status = err.status;
            sendError(res, err.status, err.message, err.type, err.param);
          } else {
            record.status = 500;
            sendError(res, 500, `fake server bug: ${(err as Error).stack ?? String(err)}`);
          }
        });
    });
  };

  let server: Server = createServer({ keepAliveTimeout: opts.keepAliveTimeoutMs ?? 5000 }, handler);
  const track = (s: Server) =>
    s.on("connection", (socket: Socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
  track(server);

  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        const address = server.address();
        resolve(typeof address === "object" && address ? address.port : port);
      });
    });

  const stop = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    });

  const port = await listen(opts.port ?? 0);
  const root = `http://127.0.0.1:${port}`;

  return {
    url: `${root}/v1`,
    root,
    port,
    requests,
    generationRequests: () => requests.filter((r) => r.method === "POST" && (r.path === "/v1/chat/completions" || r.path === "/v1/completions")),
    setBehavior(patch) {
      Object.assign(opts, patch);
      if (patch.latency) jitter = seededUniform(patch.latency.seed ?? 1);
      if (patch.keepAliveTimeoutMs !== undefined) server.keepAliveTimeout = patch.keepAliveTimeoutMs;
    },
    reset() {
      requests.length = 0;
      attempts.clear();
      generationIndex = 0;
      promptTokensTotal = 0;
      generationTokensTotal = 0;
      finishedGenerations = 0;
    },
    inFlight: () => running,
    kill: stop,
    async revive() {
      if (server.listening) return;
      server = createServer({ keepAliveTimeout: opts.keepAliveTimeoutMs ?? 5000 }, handler);
      track(server);
      await listen(port);
    },
    close: stop,
  };
}
