// medeval traces generate: grounded reasoning traces by rejection sampling. For each question of
// a task's few-shot pool, passages retrieved from a corpus, a served model asked to reason from
// them, and the first reply naming the gold answer kept, into the trace store or a file.
// A subcommand of `traces` (one .command line in traces.ts), hence the helper's "_" name.
import Table from "cli-table3";
import type { Argv, CommandModule } from "yargs";
import { dataDir } from "../env.ts";
import { UserError } from "../types.ts";
import { DEFAULT_MAX_RETRIES } from "../endpoints/defaults.ts";
import { DEFAULT_SEED } from "../stats/bootstrap.ts";
import { corpusStoreDir } from "../corpus/store.ts";
import { DEFAULT_RETRIEVAL, RETRIEVALS, type Retrieval } from "../corpus/search.ts";
import { queryEmbedder } from "../models/embedder.ts";
import { storeDir } from "../traces/store.ts";
import { REJECT_REASONS } from "../generate/attempts.ts";
import { DEFAULT_GENERATE_SPLIT, DEFAULT_LANG_SOURCE, GENERATE_SPLITS, LANG_SOURCES, type GenerateSplit, type LangSource } from "../generate/plan.ts";
import { DEFAULT_ATTEMPTS, DEFAULT_GENERATION_MAX_TOKENS, DEFAULT_GENERATION_TEMPERATURE, DEFAULT_PASSAGES, type GenerateOutcome } from "../generate/job.ts";
import type { GenerationLine, TaskSummary } from "../generate/output.ts";
import { interruptible } from "./_interrupt.ts";
import { embedOptions, modelOptions, modelOverrides, translatorModel, translatorOptions, type ModelArgs, type TranslatorArgs } from "./_model-options.ts";
import type { TranslationReject, TranslationSummary } from "../generate/translate-traces.ts";

interface GenerateArgs extends ModelArgs, TranslatorArgs {
  store?: string;
  tasks: string;
  split: GenerateSplit;
  corpus: string;
  "corpus-store"?: string;
  retrieval: Retrieval;
  "embed-url"?: string;
  "embed-model"?: string;
  embedder?: string;
  passages: number;
  attempts: number;
  lang?: string;
  "lang-source": LangSource;
  out?: string;
  limit?: number;
  concurrency?: number;
  seed: number;
  temperature: number;
  "max-tokens": number;
  "data-dir"?: string;
  "tasks-dir"?: string;
  offline?: boolean;
  cache: boolean;
  "max-retries": number;
  progress: "auto" | "plain" | "none";
}

const REASON_HEADS: Record<(typeof REJECT_REASONS)[number], string> = {
  wrong_answer: "wrong answer",
  no_answer: "no answer",
  request_error: "request error",
  context_overflow: "context overflow",
};

/** The end-of-job table: questions and traces per task, rejected attempts per reason. */
export function summaryTable(summaries: readonly TaskSummary[]): string {
  const table = new Table({
    head: ["task", "questions", "kept", "all rejected", "not done", "attempts", ...REJECT_REASONS.map((r) => REASON_HEADS[r])],
    style: { head: [], border: [] },
  });
  for (const s of summaries) table.push([s.task, s.questions, s.kept, s.unkept, s.missing, s.attempts, ...REJECT_REASONS.map((r) => s.rejected[r])]);
  if (summaries.length > 1) {
    const sum = (f: (s: TaskSummary) => number) => summaries.reduce((n, s) => n + f(s), 0);
    table.push(["(all)", sum((s) => s.questions), sum((s) => s.kept), sum((s) => s.unkept), sum((s) => s.missing), sum((s) => s.attempts), ...REJECT_REASONS.map((r) => sum((s) => s.rejected[r]))]);
  }
  return table.toString();
}

const TRANSLATION_HEADS: Record<TranslationReject, string> = {
  context_overflow: "context overflow",
  bad_reply: "bad reply",
  language: "language",
  numbers: "numbers",
  distinct_options: "same options",
  length_ratio: "length",
  copied: "copied",
  reasoning_language: "reasoning language",
  reasoning_numbers: "reasoning numbers",
  reasoning_length_ratio: "reasoning length",
  reasoning_copied: "reasoning copied",
  answer_letter: "answer letter",
};

/** --lang-source traces: translations per source task and language, rejected ones per reason (the reasons that occurred). */
export function translationTable(summaries: readonly TranslationSummary[]): string {
  // In the order the summaries count them (translate-traces.ts's, loaded with the job only).
  const reasons = (Object.keys(summaries[0]?.rejected ?? {}) as TranslationReject[]).filter((r) => summaries.some((s) => s.rejected[r] > 0));
  const table = new Table({ head: ["translated", "traces", "kept", "not done", ...reasons.map((r) => TRANSLATION_HEADS[r])], style: { head: [], border: [] } });
  for (const s of summaries) table.push([`${s.task} → ${s.lang}`, s.sources, s.kept, s.missing, ...reasons.map((r) => s.rejected[r])]);
  return table.toString();
}

