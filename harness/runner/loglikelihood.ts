// Loglikelihood scoring (lm-evaluation-harness's multiple_choice) over /v1/completions: for
// each option, the log-probability of its continuation after the prompt, read from an echoed
// completion of prompt + continuation. One request per item with the options as a list of
// prompts; one request per option when the server refuses lists.
//
// The sample's `messages` hold the context as a single user message (there is no chat here:
// it is the raw prompt text), the continuations are in `scores.continuations`.
import { loglikelihoodPrompt, type LogprobTarget } from "../prompts/lm-eval.ts";
import { continuationLogprob, continuationLogprobByCount, promptOffset, LogprobShapeError, scoreMultipleChoice, type ContinuationScore, type EchoLogprobs } from "../scoring/logprob.ts";
import { letterOf, UserError, type Item, type Sample, type Usage } from "../types.ts";
import { ResponseCache } from "../endpoints/cache.ts";
import type { CallOptions, CompletionOutcome, CompletionRequestBody, FailureOutcome } from "../endpoints/client.ts";
import type { PlannedTask } from "./plan.ts";
import type { ItemAnswerer } from "./run.ts";
import { tokenCounter, type CountTokens } from "../endpoints/tokenize.ts";

/** What the answerer needs from the endpoint pool (`createEndpointPool(...)` or `createDispatcher(...).pool`). */
export interface CompletionsEndpoint {
  completions(body: CompletionRequestBody, options?: CallOptions): Promise<CompletionOutcome>;
}

export interface LoglikelihoodOptions {
  pool: CompletionsEndpoint;
  servedModel: string;
  target: LogprobTarget;
  cache: ResponseCache | null;
  /** Identity of the served model for the cache key (served name + checkpoint root). */
  modelIdentity: string;
  /**
   * Failures that will hit every item (a chat-only endpoint, a logprobs cap, no logprobs,
   * echo ignored) stop the run with a UserError that says what to do (default true). When
   * false they are recorded as the items' errors.
   */
  stopOnSystematic?: boolean;
  /** --setting few-shot: the solved examples put before each item's question (lm-evaluation-harness's k-shot). */
  shots?: (task: PlannedTask, item: Item) => Item[];
  /**
   * Token counts for aligning by token ids (default: POST /tokenize on the endpoint that
   * answered, or on `tokenizeBaseUrl` when the answer came from the cache).
   */
  countTokens?: CountTokens;
  tokenizeBaseUrl?: string;
}

// ---------------------------------------------------------------------------------------
// Failures of logprob requests, shared with first-token.ts

export type LogprobRoute = "completions" | "chat";

export interface LogprobFailure {
  status: "error" | "context_overflow";
  message: string;
  /** Will happen to every item: stop the run instead of recording it item after item. */
  systematic: boolean;
}

const LOGPROBS_CAP = /max allowed|max_logprobs|max-logprobs|logprobs.*(exceed|greater|too (large|many))/i;

/** What a failed logprob request means for a person, and whether it will repeat for every item. */
export function describeLogprobFailure(route: LogprobRoute, outcome: Exclude<FailureOutcome, { kind: "aborted" }>, asked: string): LogprobFailure {
  if (outcome.kind === "context_overflow") return { status: "context_overflow", message: outcome.message, systematic: false };
  const status = outcome.status;
  const chatOnly = route === "completions" && (status === 405 || (status === 404 && !/does not serve the model/.test(outcome.message)));
  if (chatOnly) {
    return {
      status: "error",
      systematic: true,
      message:
        `loglikelihood scoring needs /v1/completions; this endpoint is chat-only: use --scoring first-token or generative ` +
        `(${outcome.endpoint || "the endpoint"} answered HTTP ${status} to POST /completions)`,
    };
  }
  if (status === 400 && LOGPROBS_CAP.test(outcome.message)) {
    return {
      status: "error",
      systematic: true,
      message:
        `the server caps logprobs below what was asked (${asked}): start vLLM with --max-logprobs 20 (or at least what is asked), ` +
        `or ask for fewer top_logprobs (server said: ${outcome.message})`,
    };
  }
  return { status: "error", message: outcome.message, systematic: false };
}

