// A whole trace-generation job: the questions of each planned task, passages retrieved from a
// corpus for each, rejection-sampled grounded replies on a served model through the engine
// (journal, resume by key, pool, cache), and the kept traces written in the import format and,
// for a trace store, imported into it.
import { connectJobModel, type JobModel } from "../jobs/connect.ts";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { hashJson } from "../hash.ts";
import { UserError } from "../user-error.ts";
import { letterOf, type Item } from "../types.ts";
import type { ModelOverrides } from "../models/load.ts";
import { samplingParams } from "../models/schema.ts";
import { createDispatcher } from "../endpoints/dispatcher.ts";
import { writeJsonAtomic } from "../record/run-files.ts";
import { runJournaled, type ItemOutcome } from "../engine/engine.ts";
import { loadItems } from "../tasks/index.ts";
import { CorpusStore } from "../corpus/store.ts";
import { DEFAULT_RETRIEVAL, searchCorpus, type Retrieval } from "../corpus/search.ts";
import type { CorpusEmbedding } from "../corpus/store.ts";
import { importTraces } from "../traces/import.ts";
import { TraceStore } from "../traces/store.ts";
import { QuestionIndex, type QuestionLeak } from "../traces/near-duplicates.ts";
import { sampleUntilGold, type AttemptParams } from "./attempts.ts";
import { groundedPromptHash, type ShownPassage } from "./prompt.ts";
import { planGeneration, type GenerateSplit, type LangSource, type PlannedGeneration } from "./plan.ts";
import { translateTraces, type TranslationSummary } from "./translate-traces.ts";
import { tracePromptHash } from "../translate/trace-prompt.ts";
import { DEFAULT_MAX_TOKENS, DEFAULT_TEMPERATURE } from "../translate/job.ts";
import { generationLineFormat, summarize, writeJsonlAtomic, type GeneratedTrace, type GenerationLine, type TaskSummary } from "./output.ts";

export const DEFAULT_PASSAGES = 5;
export const DEFAULT_ATTEMPTS = 3;
/** Rejection sampling needs replies that differ from attempt to attempt: greedy decoding would repeat the first. */
export const DEFAULT_GENERATION_TEMPERATURE = 0.7;
/** Room for a worked answer over five passages; a reasoning model wants more (--max-tokens). */
export const DEFAULT_GENERATION_MAX_TOKENS = 2048;
/** Room for a translated reasoning against the generated one's limit: a translation runs longer than its source. */
export const TRACE_TRANSLATION_LENGTH_FACTOR = 1.5;

/** A translated trace's max_tokens: its reasoning (at most the generation's limit, lengthened) and its question and options (a question's translation limit). */
export function traceTranslationMaxTokens(generationMaxTokens: number): number {
  return Math.ceil(TRACE_TRANSLATION_LENGTH_FACTOR * generationMaxTokens) + DEFAULT_MAX_TOKENS;
}

export type GenerationOutput = { kind: "store"; dir: string } | { kind: "file"; path: string };

export interface GenerateInput {
  model?: string;
  modelsFile?: string;
  overrides: ModelOverrides;
  tasks: string;
  split: GenerateSplit;
  langs: string[] | null;
  langSource: LangSource;
  corpus: {
    dir: string;
    name: string;
    /** Default bm25. */
    retrieval?: Retrieval;
    /** The query embedder for embedding retrieval, given the model the corpus's vectors came from. */
    queryEmbedder?: (recorded: CorpusEmbedding | null) => ((texts: string[]) => Promise<number[][]>) | undefined;
  };
  passages: number;
  attempts: number;
  seed: number;
  temperature: number;
  maxTokens: number;
  limit: number | null;
  output: GenerationOutput;
  /** The model that translates kept traces (--lang-source traces into other languages). */
  translator?: { model?: string; modelsFile?: string; overrides: ModelOverrides };
  dataDir?: string;
  tasksDir?: string;
  offline?: boolean;
  concurrency?: number;
  cache: boolean;
  maxRetries: number;
  signal: AbortSignal;
  notice(line: string): void;
  onStart?(tasks: { id: string; total: number; done: number }[]): void;
  onItem?(line: GenerationLine): void;
}

export interface GenerateOutcome {
  summaries: TaskSummary[];
  /** --lang-source traces: per source task and language, the translations kept and rejected by reason. */
  translations: TranslationSummary[];
  journalFile: string;
  /** The kept traces (import format) and the card; null when interrupted (the journal has the finished questions). */
  tracesFile: string | null;
  cardFile: string | null;
  store: { dir: string; added: number; skipped: number } | null;
  sent: number;
  retries: number;
  interrupted: boolean;
  /** The failure window filled: the endpoint failed question after question. */
  stoppedOnErrors: boolean;
  lastError: string | null;
}

