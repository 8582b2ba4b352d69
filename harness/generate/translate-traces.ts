// --lang-source traces: each kept trace translated (question, options and reasoning in one
// request) into each other language wanted, on the translator model through the engine
// (journal, resume by key, pool, cache). A translation is kept only when it passes the checks a
// translated question gets, the same checks on its reasoning, and the answer check: its
// reasoning may not name another letter than the gold one (the letter itself is never changed).
// Each kept translation records the trace it came from and the translator.
import { hashJson } from "../hash.ts";
import { runJournaled, type EngineResult, type ItemOutcome } from "../engine/engine.ts";
import { parseJsonLine, type LineFormat } from "../engine/line-journal.ts";
import { cachedChat, type CachedChatOptions } from "../endpoints/dispatcher.ts";
import { extractAnswer } from "../scoring/extract.ts";
import { QUESTION_CHECKS, REASONING_CHECKS, runTraceChecks, type CheckResult, type TraceCheckName } from "../translate/checks.ts";
import { parseTraceReply, tracePromptHash, traceRequestBody, type TraceText } from "../translate/trace-prompt.ts";
import type { RequestParams, TargetLanguage } from "../translate/prompt.ts";
import { UserError } from "../user-error.ts";
import { traceReasoning } from "./attempts.ts";
import type { GeneratedTrace } from "./output.ts";

/** Why a translated trace was not kept: the request overflowed the translator's context, its reply could not be read, or the first check it failed. */
export const TRANSLATION_REJECTS = ["context_overflow", "bad_reply", ...QUESTION_CHECKS, ...REASONING_CHECKS, "answer_letter"] as const;
export type TranslationReject = (typeof TRANSLATION_REJECTS)[number];

export interface TraceTranslationLine {
  /** "<lang>/<source trace id>". */
  key: string;
  hash: string;
  source_id: string;
  lang: string;
  trace: GeneratedTrace | null;
  rejected: TranslationReject | null;
  /** What was wrong with the reply, or the request error. */
  detail: string | null;
  checks: CheckResult<TraceCheckName>[];
  /** Set when the request failed: the translation is not done (a re-run retries it). */
  error: string | null;
}

export const traceTranslationLineFormat: LineFormat<TraceTranslationLine> = {
  parse(text, where) {
    const v = parseJsonLine(text, where) as Partial<TraceTranslationLine>;
    if (typeof v?.key !== "string" || typeof v.hash !== "string" || typeof v.source_id !== "string" || !Array.isArray(v.checks)) {
      throw new UserError(`${where}: not a trace translation journal line (key, hash, source_id, checks expected); delete the file to start over`);
    }
    return v as TraceTranslationLine;
  },
  key: (line) => line.key,
};

export interface ModelRef {
  name: string;
  served_model: string;
  checkpoint: string | null;
}

/** The kept traces of one source task and the languages to translate them into. */
export interface TranslationSource {
  task: string;
  traces: GeneratedTrace[];
  to: TargetLanguage[];
}

export interface TranslateTracesInput {
  sources: TranslationSource[];
  translator: ModelRef;
  params: RequestParams;
  chat: CachedChatOptions;
  journalFile: string;
  concurrency: number;
  signal: AbortSignal;
  onResume?(done: number, pending: number): void;
}

export interface TranslationSummary {
  /** The source task ("medqa.en") and the language its traces were translated into. */
  task: string;
  lang: string;
  /** Kept traces of the source task: one translation each. */
  sources: number;
  kept: number;
  rejected: Record<TranslationReject, number>;
  /** Not done: the request failed, or never reached. */
  missing: number;
}

interface Work {
  key: string;
  hash: string;
  source: GeneratedTrace;
  to: TargetLanguage;
}

/** What identifies the source trace's text: a changed trace is translated again. */
export function sourceTraceHash(trace: GeneratedTrace): string {
  return hashJson({ lang: trace.lang, question: trace.question, options: trace.options, answer: trace.answer, reasoning: trace.reasoning });
}

/** The letter a reasoning names by the scorer's extractor (an answer line, "the answer is C"), or null. */
function namedLetter(reasoning: string, options: string[], lang: string): string | null {
  return extractAnswer({ content: reasoning, reasoning: null, finishReason: "stop", options, lang }).letter;
}

/**
 * The reasoning must still lead to the gold letter: it may name no letter, never another one,
 * and where the source reasoning named the gold letter the translation must name it too.
 */
