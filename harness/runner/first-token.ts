// First-token scoring over a chat endpoint: ask for the letter alone, generate one token
// with its top alternatives (`logprobs: true, top_logprobs: 20, max_tokens: 1`,
// temperature 0), and answer with the option letter that holds the most probability among
// them. The probability mass on option letters is recorded per sample: how much the model
// answered with a letter at all (a calibration signal, and a check on the prompt).
import { firstTokenMessages } from "../prompts/lm-eval.ts";
import { scoreFirstToken } from "../scoring/logprob.ts";
import { letterOf, type ChatMessage, type Item, type Sample } from "../types.ts";
import { ResponseCache } from "../endpoints/cache.ts";
import type { CallOptions, ChatOutcome, ChatRequestBody, ChatTokenLogprob } from "../endpoints/client.ts";
import { LetterMassCheck, LOW_LETTER_MASS, reasoningFirstTokenMessage, THINKING_TEMPLATE_ADVICE } from "./first-token-guard.ts";
import { describeLogprobFailure, noLogprobsMessage, sampleBase, SystematicStop, type LogprobFailure } from "./loglikelihood.ts";
import type { PlannedTask } from "./plan.ts";
import type { ItemAnswerer } from "./run.ts";

/** What the answerer needs from the endpoint pool (`createDispatcher(...).pool`). */
export interface ChatEndpoint {
  chat(body: ChatRequestBody, options?: CallOptions): Promise<ChatOutcome>;
}

export interface FirstTokenOptions {
  pool: ChatEndpoint;
  servedModel: string;
  /**
   * The model's usual request body for some messages (evaluate.ts's `requestBody(model)`:
   * chat_template_kwargs, seed…). The logprob fields, max_tokens 1 and temperature 0 are
   * set over it. Default: just the model and the messages.
   */
  buildBody?: (messages: ChatMessage[]) => Record<string, unknown>;
  /** The prompt; default `firstTokenMessages(item, { systemPrompt })`. */
  messages?: (task: PlannedTask, item: Item) => ChatMessage[];
  /** A model's own system prompt for the default messages ("" sends none). */
  systemPrompt?: string;
  /** Alternatives asked for (default 20, vLLM's default cap). */
  topLogprobs?: number;
  cache: ResponseCache | null;
  modelIdentity: string;
  /** As for loglikelihood: stop the run on failures that will hit every item (default true). */
  stopOnSystematic?: boolean;
}

export const DEFAULT_TOP_LOGPROBS = 20;

export function firstTokenBody(base: Record<string, unknown>, topLogprobs: number): ChatRequestBody {
  const { max_completion_tokens: _mct, n: _n, ...rest } = base;
  return { ...(rest as ChatRequestBody), max_tokens: 1, temperature: 0, logprobs: true, top_logprobs: topLogprobs };
}

interface CachedFirstToken {
  content: ChatTokenLogprob[];
}

const THINKING = /<think>|<\|?think/;