interface Work {
  key: string;
  hash: string;
  item: Item;
  task: PlannedGeneration;
}

/**
 * The task's test questions, indexed for the leakage guard's question rule, read from local
 * data or the Hub cache only (never downloaded for this check); null, with a notice, when they
 * cannot be read.
 */
async function testQuestions(task: PlannedGeneration, input: GenerateInput): Promise<QuestionIndex | null> {
  if (!task.spec.test) return new QuestionIndex([]);
  try {
    const { items } = await loadItems(task.spec, "test", { dataDir: input.dataDir, offline: true });
    return new QuestionIndex(items.map((i) => i.question));
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    input.notice(`${task.spec.id}: its test split is not available locally, so pool questions were not checked against it (${err.message.split("\n")[0]})`);
    return null;
  }
}

/** Pool questions left out by the leakage guard, by reason; null: the test split could not be read. */
export type LeftOut = Record<QuestionLeak, number> | null;

/** The pool without its test questions and their near copies, and how many of each were left out. */
export function withoutTestQuestions(items: Item[], tests: QuestionIndex | null): { clean: Item[]; leftOut: LeftOut } {
  if (!tests) return { clean: items, leftOut: null };
  const leftOut: Record<QuestionLeak, number> = { same_question: 0, near_duplicate: 0 };
  const clean = items.filter((item) => {
    const leak = tests.match(item.question);
    if (leak) leftOut[leak]++;
    return leak === null;
  });
  return { clean, leftOut };
}

/** The files of a job: beside --out, or in the store's generated/ folder under the job's name. */
function jobFiles(output: GenerationOutput, jobId: string): { traces: string; journal: string; card: string } {
  const base = output.kind === "file" ? resolve(output.path).replace(/\.jsonl$/, "") : join(output.dir, "generated", jobId);
  return { traces: `${base}.jsonl`, journal: `${base}.journal.jsonl`, card: `${base}.card.json` };
}

export async function generateTraces(input: GenerateInput): Promise<GenerateOutcome> {
  const planned = planGeneration(input);
  const translating = planned.filter((p) => p.translateTo.length > 0);
  if (translating.length > 0 && !input.translator) {
    throw new UserError(
      `--lang-source traces: translating ${translating[0].spec.id}'s traces into ${translating[0].translateTo.join(", ")} needs a translator model: ` +
        "name a models.yaml entry (--translator NAME) or a server (--translator-url URL --translator-served-model NAME).",
    );
  }
  const corpus = await CorpusStore.open(input.corpus.dir, { mustExist: true });
  try {
    const corpusLangs = await corpus.requireCorpus(input.corpus.name);
    for (const p of planned) {
      if (!corpusLangs.includes(p.spec.lang)) input.notice(`corpus "${input.corpus.name}" has no ${p.spec.lang} passages (it has ${corpusLangs.join(", ")}): ${p.spec.id} retrieves from all of them`);
    }
    return await generateWith(input, planned, corpus, corpusLangs);
  } finally {
    corpus.close();
  }
}