export function noLogprobsMessage(route: LogprobRoute, endpoint: string, asked: string): string {
  const mode = route === "completions" ? "loglikelihood" : "first-token";
  const where = route === "completions" ? "vLLM's /v1/completions" : "vLLM's chat endpoint";
  return (
    `${endpoint || "the server"} returned no logprobs for a request that asked for them (${asked}): ${mode} scoring needs them. ` +
    `${where} returns them; some proxies and gateways drop them. Point the run at the vLLM server itself, or use --scoring generative.`
  );
}

/** Trips once on a systematic failure; from then on every item throws the same UserError without a request. */
export class SystematicStop {
  private error: UserError | null = null;

  check(): void {
    if (this.error) throw this.error;
  }

  trip(message: string): never {
    this.error ??= new UserError(message);
    throw this.error;
  }
}

/** The Sample fields every logprob mode fills the same way. */
export function sampleBase(task: PlannedTask, item: Item): Pick<Sample, "task" | "item_id" | "item_hash" | "lang" | "subject" | "gold"> {
  return {
    task: task.meta.id,
    item_id: item.id,
    item_hash: item.hash,
    lang: item.lang,
    ...(item.subject ? { subject: item.subject } : {}),
    gold: letterOf(item.answer),
  };
}

export function addUsage(a: Usage | null, b: Usage | null): Usage | null {
  if (!a) return b;
  if (!b) return a;
  return { prompt_tokens: a.prompt_tokens + b.prompt_tokens, completion_tokens: a.completion_tokens + b.completion_tokens, total_tokens: a.total_tokens + b.total_tokens };
}

// ---------------------------------------------------------------------------------------

/** One echoed completion per prompt, in prompt order. */
interface EchoedChoice {
  text: string;
  logprobs: EchoLogprobs | null;
}

interface Fetched {
  choices: EchoedChoice[];
  usage: Usage | null;
  attempts: number;
  latencyMs: number;
  endpoint?: string;
  cached: boolean;
}

type FetchOutcome = { kind: "ok"; value: Fetched } | { kind: "failed"; outcome: Exclude<FailureOutcome, { kind: "aborted" }> } | { kind: "aborted" };

const ASKED = "logprobs: 1, echo: true, max_tokens: 1";

export function completionsBody(model: string, prompt: string | string[]): CompletionRequestBody {
  return { model, prompt, max_tokens: 1, logprobs: 1, echo: true, temperature: 0 };
}

interface CachedEcho {
  choices: EchoedChoice[];
}

async function fetchEchoes(opts: LoglikelihoodOptions, prompt: string | string[], signal: AbortSignal): Promise<FetchOutcome> {
  const body = completionsBody(opts.servedModel, prompt);
  const key = opts.cache ? ResponseCache.key(opts.modelIdentity, body) : null;
  const found = key ? await opts.cache!.lookup(key, (v) => Array.isArray((v.logprobs as CachedEcho | undefined)?.choices)) : null;
  if (found?.kind === "hit") {
    const hit = found.value;
    return { kind: "ok", value: { choices: (hit.logprobs as CachedEcho).choices, usage: hit.usage, attempts: 0, latencyMs: 0, cached: true } };
  }
  let outcome: Awaited<ReturnType<typeof opts.pool.completions>>;
  let choices: EchoedChoice[] = [];
  try {
    outcome = await opts.pool.completions(body, { signal });
    if (outcome.kind === "ok") {
      choices = outcome.choices.map((c) => ({ text: c.text, logprobs: c.logprobs }));
      if (key && choices.every((c) => c.logprobs)) {
        opts.cache!.set(key, { content: null, reasoning: null, finish_reason: null, usage: outcome.usage, logprobs: { choices } satisfies CachedEcho });
      }
    }
  } finally {
    found?.done();
  }
  if (outcome.kind === "aborted") return { kind: "aborted" };
  if (outcome.kind !== "ok") return { kind: "failed", outcome };
  return { kind: "ok", value: { choices, usage: outcome.usage, attempts: outcome.attempts, latencyMs: outcome.latencyMs, endpoint: outcome.endpoint, cached: false } };
}