export function firstTokenAnswerer(opts: FirstTokenOptions): ItemAnswerer {
  const stop = new SystematicStop();
  const stopOnSystematic = opts.stopOnSystematic ?? true;
  const massCheck = new LetterMassCheck();
  const k = opts.topLogprobs ?? DEFAULT_TOP_LOGPROBS;
  const asked = `logprobs: true, top_logprobs: ${k}`;

  return async (task, item, signal) => {
    stop.check();
    const started = performance.now();
    const messages = opts.messages ? opts.messages(task, item) : firstTokenMessages(item, { systemPrompt: opts.systemPrompt });
    const base = opts.buildBody ? opts.buildBody(messages) : {};
    const body = firstTokenBody({ ...base, model: opts.servedModel, messages }, k);
    const key = opts.cache ? ResponseCache.key(opts.modelIdentity, body) : null;
    const found = key ? await opts.cache!.lookup(key, (v) => Array.isArray((v.logprobs as CachedFirstToken | undefined)?.content)) : null;
    const hit = found?.kind === "hit" ? found.value : undefined;

    let response: { content: string | null; reasoning: string | null; finishReason: string | null; usage: Sample["usage"]; logprobs: ChatTokenLogprob[] | null; attempts: number; endpoint?: string; cached: boolean };
    let sent = 0;
    const hitLogprobs = (hit?.logprobs as CachedFirstToken | undefined)?.content;
    if (hit && Array.isArray(hitLogprobs)) {
      response = { content: hit.content, reasoning: hit.reasoning, finishReason: hit.finish_reason, usage: hit.usage, logprobs: hitLogprobs, attempts: 0, cached: true };
    } else {
      sent = 1;
      let outcome: Awaited<ReturnType<typeof opts.pool.chat>>;
      try {
        outcome = await opts.pool.chat(body, { signal });
        if (key && outcome.kind === "ok" && outcome.logprobs && outcome.logprobs.length > 0) {
          opts.cache!.set(key, {
            content: outcome.content,
            reasoning: outcome.reasoning,
            finish_reason: outcome.finishReason,
            usage: outcome.usage,
            logprobs: { content: outcome.logprobs.slice(0, 1) } satisfies CachedFirstToken,
          });
        }
      } finally {
        if (found?.kind === "miss") found.done();
      }
      stop.check();
      if (outcome.kind === "aborted") return null;
      if (outcome.kind !== "ok") {
        return failed(describeLogprobFailure("chat", outcome, asked), outcome.attempts, outcome.endpoint);
      }
      response = { ...outcome, cached: false };
    }

    const common = {
      ...sampleBase(task, item),
      messages,
      content: response.content,
      reasoning: response.reasoning,
      finish_reason: response.finishReason,
      usage: response.usage,
      latency_ms: Math.round(performance.now() - started),
      attempts: response.attempts,
      ...(response.endpoint ? { endpoint: response.endpoint } : {}),
      cached: response.cached,
      finished_at: new Date().toISOString(),
    };
    const first = response.logprobs?.[0];
    if (!first) return failed({ status: "error", systematic: true, message: noLogprobsMessage("chat", response.endpoint ?? "", asked) }, response.attempts, response.endpoint, common);
    if (THINKING.test(first.token)) {
      return failed(
        {
          status: "error",
          systematic: true,
          message:
            `the model began its answer with a reasoning block (${JSON.stringify(first.token)}): first-token scoring needs thinking off. ` +
            `${THINKING_TEMPLATE_ADVICE} (Or serve a non-reasoning model, or use --scoring generative.)`,
        },
        response.attempts,
        response.endpoint,
        common,
      );
    }
    const score = scoreFirstToken({ token: first.token, logprob: first.logprob, top_logprobs: first.top_logprobs }, item.options.length);
    // The token is in `reasoning` when the template opened <think> (it is thinking), and also when
    // a deepseek_r1-style parser gets a bare "B" (it is the answer): the letters' mass tells which.
    const inReasoning = response.reasoning !== null && response.reasoning.trim() !== "";
    if (inReasoning && score.letter_mass < LOW_LETTER_MASS) {
      return failed({ status: "error", systematic: true, message: reasoningFirstTokenMessage(response.reasoning!, score.letter_mass) }, response.attempts, response.endpoint, common);
    }
    const notAnswering = massCheck.add(score.letter_mass);
    if (notAnswering && stopOnSystematic) stop.trip(notAnswering);
    const sample: Sample = {
      ...common,
      answer: score.answer,
      status: score.answer === null ? "unparsed" : "logprob",
      correct: score.answer !== null && score.answer === letterOf(item.answer),
      scores: {
        scoring: "first-token",
        letter_probs: score.letter_probs,
        letter_mass: score.letter_mass,
        generated: score.generated,
        clamped: score.clamped,
        /** The returned alternatives, for audits: [token, logprob] in the server's order. */
        top_logprobs: (first.top_logprobs ?? []).map((t) => [t.token, t.logprob]),
        ...(inReasoning ? { token_in_reasoning: true } : {}),
      },
    };
    return { sample, sent };

    function failed(f: LogprobFailure, attempts: number, endpoint: string | undefined, partial?: Partial<Sample>): { sample: Sample; sent: number } {
      if (f.systematic && stopOnSystematic) stop.trip(f.message);
      const sample: Sample = {
        ...sampleBase(task, item),
        messages,
        content: null,
        reasoning: null,
        finish_reason: null,
        usage: null,
        latency_ms: Math.round(performance.now() - started),
        attempts,
        ...(endpoint ? { endpoint } : {}),
        finished_at: new Date().toISOString(),
        ...partial,
        answer: null,
        status: f.status,
        correct: false,
        error: f.message,
        scores: { scoring: "first-token" },
      };
      return { sample, sent };
    }
  };
}