async function generateWith(input: GenerateInput, planned: PlannedGeneration[], corpus: CorpusStore, corpusLangs: string[]): Promise<GenerateOutcome> {
  const { model, apiKey, checkpoint, cache, modelIdentity } = await connectJobModel({ ...input, job: "trace generation" });
  const generator = { name: model.name, served_model: model.servedModel, checkpoint };
  // Connected before any generation request: a translator that does not answer fails now, not after the generation.
  const translator = planned.some((p) => p.translateTo.length > 0) && input.translator ? await connectJobModel({ ...input.translator, cache: input.cache, notice: input.notice, job: "trace translation" }) : null;

  const excluded: Record<string, LeftOut> = {};
  const loaded = await Promise.all(
    planned.map(async (task) => {
      const { items } = await loadItems(task.spec, task.split, { dataDir: input.dataDir, offline: input.offline });
      const { clean, leftOut } = withoutTestQuestions(items, await testQuestions(task, input));
      excluded[task.spec.id] = leftOut;
      if (leftOut && clean.length < items.length) {
        input.notice(`${task.spec.id}: ${leftOut.same_question} pool questions are also test questions and ${leftOut.near_duplicate} near copies of one; the leakage guard leaves them out`);
      }
      return { task, items: input.limit !== null ? clean.slice(0, input.limit) : clean };
    }),
  );
  const params: AttemptParams = {
    servedModel: model.servedModel,
    sampling: { ...samplingParams({ ...model.params, temperature: input.temperature }), max_tokens: input.maxTokens },
    chatTemplateKwargs: model.chatTemplateKwargs,
    baseSeed: input.seed,
    attempts: input.attempts,
  };
  const promptHashes = Object.fromEntries(planned.map((p) => [p.spec.lang, groundedPromptHash(p.spec.lang)]));
  const generatorTag = hashJson(generator).slice(0, 8);
  const retrieval = input.corpus.retrieval ?? DEFAULT_RETRIEVAL;
  const settings = { passages: input.passages, corpus: input.corpus.name, retrieval, params, generator };
  const embed = retrieval === "embedding" ? input.corpus.queryEmbedder?.(corpus.embedding(input.corpus.name)) : undefined;
  const work: Work[] = loaded.flatMap(({ task, items }) =>
    items.map((item) => ({
      key: `${task.spec.id}/${item.id}`,
      hash: hashJson({ item: item.hash, split: task.traceSplit, prompt: promptHashes[task.spec.lang], settings }),
      item,
      task,
    })),
  );
  const jobId = `${planned[0].spec.id}-${hashJson({ tasks: planned.map((p) => p.spec.id), split: input.split, corpus: input.corpus.name, generator }).slice(0, 10)}`;
  const files = jobFiles(input.output, jobId);
  mkdirSync(dirname(files.journal), { recursive: true });

  const concurrency = input.concurrency ?? model.maxConcurrency * model.baseUrls.length;
  const dispatcher = createDispatcher(model, { apiKey, concurrency, maxRetries: input.maxRetries });
  const chat = { dispatcher, cache, modelIdentity };
  const finished = new Map<string, GenerationLine>();
  let result: Awaited<ReturnType<typeof runJournaled<Work, GenerationLine>>>;
  try {
    result = await runJournaled({
      file: files.journal,
      format: generationLineFormat,
      items: work,
      state: (line) => ({ hash: line.hash, failed: line.error !== null }),
      onResume: (done, pending) => {
        if (done > 0) input.notice(`${done} questions already done (${files.journal}), ${pending.length} to go`);
        const left = new Set(pending.map((p) => p.item.key));
        input.onStart?.(loaded.map(({ task, items }) => ({ id: task.spec.id, total: items.length, done: items.filter((i) => !left.has(`${task.spec.id}/${i.id}`)).length })));
      },
      concurrency,
      signal: input.signal,
      async work(w, signal): Promise<ItemOutcome<GenerationLine> | null> {
        const { item, task } = w;
        const query = `${item.question}\n${item.options.join("\n")}`;
        const hits = await searchCorpus(corpus, input.corpus.name, query, { lang: corpusLangs.includes(item.lang) ? item.lang : undefined, k: input.passages, retrieval, embed });
        const passages: ShownPassage[] = hits.map((h) => ({ id: h.id, title: h.title, text: h.text }));
        const out = await sampleUntilGold(item, passages, params, chat, signal);
        if (!out) return null;
        const passageIds = passages.map((p) => p.id);
        const trace: GeneratedTrace | null = out.kept && {
          id: `${task.spec.family}:${item.id}:g${generatorTag}`,
          lang: item.lang,
          source_dataset: task.spec.family,
          source_question_id: item.id,
          split: task.traceSplit,
          question: item.question,
          options: item.options,
          answer: letterOf(item.answer),
          reasoning: out.kept.reasoning,
          generation: {
            task: task.spec.id, corpus: input.corpus.name, passage_ids: passageIds, generator,
            prompt_hash: promptHashes[item.lang] ?? groundedPromptHash(item.lang), attempt: out.kept.attempt, seed: out.kept.seed,
          },
        };
        const error = !trace && out.rejected.request_error > 0 ? out.lastError : null;
        const line: GenerationLine = { key: w.key, hash: w.hash, task: task.spec.id, lang: item.lang, attempts: out.made, rejected: out.rejected, passage_ids: passageIds, error, trace };
        return { line, sent: out.sent, attempts: out.requestAttempts, error };
      },
      afterEach: (outcome) => {
        finished.set(outcome.line.key, outcome.line);
        input.onItem?.(outcome.line);
      },
    });
  } finally {
    dispatcher.close();
  }
  const lines = new Map([...result.existing, ...finished]);
  const summaries = summarize(loaded.map(({ task, items }) => ({ id: task.spec.id, lang: task.spec.lang, keys: items.map((i) => `${task.spec.id}/${i.id}`) })), lines);
  const outcome: GenerateOutcome = {
    summaries, translations: [], journalFile: files.journal, tracesFile: null, cardFile: null, store: null,
    sent: result.sent, retries: result.retries, interrupted: input.signal.aborted, stoppedOnErrors: result.windowFull, lastError: result.lastError,
  };
  // Interrupted: nothing is written but the journal (the same command goes on from it).
  if (input.signal.aborted) return outcome;

  const generated = work.flatMap((w) => lines.get(w.key)?.trace ?? []);
  const translation = translator && (await translateKept(input, translator, loaded, lines, files.journal.replace(/\.journal\.jsonl$/, ".translations.journal.jsonl")));
  if (translation) {
    outcome.translations = translation.summaries;
    outcome.sent += translation.sent;
    outcome.retries += translation.retries;
    outcome.interrupted = input.signal.aborted;
    if (input.signal.aborted) return outcome;
  }
  const traces = [...generated, ...(translation?.traces ?? [])];
  writeJsonlAtomic(files.traces, traces);
  outcome.tracesFile = files.traces;
  if (input.output.kind === "store") {
    const store = await TraceStore.open(input.output.dir);
    try {
      const report = await importTraces(store, files.traces);
      outcome.store = { dir: input.output.dir, added: report.added, skipped: report.skipped };
    } finally {
      store.close();
    }
  }
  writeJsonAtomic(files.card, {
    generator,
    corpus: { name: input.corpus.name, dir: input.corpus.dir, retrieval: input.corpus.retrieval ?? DEFAULT_RETRIEVAL },
    tasks: planned.map((p) => ({ task: p.spec.id, lang: p.spec.lang, split: p.traceSplit })),
    parameters: { passages: input.passages, attempts: input.attempts, seed: input.seed, temperature: input.temperature, max_tokens: input.maxTokens, limit: input.limit },
    prompt_hashes: promptHashes,
    ...(translation ? { translation: translation.card } : {}),
    /** Pool questions left out because the task's test split has the same question or a near copy, by reason (null: the test split could not be read locally). */
    excluded_as_test_questions: excluded,
    counts: summaries,
    complete: summaries.every((s) => s.missing === 0) && outcome.translations.every((t) => t.missing === 0),
    traces: { file: files.traces, count: traces.length },
    store: outcome.store,
  });
  outcome.cardFile = files.card;
  return outcome;
}

