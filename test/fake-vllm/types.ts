// What a test can tell the fake vLLM server to do, and what it records.

export interface FakeMessage {
  role: string;
  content: string;
}

/** What the behaviour hook sees for each generation request. */
export interface FakeRequest {
  endpoint: "chat" | "completions";
  /** Chat messages (for completions: one user message holding the prompt). */
  messages: FakeMessage[];
  /** The completions prompt (for chat: the messages' contents joined by newlines). */
  prompt: string;
  body: Record<string, unknown>;
  /** 1 for the first time this exact body arrives, 2 for its first retry, … */
  attempt: number;
  /** 0-based arrival order over all generation requests since start. */
  index: number;
  /** For n > 1 (chat) or a list of prompts (completions): which choice is being answered. */
  choice: number;
}

/**
 * Top alternatives as a list: two token ids that decode to the same text ("▁B" and "B" both
 * shown as "B") appear as two entries with one string, as vLLM returns them.
 */
export type TopList = Array<[token: string, logprob: number]>;

/** A normal answer. Unset fields get vLLM-like defaults. */
export interface FakeReply {
  content?: string | null;
  reasoning?: string | null;
  finish_reason?: "stop" | "length" | "abort" | string;
  stop_reason?: string | number | null;
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  /**
   * Chat logprobs for the generated tokens (when the request asks for logprobs): one entry
   * per token with its top alternatives. Unset: built from the content with the scorer.
   */
  logprobs?: Array<{ token: string; logprob: number; top?: Record<string, number> | TopList }>;
  /** Extra delay for this answer, on top of the server's latency setting. */
  delayMs?: number;
}

export type Fault =
  /** An HTTP error with vLLM's body: nested (≥ v0.10.1) or the old flat shape. */
  | { fault: "http"; status: number; message?: string; type?: string; shape?: "nested" | "flat"; headers?: Record<string, string> }
  /** 429 as a router or hosted API sends it; retryAfter in seconds or an HTTP date. */
  | { fault: "rate_limit"; retryAfter?: number | string }
  /** A context-length 400 in one of the wordings vLLM has used (default: the current "passed_tokens"). */
  | { fault: "context_overflow"; wording?: "maximum_context" | "passed_tokens" | "max_model_len" | "decoder_prompt" }
  /** Never answers; the socket stays open until the client gives up. */
  | { fault: "hang" }
  /** 200 with a JSON content type and a cut-off body. */
  | { fault: "malformed_json" }
  /** The connection is destroyed before any byte ("socket hang up") or half-way through the body. */
  | { fault: "reset"; when?: "before_headers" | "mid_body" }
  /** Delay, then the given reply or fault. */
  | { fault: "delay"; ms: number; then: FakeReply | Fault };

export type FakeAnswer = FakeReply | Fault;
export type Behavior = (req: FakeRequest) => FakeAnswer | Promise<FakeAnswer>;

export type SamplingField = "temperature" | "top_p" | "top_k" | "min_p" | "repetition_penalty" | "presence_penalty" | "frequency_penalty";

/** vLLM's SamplingParams defaults: what applies when neither the request nor generation_config.json sets a field. */
export const VLLM_SAMPLING_DEFAULTS: Record<SamplingField, number> = {
  temperature: 1,
  top_p: 1,
  top_k: 0,
  min_p: 0,
  repetition_penalty: 1,
  presence_penalty: 0,
  frequency_penalty: 0,
};

/** log P(token | prefix) for the completions endpoint's logprobs. */
export type Scorer = (prefix: string, token: string) => number;

export interface LatencySpec {
  meanMs: number;
  /** Uniform jitter: the delay is meanMs ± jitterMs. */
  jitterMs?: number;
  /** Seeded jitter (same delays in the same arrival order): for benchmarks. Default true. */
  deterministic?: boolean;
  seed?: number;
}