/** A count that must be a whole number of at least `min`; the flag is named in the error. */
function wholeNumber(flag: string, value: number | undefined, min: number): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= min)) throw new UserError(`--${flag} must be a whole number >= ${min}, got ${value}`);
}

/** Live counts on a terminal, a line every 10 s in a log, or nothing. */
function progressReporter(mode: GenerateArgs["progress"]) {
  const stream = process.stderr;
  const live = mode === "auto" && stream.isTTY;
  if (mode === "none") return { start() {}, item() {}, stop() {} };
  let total = 0;
  let done = 0;
  let kept = 0;
  let errors = 0;
  const started = Date.now();
  const text = () => `generate: ${done}/${total} questions, ${kept} traces kept, ${errors} not done, ${((done * 1000) / Math.max(1, Date.now() - started)).toFixed(1)}/s`;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  return {
    start(tasks: { total: number; done: number }[]) {
      total = tasks.reduce((n, t) => n + t.total, 0);
      done = tasks.reduce((n, t) => n + t.done, 0);
      if (!live) {
        timer = setInterval(() => stream.write(`${text()}\n`), Number(process.env.MEDEVAL_PROGRESS_INTERVAL_MS ?? 10_000));
        timer.unref();
      }
    },
    item(line: GenerationLine) {
      done++;
      if (line.trace) kept++;
      if (line.error !== null) errors++;
      if (live) stream.write(`\r${text()}`);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (timer) clearInterval(timer);
      if (live) stream.write("\n");
    },
  };
}

function report(outcome: GenerateOutcome): void {
  process.stdout.write(`${summaryTable(outcome.summaries)}\n`);
  if (outcome.translations.length > 0) process.stdout.write(`${translationTable(outcome.translations)}\n`);
  if (outcome.tracesFile) process.stdout.write(`traces: ${outcome.tracesFile} (card: ${outcome.cardFile})\n`);
  if (outcome.store) process.stdout.write(`trace store ${outcome.store.dir}: ${outcome.store.added} added, ${outcome.store.skipped} already there\n`);
  process.stdout.write(`${outcome.sent} requests sent, ${outcome.retries} retries; journal: ${outcome.journalFile}\n`);
}