/** The kept traces of each task translated into its other languages, on the translator model; the kept translations and what the card says of them. */
async function translateKept(input: GenerateInput, translator: JobModel, loaded: { task: PlannedGeneration; items: Item[] }[], lines: Map<string, GenerationLine>, journalFile: string) {
  const { model } = translator;
  const ref = { name: model.name, served_model: model.servedModel, checkpoint: translator.checkpoint };
  const concurrency = input.concurrency ?? model.maxConcurrency * model.baseUrls.length;
  const dispatcher = createDispatcher(model, { apiKey: translator.apiKey, concurrency, maxRetries: input.maxRetries });
  const sources = loaded
    .filter(({ task }) => task.translateTo.length > 0)
    .map(({ task, items }) => ({ task: task.spec.id, from: task.spec.lang, to: task.translateTo, traces: items.flatMap((i) => lines.get(`${task.spec.id}/${i.id}`)?.trace ?? []) }));
  try {
    const result = await translateTraces({
      sources,
      translator: ref,
      params: { servedModel: model.servedModel, temperature: DEFAULT_TEMPERATURE, maxTokens: traceTranslationMaxTokens(input.maxTokens), structured: true },
      chat: { dispatcher, cache: translator.cache, modelIdentity: translator.modelIdentity },
      journalFile,
      concurrency,
      signal: input.signal,
      onResume: (done, pending) => input.notice(`translating traces: ${done} already done (${journalFile}), ${pending} to go`),
    });
    const rejected = [...result.lines.values()].filter((l) => l.rejected !== null).map((l) => ({ key: l.key, reason: l.rejected, detail: l.detail }));
    return {
      ...result,
      traces: sources.flatMap((s) => s.to.flatMap((to) => s.traces.flatMap((t) => result.lines.get(`${to}/${t.id}`)?.trace ?? []))),
      card: { translator: ref, prompt_hashes: Object.fromEntries(sources.flatMap((s) => s.to.map((to) => [`${s.from}-${to}`, tracePromptHash(to, s.from)]))), counts: result.summaries, rejected },
    };
  } finally {
    dispatcher.close();
  }
}
