// Generative scoring: one chat request per item, the answer read from the text it returns.
import type { ChatMessage, Item } from "../types.ts";
import type { ResponseCache } from "../endpoints/cache.ts";
import { cachedChat, type ChatDispatcher } from "../endpoints/dispatcher.ts";
import type { PlannedTask } from "./plan.ts";
import type { ItemAnswerer } from "./run.ts";
import { toSample } from "./to-sample.ts";

/** What to send for one item: the messages plus anything the setting adds to the sample. */
export interface PreparedRequest {
  messages: ChatMessage[];
  shots?: string[];
  /** Setting-specific facts for the sample's `scores` (few-shot exclusions, …). */
  extra?: Record<string, unknown>;
  /** The answer line's label the prompt asks for, when not the item language's own. */
  answerLabel?: string;
}

export interface GenerativeOptions {
  dispatcher: ChatDispatcher;
  prepare: (task: PlannedTask, item: Item) => Promise<PreparedRequest>;
  /** The request body for a prepared prompt (model name, sampling params, template kwargs). */
  buildBody: (messages: ChatMessage[]) => Record<string, unknown>;
  cache: ResponseCache | null;
  /** Identity of the served model for the cache key (served name + checkpoint root). */
  modelIdentity: string;
  /** Read the answer from `reasoning` when the reply has no content. */
  answerFromReasoning?: boolean;
}

export function generativeAnswerer(opts: GenerativeOptions): ItemAnswerer {
  return async (task, item, signal) => {
    const prepared = await opts.prepare(task, item);
    const body = opts.buildBody(prepared.messages);
    const answered = await cachedChat(opts, body, signal);
    if (!answered) return null;
    const { result, sent } = answered;
    const sample = toSample({ task: task.meta.id, item, messages: prepared.messages, shots: prepared.shots, answerLabel: prepared.answerLabel, answerFromReasoning: opts.answerFromReasoning }, result);
    if (prepared.extra) sample.scores = { ...sample.scores, ...prepared.extra };
    return { sample, sent };
  };
}