export interface FakeVllmOptions {
  /** Fixed port (default 0: any free one). */
  port?: number;
  /** First --served-model-name: what responses name and what requests must ask for. */
  servedModelName?: string;
  /** Further served names that are accepted. */
  aliases?: string[];
  /** The model root /v1/models reports (a path or Hub id). */
  root?: string;
  maxModelLen?: number;
  /** --max-logprobs (vLLM default 20). */
  maxLogprobs?: number;
  /** --api-key: when set, /v1/* needs `Authorization: Bearer <key>`. */
  apiKey?: string;
  /** How reasoning comes back: its own field (new or old name, or both), or inline as <think> (no --reasoning-parser). */
  reasoningField?: "reasoning" | "reasoning_content" | "both" | "inline";
  /**
   * The server runs with --reasoning-parser: a reply given as `content` only (`<think>` tags
   * and all) is split as that parser splits it. "deepseek_r1" (vllm/reasoning/basic_parsers.py,
   * most parsers): a leading <think> is dropped and text with no </think> is all reasoning, with
   * `content: null` and finish_reason "stop" (thinking skipped, or a parser on a model that
   * does not think). "qwen3" (qwen3_reasoning_parser.py): without both tags it is all content.
   * A reply that sets `reasoning` itself is sent as given.
   */
  reasoningParser?: "deepseek_r1" | "qwen3";
  /**
   * The checkpoint's generation_config.json as `--generation-config auto` (vLLM's default) uses
   * it: a sampling parameter the request leaves unset takes its value from here. The values in
   * effect are recorded per request (`RecordedRequest.sampling`).
   */
  generationConfig?: Partial<Record<SamplingField, number>>;
  /**
   * The chat template opens a <think> block in the prompt (Qwen3-style thinking templates, QwQ,
   * R1 distills) unless the request sends chat_template_kwargs {enable_thinking: false}: the
   * reply is then reasoning text that never closes, whatever the behaviour hook says; its
   * first token is a word ("Okay"), with the article "A" among its alternatives.
   */
  thinkingTemplate?: boolean;
  /** Error body shape for errors the server itself raises (validation, unknown model). */
  errorShape?: "nested" | "flat";
  respond?: Behavior;
  /** false: /v1/completions answers 404 like a chat-only API. */
  completions?: boolean;
  /** false: logprobs requested but none returned (null), like some proxies. */
  logprobs?: boolean;
  /**
   * A BOS token the tokenizer prepends (Llama 3: "<|begin_of_text|>"). As vLLM does, the echoed
   * tokens then start with it (logprob null) and text_offset counts its text, while the
   * echoed `text` is the prompt without it.
   */
  bos?: string;
  /**
   * How echoed completion tokens are decoded: "whole" (default: each token with its leading
   * space, " A"); "sentencepiece": one by one as vLLM decodes SentencePiece tokens (Llama-2,
   * Mistral), losing the leading space ("A"); "raw_pieces": the tokenizer's own pieces, as V1
   * servers ≤ 0.9 returned them ("ĠA"). `text_offset` accumulates the decoded lengths, as
   * vLLM's does, so it drifts from the prompt.
   */
  echoDecoding?: "whole" | "sentencepiece" | "raw_pieces";
  /** false: POST /tokenize answers 404 (a proxy that exposes /v1 only). */
  tokenize?: boolean;
  scorer?: Scorer;
  /** Extra candidates for a completions position's top_logprobs beyond the actual token. */
  alternatives?: (prefix: string) => Record<string, number>;
  embeddingDim?: number;
  latency?: LatencySpec;
  /** Idle keep-alive sockets are closed after this long (vLLM/uvicorn: 5 s). */
  keepAliveTimeoutMs?: number;
  /** Cut generations to max_tokens and report finish_reason "length" (default true). */
  enforceMaxTokens?: boolean;
  version?: string;
  /**
   * How the server words the overflows it detects itself: default as current vLLM does
   * (max_tokens over max_model_len: "max_model_len"; else "passed_tokens"); set one to force it.
   */
  overflowWording?: "maximum_context" | "passed_tokens" | "max_model_len" | "decoder_prompt";
  /** /health answers 503 and every /v1 request 503: an engine that died. */
  dead?: boolean;
}

export interface RecordedRequest {
  seq: number;
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body (undefined for GET or unparsable bodies). */
  body: any;
  /** For generation requests: the attempt number the behaviour hook saw. */
  attempt?: number;
  /** For generation requests: the sampling parameters in effect (request, else generationConfig, else vLLM's neutral default). */
  sampling?: Record<SamplingField, number>;
  /** HTTP status sent (undefined when the connection was reset or hung). */
  status?: number;
  at: number;
}