/** Echoed tokens that line up with the prompt neither by text nor by token count: every item will fail alike. */
class UnalignableEcho extends Error {
  constructor(textProblem: string, idProblem: string) {
    super(
      `the echoed tokens do not spell the prompt (${textProblem}): servers decode echoed tokens one by one, so SentencePiece tokenizers ` +
        `(Llama-2, Mistral, Mixtral) lose their leading spaces and old ones return raw pieces like "Ġthe". Aligning by token ids failed too ` +
        `(it counts the prompt's tokens with POST /tokenize: ${idProblem}). Every item would fail alike: point the run at the vLLM server itself ` +
        `(its /tokenize beside /v1), or use --scoring first-token or generative.`,
    );
  }
}

/** A 400 that may mean "no lists here" (not a context overflow, not a logprobs cap). */
function mayBeListRefusal(outcome: Exclude<FailureOutcome, { kind: "aborted" }>): boolean {
  return outcome.kind === "error" && (outcome.status === 400 || outcome.status === 422) && !LOGPROBS_CAP.test(outcome.message);
}

export function loglikelihoodAnswerer(opts: LoglikelihoodOptions): ItemAnswerer {
  const stop = new SystematicStop();
  const stopOnSystematic = opts.stopOnSystematic ?? true;
  // Once a server refuses a list of prompts, later items go one option per request at once.
  let listsRefused = false;
  // Once the echoed tokens fail to spell a prompt, every item is aligned by token counts.
  let alignByIds = false;
  let scoredItems = 0;
  const counters = new Map<string, CountTokens>();
  const counterFor = (endpoint: string): CountTokens => {
    if (opts.countTokens) return opts.countTokens;
    const base = endpoint || opts.tokenizeBaseUrl;
    if (!base) throw new Error("no endpoint to ask POST /tokenize (a cached answer, and no tokenizeBaseUrl)");
    if (!counters.has(base)) counters.set(base, tokenCounter(base, opts.servedModel));
    return counters.get(base)!;
  };
  /** lm-evaluation-harness's alignment: the continuation is the prompt's tokens after the context's. */
  const scoreByIds = async (choices: EchoedChoice[], context: string, prompts: string[], endpoint: string, signal: AbortSignal): Promise<ContinuationScore[]> => {
    const count = counterFor(endpoint);
    const [contextTokens, ...promptTokens] = await Promise.all([context, ...prompts].map((p) => count(p, signal)));
    return choices.map((choice, i) => continuationLogprobByCount(choice.logprobs!, contextTokens, promptTokens[i]));
  };

  return async (task, item, signal) => {
    stop.check();
    const started = performance.now();
    const shots = opts.shots?.(task, item) ?? [];
    const prompt = loglikelihoodPrompt(task.meta.family, item, opts.target, shots);
    const full = prompt.continuations.map((c) => prompt.context + c);
    let sent = 0;
    let attempts = 0;
    let batched = !listsRefused;
    const fetched: Fetched[] = [];
    let failure: LogprobFailure | null = null;

    if (!listsRefused) {
      const got = await fetchEchoes(opts, full, signal);
      stop.check();
      if (got.kind === "aborted") return null;
      if (!(got.kind === "ok" && got.value.cached)) sent++;
      if (got.kind === "ok" && got.value.choices.length === full.length) {
        fetched.push(got.value);
      } else if (got.kind === "ok" || mayBeListRefusal(got.outcome)) {
        // A refused list, or a server that answered only the first prompt: one per option.
        batched = false;
        attempts += got.kind === "failed" ? got.outcome.attempts : got.value.attempts;
      } else {
        failure = describeLogprobFailure("completions", got.outcome, ASKED);
        attempts += got.outcome.attempts;
      }
    }
    if (!batched && failure === null) {
      const each = await Promise.all(full.map((p) => fetchEchoes(opts, p, signal)));
      stop.check();
      if (each.some((e) => e.kind === "aborted")) return null;
      sent += each.filter((e) => !(e.kind === "ok" && e.value.cached)).length;
      for (const e of each) {
        if (e.kind === "failed") {
          attempts += e.outcome.attempts;
          failure ??= describeLogprobFailure("completions", e.outcome, ASKED);
        } else if (e.kind === "ok") fetched.push(e.value);
      }
      if (failure === null) listsRefused = true;
    }

    const usage = fetched.reduce<Usage | null>((u, f) => addUsage(u, f.usage), null);
    attempts += fetched.reduce((n, f) => n + f.attempts, 0);
    const endpoint = fetched[0]?.endpoint ?? "";
    const base = {
      ...sampleBase(task, item),
      messages: [{ role: "user" as const, content: prompt.context }],
      content: null,
      reasoning: null,
      finish_reason: null,
      latency_ms: Math.round(performance.now() - started),
      attempts,
      ...(endpoint ? { endpoint } : {}),
      ...(opts.shots ? { shots: shots.map((shot) => shot.id) } : {}),
      finished_at: new Date().toISOString(),
    };
    const scoresBase = { scoring: "loglikelihood", target: opts.target, template: prompt.template, continuations: prompt.continuations, batched };
    const errorSample = (f: LogprobFailure): { sample: Sample; sent: number } => {
      if (f.systematic && stopOnSystematic) stop.trip(f.message);
      return { sample: { ...base, usage, answer: null, status: f.status, correct: false, error: f.message, scores: scoresBase }, sent };
    };
    if (failure !== null) return errorSample(failure);

    const choices = fetched.flatMap((f) => f.choices);
    if (choices.some((c) => !c.logprobs)) return errorSample({ status: "error", systematic: true, message: noLogprobsMessage("completions", endpoint, ASKED) });
    let scored: ContinuationScore[];
    let alignment: "text_offset" | "token_ids" = alignByIds ? "token_ids" : "text_offset";
    try {
      if (choices.length !== full.length) throw new LogprobShapeError(`expected ${full.length} choices (one per option), got ${choices.length}`);
      try {
        if (alignByIds) throw new LogprobShapeError("aligning by token ids");
        scored = choices.map((choice, i) => continuationLogprob(choice.logprobs!, prompt.context, prompt.continuations[i], promptOffset(choice.logprobs!, full[i])));
      } catch (textErr) {
        if (!(textErr instanceof LogprobShapeError)) throw textErr;
        // Tokens decoded one by one (SentencePiece without their leading space, raw "Ġ" pieces):
        // their text does not spell the prompt, but their count still lines up with it.
        try {
          scored = await scoreByIds(choices, prompt.context, full, endpoint, signal);
        } catch (idErr) {
          if (idErr instanceof LogprobShapeError || alignByIds) throw idErr;
          // Neither way lines up. On the first items this is the server's shape, not the item's.
          throw scoredItems === 0 ? new UnalignableEcho(textErr.message, (idErr as Error).message) : textErr;
        }
        alignByIds = true;
        alignment = "token_ids";
      }
    } catch (err) {
      if (err instanceof UnalignableEcho) return errorSample({ status: "error", systematic: true, message: `${endpoint || "the server"}: ${err.message}` });
      if (!(err instanceof LogprobShapeError)) throw err;
      return errorSample(
        err.reason === "no_echo"
          ? {
              status: "error",
              systematic: true,
              message: `${endpoint || "the server"}: ${err.message}; loglikelihood scoring needs the prompt's logprobs. vLLM returns them; many hosted APIs do not: use --scoring first-token or generative.`,
            }
          : { status: "error", systematic: false, message: `${endpoint || "the server"}: ${err.message}` },
      );
    }
    scoredItems++;
    const logprobs = scored.map((s) => s.logprob);
    const mc = scoreMultipleChoice(logprobs, prompt.choices);
    const letters = item.options.map((_, i) => letterOf(i));
    const flagged = (pick: (s: ContinuationScore) => boolean) => letters.filter((_, i) => pick(scored[i]));
    const sample: Sample = {
      ...base,
      usage,
      answer: letterOf(mc.acc),
      status: "logprob",
      correct: mc.acc === item.answer,
      cached: fetched.length > 0 && fetched.every((f) => f.cached),
      scores: {
        ...scoresBase,
        alignment,
        logprobs,
        token_counts: scored.map((s) => s.tokens),
        lengths_chars: mc.lengths_chars,
        lengths_bytes: mc.lengths_bytes,
        acc_letter: letterOf(mc.acc),
        acc_norm_letter: letterOf(mc.acc_norm),
        acc_norm_correct: mc.acc_norm === item.answer,
        acc_bytes_letter: letterOf(mc.acc_bytes),
        acc_bytes_correct: mc.acc_bytes === item.answer,
        /** Options whose sum includes a −9999 floor value. */
        clamped: flagged((s) => s.clamped),
        /** Options whose first token began inside the prompt (included whole). */
        straddled: flagged((s) => s.straddled),
      },
    };
    return { sample, sent };
  };
}