export function answerLetterCheck(source: GeneratedTrace, target: TraceText, to: string): CheckResult<TraceCheckName> {
  const before = namedLetter(source.reasoning, source.options, source.lang);
  const after = namedLetter(target.reasoning, target.options, to);
  const pass = (after === null || after === source.answer) && (before !== source.answer || after === source.answer);
  return { name: "answer_letter", pass, detail: pass ? `gold ${source.answer} kept` : `the reasoning names ${after ?? "no letter"}; the gold answer is ${source.answer}` };
}

export function translatedTrace(source: GeneratedTrace, text: TraceText, to: TargetLanguage, translator: ModelRef): GeneratedTrace {
  return {
    ...source,
    id: `${source.id}:t${hashJson(translator).slice(0, 8)}`,
    lang: to,
    question: text.question,
    options: text.options,
    answer: source.answer,
    reasoning: text.reasoning,
    translation: {
      source_trace_id: source.id,
      source_lang: source.lang,
      source_trace_hash: sourceTraceHash(source),
      translator,
      prompt_hash: tracePromptHash(to, source.lang),
    },
  };
}

async function translateOne(input: TranslateTracesInput, w: Work, signal: AbortSignal): Promise<ItemOutcome<TraceTranslationLine> | null> {
  const { source, to } = w;
  const text: TraceText = { question: source.question, options: source.options, reasoning: source.reasoning };
  const reply = await cachedChat(input.chat, traceRequestBody(text, source.lang, to, input.params), signal);
  if (!reply) return null;
  const { result, sent } = reply;
  const line = (over: Partial<TraceTranslationLine>): TraceTranslationLine => ({ key: w.key, hash: w.hash, source_id: source.id, lang: to, trace: null, rejected: null, detail: null, checks: [], error: null, ...over });
  // The same request overflows again: rejected, not retried.
  if (result.kind === "context_overflow") return { line: line({ rejected: "context_overflow", detail: result.message }), sent, attempts: result.attempts, error: null };
  if (result.kind !== "ok") return { line: line({ error: result.message, detail: result.message }), sent, attempts: result.attempts, error: result.message };
  const parsed = parseTraceReply(result.content, source.options.length);
  if (!parsed.ok) return { line: line({ rejected: "bad_reply", detail: parsed.error }), sent, attempts: result.attempts, error: null };
  // An answer line the translator added is checked against the gold letter, then taken off as generation takes it off.
  const answerCheck = answerLetterCheck(source, parsed, to);
  const target: TraceText = { ...parsed, reasoning: traceReasoning(parsed.reasoning, null, to) };
  const checks = [...runTraceChecks(text, target, to), answerCheck];
  const failed = checks.find((c) => !c.pass);
  if (failed) return { line: line({ rejected: failed.name as TranslationReject, detail: failed.detail, checks }), sent, attempts: result.attempts, error: null };
  return { line: line({ trace: translatedTrace(source, target, to, input.translator), checks }), sent, attempts: result.attempts, error: null };
}

export async function translateTraces(input: TranslateTracesInput): Promise<EngineResult & { lines: Map<string, TraceTranslationLine>; summaries: TranslationSummary[] }> {
  const work: Work[] = input.sources.flatMap((s) =>
    s.to.flatMap((to) =>
      s.traces.map((source) => ({
        key: `${to}/${source.id}`,
        hash: hashJson({ source: sourceTraceHash(source), to, prompt: tracePromptHash(to, source.lang), translator: input.translator, params: input.params }),
        source,
        to,
      })),
    ),
  );
  const finished = new Map<string, TraceTranslationLine>();
  const result = await runJournaled({
    file: input.journalFile,
    format: traceTranslationLineFormat,
    items: work,
    state: (line) => ({ hash: line.hash, failed: line.error !== null }),
    onResume: (done, pending) => input.onResume?.(done, pending.length),
    concurrency: input.concurrency,
    signal: input.signal,
    work: (w, signal) => translateOne(input, w, signal),
    afterEach: (outcome) => {
      finished.set(outcome.line.key, outcome.line);
    },
  });
  const lines = new Map([...result.existing, ...finished]);
  const summaries = input.sources.flatMap((s) =>
    s.to.map((to) => {
      const summary: TranslationSummary = { task: s.task, lang: to, sources: s.traces.length, kept: 0, rejected: Object.fromEntries(TRANSLATION_REJECTS.map((r) => [r, 0])) as Record<TranslationReject, number>, missing: 0 };
      for (const source of s.traces) {
        const line = lines.get(`${to}/${source.id}`);
        if (!line || line.error !== null) summary.missing++;
        else if (line.trace) summary.kept++;
        else if (line.rejected) summary.rejected[line.rejected]++;
      }
      return summary;
    }),
  );
  return { ...result, lines, summaries };
}