const command: CommandModule<object, GenerateArgs> = {
  command: "generate",
  describe: "Generate grounded reasoning traces: passages retrieved for each question, a reply kept only when it names the gold answer",
  builder: (y) =>
    translatorOptions(embedOptions(modelOptions(y, "generator"), "for the queries of --retrieval embedding (default: the one the corpus was imported with)"), "the kept traces with --lang-source traces")
      .option("tasks", { type: "string", demandOption: true, describe: "source tasks, e.g. medqa.en (see `medeval tasks`)" })
      .option("split", { choices: GENERATE_SPLITS, default: DEFAULT_GENERATE_SPLIT, describe: "pool: the task's few-shot pool; train/dev: the pool, checked to be that split; test is refused (leakage guard)" })
      .option("corpus", { type: "string", demandOption: true, describe: "passage corpus name (medeval corpus import --name)" })
      .option("corpus-store", { type: "string", describe: "corpus store folder (default $MEDEVAL_HOME/corpus)" })
      .option("retrieval", { type: "string", choices: RETRIEVALS, default: DEFAULT_RETRIEVAL, describe: "bm25 (question + options against the full-text index) or embedding (the corpus's vectors)" })
      .option("passages", { type: "number", default: DEFAULT_PASSAGES, describe: "passages retrieved and shown per question" })
      .option("attempts", { type: "number", default: DEFAULT_ATTEMPTS, describe: "replies asked for per question (a new seed each) until one names the gold answer" })
      .option("lang", { type: "string", describe: "languages, comma-separated (default: each task's own); others come from --lang-source" })
      .option("lang-source", { choices: LANG_SOURCES, default: DEFAULT_LANG_SOURCE, describe: "translated: generate from the translated tasks (medeval translate --split pool); traces: generate in the task's own language and translate each kept trace (question, options, reasoning) with --translator" })
      .option("store", { type: "string", describe: "trace store to write into (default $MEDEVAL_HOME/traces)" })
      .option("out", { type: "string", describe: "write the traces to this .jsonl file (import format) instead of the trace store" })
      .option("limit", { type: "number", describe: "first N questions of each task" })
      .option("concurrency", { type: "number", describe: "requests in flight (default: the model's max_concurrency × endpoints)" })
      .option("seed", { type: "number", default: DEFAULT_SEED, describe: "base seed: attempt i is sent with seed + i" })
      .option("temperature", { type: "number", default: DEFAULT_GENERATION_TEMPERATURE })
      .option("max-tokens", { type: "number", default: DEFAULT_GENERATION_MAX_TOKENS })
      .option("timeout", { type: "number", describe: "per-request timeout in seconds" })
      .option("data-dir", { type: "string", describe: "local copies of the datasets (else $MEDEVAL_DATA_DIR, else the Hub)" })
      .option("tasks-dir", { type: "string", describe: "task definitions (default: the tasks/ folder of medeval)" })
      .option("offline", { type: "boolean", describe: "never download datasets" })
      .option("cache", { type: "boolean", default: true, describe: "use the response cache (--no-cache to turn it off)" })
      .option("max-retries", { type: "number", default: DEFAULT_MAX_RETRIES, describe: "retries per request before it counts as an error" })
      .option("progress", { choices: ["auto", "plain", "none"] as const, default: "auto" as const })
      .example(
        "$0 traces generate --tasks medexpqa.en --split train --corpus casimedicos --lang en,es,it --model-url http://localhost:8000/v1 --served-model Qwen/Qwen3-8B --data-dir ../shared/datasets --out casi-traces.jsonl",
        "",
      ) as unknown as Argv<GenerateArgs>,
  handler: async (argv) => {
    wholeNumber("attempts", argv.attempts, 1);
    wholeNumber("passages", argv.passages, 1);
    wholeNumber("limit", argv.limit, 1);
    wholeNumber("concurrency", argv.concurrency, 1);
    wholeNumber("max-tokens", argv["max-tokens"], 1);
    if (!(argv.temperature >= 0 && argv.temperature <= 2)) throw new UserError(`--temperature must be between 0 and 2, got ${argv.temperature}`);
    if (argv.out !== undefined && argv.store !== undefined) throw new UserError("--out and --store: name one (a .jsonl file, or the trace store to write into)");
    if (argv.out !== undefined && !argv.out.endsWith(".jsonl")) throw new UserError(`--out ${argv.out}: name a .jsonl file (what medeval traces import reads)`);
    const langs = argv.lang === undefined ? null : argv.lang.split(",").map((l) => l.trim()).filter(Boolean);
    if (langs !== null && langs.length === 0) throw new UserError("--lang: name at least one language, e.g. --lang en,it,es");
    const translator = translatorModel(argv);
    if (translator && argv["lang-source"] !== "traces") throw new UserError("--translator/--translator-url translate kept traces: they go with --lang-source traces (and --lang naming the languages to translate into)");
    const progress = progressReporter(argv.progress);
    const interrupt = interruptible("finished questions stay in the journal; run the same command again to go on…");
    try {
      const { generateTraces } = await import("../generate/job.ts");
      const outcome = await generateTraces({
        model: argv.model,
        modelsFile: argv["models-file"],
        overrides: modelOverrides(argv),
        tasks: argv.tasks,
        split: argv.split,
        langs,
        langSource: argv["lang-source"],
        corpus: { dir: corpusStoreDir(argv["corpus-store"]), name: argv.corpus, retrieval: argv.retrieval, queryEmbedder: (recorded) => queryEmbedder(recorded, argv) },
        passages: argv.passages,
        attempts: argv.attempts,
        seed: argv.seed,
        temperature: argv.temperature,
        maxTokens: argv["max-tokens"],
        limit: argv.limit ?? null,
        output: argv.out !== undefined ? { kind: "file", path: argv.out } : { kind: "store", dir: storeDir(argv.store) },
        translator,
        dataDir: dataDir(argv["data-dir"]),
        tasksDir: argv["tasks-dir"],
        offline: argv.offline,
        concurrency: argv.concurrency,
        cache: argv.cache,
        maxRetries: argv["max-retries"],
        signal: interrupt.signal,
        notice: (line) => process.stderr.write(`medeval: ${line}\n`),
        onStart: (tasks) => progress.start(tasks),
        onItem: (line) => progress.item(line),
      });
      progress.stop();
      report(outcome);
      if (outcome.interrupted) {
        process.stderr.write("medeval: interrupted; the finished questions are in the journal: run the same command again to go on.\n");
        process.exitCode = 130;
      } else if (outcome.summaries.some((s) => s.missing > 0) || outcome.translations.some((t) => t.missing > 0)) {
        const why = outcome.stoppedOnErrors ? `the endpoint failed question after question (last: ${outcome.lastError}); ` : "";
        process.stderr.write(`medeval: ${why}some questions or translations are not done (requests failed after retries); run the same command again to retry them.\n`);
        process.exitCode = 1;
      }
    } finally {
      progress.stop();
      interrupt.release();
    }
  },
};

export default command;
