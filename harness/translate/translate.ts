// Translating a split item by item on the engine: one journal line per finished item (resume by
// id, a changed source item is redone), each request through the pool and the response cache.
import type { Item } from "../types.ts";
import { hashJson } from "../hash.ts";
import { UserError } from "../user-error.ts";
import { runJournaled, type EngineResult, type ItemOutcome } from "../engine/engine.ts";
import { parseJsonLine, type LineFormat } from "../engine/line-journal.ts";
import { cachedChat, type CachedChatOptions } from "../endpoints/dispatcher.ts";
import { parseReply, requestBody, type RequestParams, type TargetLanguage } from "./prompt.ts";
import { runChecks, type CheckResult, type TextPair } from "./checks.ts";

/** One translated item as journaled: the source's id/answer/metadata carried over, never translated. */
export interface TranslationLine {
  id: string;
  /** Hash of the source item and target: a changed source is translated again. */
  source_hash: string;
  failed: boolean;
  error: string | null;
  item: Item | null;
  back: TextPair | null;
  checks: CheckResult[];
  flagged: boolean;
}

export const translationLineFormat: LineFormat<TranslationLine> = {
  parse(text, where) {
    const v = parseJsonLine(text, where) as Partial<TranslationLine>;
    if (typeof v?.id !== "string" || typeof v.source_hash !== "string" || typeof v.failed !== "boolean" || !Array.isArray(v.checks)) {
      throw new UserError(`${where}: not a translation journal line (id, source_hash, failed, checks expected); delete the file to start over`);
    }
    return v as TranslationLine;
  },
  key: (line) => line.id,
};

export interface TranslateInput {
  items: Item[];
  to: TargetLanguage;
  /** Appended to each source id (e.g. "-it"); null: ids carried over unchanged. */
  idSuffix: string | null;
  params: RequestParams;
  chat: CachedChatOptions;
  backTranslate: boolean;
  journalFile: string;
  concurrency: number;
  signal: AbortSignal;
  onResume?(done: number, pending: number): void;
  onItem?(line: TranslationLine): void;
}

const pairOf = (x: { question: string; options: string[] }): TextPair => ({ question: x.question, options: x.options });

/** One request and its strict parse; the error names what was wrong. */
async function translateOnce(input: TranslateInput, text: Pick<Item, "question" | "options" | "lang">, to: TargetLanguage, signal: AbortSignal) {
  const reply = await cachedChat(input.chat, requestBody(text, to, input.params), signal);
  if (!reply) return null;
  const { result, sent } = reply;
  if (result.kind !== "ok") return { sent, attempts: result.attempts, parsed: { ok: false as const, error: result.message } };
  return { sent, attempts: result.attempts, parsed: parseReply(result.content, text.options.length) };
}

export function translatedItem(source: Item, text: TextPair, to: string, idSuffix: string | null): Item {
  const item: Item = {
    ...source,
    id: idSuffix ? `${source.id}${idSuffix}` : source.id,
    question: text.question,
    options: text.options,
    lang: to,
    hash: hashJson({ question: text.question, options: text.options, answer: source.answer }),
  };
  // The source's explanation is in the source language: not carried into a translated pool.
  delete item.explanation;
  return item;
}

export async function translateItems(input: TranslateInput): Promise<EngineResult & { lines: Map<string, TranslationLine> }> {
  const work = input.items.map((item) => ({ key: item.id, hash: hashJson({ source: item.hash, to: input.to, back: input.backTranslate }), item }));
  const byId = new Map(work.map((w) => [w.key, w]));
  const finished = new Map<string, TranslationLine>();
  if (byId.size !== work.length) throw new UserError("the source split has duplicate item ids: translation journals items by id");
  const result = await runJournaled({
    file: input.journalFile,
    format: translationLineFormat,
    items: work,
    state: (line) => ({ hash: line.source_hash, failed: line.failed }),
    onResume: (done, pending) => input.onResume?.(done, pending.length),
    concurrency: input.concurrency,
    signal: input.signal,
    async work(w, signal): Promise<ItemOutcome<TranslationLine> | null> {
      const source = w.item;
      const first = await translateOnce(input, source, input.to, signal);
      if (!first) return null;
      let sent = first.sent;
      let attempts = first.attempts;
      const fail = (error: string): ItemOutcome<TranslationLine> => ({
        line: { id: source.id, source_hash: w.hash, failed: true, error, item: null, back: null, checks: [], flagged: true },
        sent, attempts, error,
      });
      if (!first.parsed.ok) return fail(first.parsed.error);
      const target = pairOf(first.parsed);
      let back: TextPair | null = null;
      if (input.backTranslate) {
        const again = await translateOnce(input, { ...target, lang: input.to }, source.lang as TargetLanguage, signal);
        if (!again) return null;
        sent += again.sent;
        attempts += again.attempts;
        if (!again.parsed.ok) return fail(`back-translation: ${again.parsed.error}`);
        back = pairOf(again.parsed);
      }
      const checks = runChecks(pairOf(source), target, input.to, back);
      const line: TranslationLine = {
        id: source.id, source_hash: w.hash, failed: false, error: null,
        item: translatedItem(source, target, input.to, input.idSuffix),
        back, checks, flagged: checks.some((c) => !c.pass),
      };
      return { line, sent, attempts, error: null };
    },
    afterEach: (outcome) => {
      finished.set(outcome.line.id, outcome.line);
      input.onItem?.(outcome.line);
    },
  });
  const lines = new Map([...result.existing, ...finished]);
  return { ...result, lines };
}
