// medeval run: evaluate a model on tasks and write <out>/<run-id>/{run.json,samples.jsonl}.
import { DEFAULT_FEWSHOT_FORMAT, DEFAULT_PROMPT_STYLE, DEFAULT_SCORING, DEFAULT_SEED, DEFAULT_SELECT, DEFAULT_SETTING, DEFAULT_SHOTS } from "../runner/run-defaults.ts";
import { join, resolve } from "node:path";
import { embedderFromArgs } from "../models/embedder.ts";
import type { EmbedFn } from "../traces/embed.ts";
import { countExclusions, evaluatedSplitWarning } from "../runner/fewshot-prepare.ts";
import { SAMPLE_LINES, scanJournal } from "../record/journal.ts";
import type { CommandModule } from "yargs";
import { dataDir } from "../env.ts";
import { PROMPT_STYLES, type PromptStyle } from "../prompts/templates.ts";
import { evaluate, type EvaluateOptions } from "../runner/evaluate.ts";
import { exportBatchRequests, importBatchResults } from "../runner/batch-run.ts";
import type { ImportReport, SetAside } from "../runner/import-batch.ts";
import { parseBatchCustomId, type BatchLimit } from "../runner/export-batch.ts";
import { coverageLine, unanswered } from "../record/coverage.ts";
import { EXIT_UNANSWERED_ITEMS, FAILURE_WINDOW, type RunOutcome } from "../runner/run.ts";
import { SHOT_FORMATS, type ShotFormat } from "../prompts/fewshot.ts";
import { LOGPROB_TARGETS, type LogprobTarget } from "../prompts/lm-eval.ts";
import { SELECT_METHODS, type SelectMethod } from "../traces/select.ts";
import { DEFAULT_SHOT_CONTENT, DEFAULT_SHOT_SAMPLER, SHOT_CONTENTS, SHOT_SAMPLERS, type ShotContent, type ShotSampler } from "../runner/fewshot-pool.ts";
import { reasoningOnlyNote, renderLeaderboard } from "../report/leaderboard.ts";
import { DEFAULT_RESAMPLES } from "../stats/bootstrap.ts";
import { cacheNote } from "../report/cache-note.ts";
import { ResumableRunError, ScoringModeSchema, SettingSchema, UserError, type ScoringMode, type Setting } from "../types.ts";
import { printedCommand } from "../invocation.ts";
import { DEFAULT_MAX_RETRIES } from "../endpoints/defaults.ts";
import { parseShard } from "../cluster/shard.ts";
import { interruptible } from "./_interrupt.ts";
import { modelOptions, modelOverrides, type ModelArgs } from "./_model-options.ts";

const DEFAULT_BOOTSTRAP = DEFAULT_RESAMPLES;

interface RunArgs extends ModelArgs {
  tasks?: string;
  setting: string;
  "prompt-style": string;
  scoring: string;
  limit?: number;
  concurrency?: number;
  seed: number;
  temperature?: number;
  "top-p"?: number;
  "max-tokens"?: number;
  "data-dir"?: string;
  "tasks-dir"?: string;
  out: string;
  "run-id"?: string;
  resume?: string;
  cache: boolean;
  "max-retries": number;
  bootstrap: number;
  shard?: string;
  progress: string;
  shots: number;
  "shot-sampler": string;
  "shot-content": string;
  select: string;
  "trace-lang"?: string;
  "shots-format": string;
  store?: string;
  "allow-test-split-traces": boolean;
  "vllm-bin"?: string;
  "logprob-target": string;
  embedder?: string;
  "embed-url"?: string;
  "embed-model"?: string;
  offline?: boolean;
  "allow-different-checkpoints": boolean;
  "accept-errors": boolean;
  "export-batch"?: string;
  "import-batch"?: string[];
  "batch-size"?: string;
  "served-checkpoint"?: string;
}

/** The embedder for --select embedding, with its model name for the spec. */
function embedderOf(argv: RunArgs): { embed?: EmbedFn; embedModel?: string } {
  const embedder = embedderFromArgs(argv);
  return embedder ? { embed: embedder.embed, embedModel: embedder.model } : {};
}

const command: CommandModule<object, RunArgs> = {
  command: "run",
  describe: "Evaluate a model on tasks (writes <out>/<run-id>/run.json and samples.jsonl)",
  builder: (y) =>
    modelOptions(y, "the model evaluated")
      .option("tasks", { type: "string", describe: "comma list of tasks: medqa.en,mmlu_medical.it,headqa (see `medeval tasks`)" })
      .option("setting", { type: "string", choices: SettingSchema.options, default: DEFAULT_SETTING })
      .option("prompt-style", { type: "string", choices: PROMPT_STYLES, default: DEFAULT_PROMPT_STYLE, describe: "direct: answer with the letter; cot: reason, then a fixed answer line" })
      .option("scoring", { type: "string", choices: ScoringModeSchema.options, default: DEFAULT_SCORING })
      .option("logprob-target", { type: "string", choices: LOGPROB_TARGETS, default: "letters", describe: "loglikelihood: score \" A\"..\" D\" after the lm-evaluation-harness prompt, or the option texts" })
      .option("limit", { type: "number", describe: "first N items of each task" })
      .option("concurrency", { type: "number", describe: "requests in flight (default: the model's max_concurrency × endpoints)" })
      .option("seed", { type: "number", default: DEFAULT_SEED, describe: "seeds the bootstrap and few-shot selection" })
      .option("temperature", { type: "number" })
      .option("top-p", { type: "number" })
      .option("max-tokens", { type: "number" })
      .option("timeout", { type: "number", describe: "per-request timeout in seconds (default 900: reasoning takes minutes)" })
      .option("data-dir", { type: "string", describe: "local copies of the datasets (else $MEDEVAL_DATA_DIR, else the Hugging Face Hub)" })
      .option("offline", { type: "boolean", describe: "never download datasets: local data and the Hub cache only (also HF_HUB_OFFLINE=1)" })
      .option("tasks-dir", { type: "string", describe: "task definitions (default: the tasks/ folder of medeval)" })
      .option("out", { type: "string", default: "results", describe: "results folder; each run goes to <out>/<run-id>/" })
      .option("run-id", { type: "string", describe: "name the run (default: model-setting-scoring-<spec hash>)" })
      .option("resume", { type: "string", describe: "resume the run with this id in --out, with its stored spec" })
      .option("cache", { type: "boolean", default: true, describe: "use the response cache (--no-cache to turn it off)" })
      .option("max-retries", { type: "number", default: DEFAULT_MAX_RETRIES, describe: "retries per request (5xx, 429, timeouts, resets) before it counts as an error" })
      .option("bootstrap", { type: "number", default: DEFAULT_BOOTSTRAP, describe: "bootstrap resamples for the confidence intervals" })
      .option("shard", { type: "string", describe: "i/n: run only shard i of n, counted from 0 (0/4 … 3/4; join them with `medeval merge`); auto (Slurm array) or auto/N (Kubernetes Indexed Job of N completions): from the scheduler's environment, see docs/cluster.md" })
      .option("shots", { type: "number", default: DEFAULT_SHOTS, describe: "few-shot, few-shot-traces: examples per prompt" })
      .option("shot-sampler", { type: "string", choices: SHOT_SAMPLERS, default: DEFAULT_SHOT_SAMPLER, describe: "few-shot: the few-shot split's first k for every item (as lm-evaluation-harness), or k drawn per item (seeded by --seed)" })
      .option("shot-content", { type: "string", choices: SHOT_CONTENTS, default: DEFAULT_SHOT_CONTENT, describe: "few-shot: shots with their answer only, or with the split's own explanation (MedMCQA exp, CasiMedicos)" })
      .option("select", { type: "string", choices: SELECT_METHODS, default: DEFAULT_SELECT, describe: "few-shot-traces: how traces are chosen" })
      .option("trace-lang", { type: "string", describe: "few-shot-traces: language of the traces (default: the item's; e.g. en for Italian questions)" })
      .option("shots-format", { type: "string", choices: SHOT_FORMATS, default: DEFAULT_FEWSHOT_FORMAT, describe: "few-shot, few-shot-traces: one chat turn per shot, or all in a single user turn" })
      .option("embedder", { type: "string", describe: "few-shot-traces --select embedding: models.yaml entry of kind: embeddings for the test questions (default: the endpoint recorded at import)" })
      .option("embed-url", { type: "string", describe: "… or an embeddings endpoint's base URL (with --embed-model)" })
      .option("embed-model", { type: "string" })
      .option("allow-test-split-traces", {
        type: "boolean",
        default: false,
        describe: "few-shot-traces: also use traces written for the evaluated split's questions (other test items; recorded in the spec, warned about)",
      })
      .option("store", { type: "string", describe: "trace store folder (default $MEDEVAL_HOME/traces)" })
      .option("vllm-bin", { type: "string", describe: "vllm executable for models with serve: in models.yaml (default: vllm on PATH)" })
      .option("progress", { type: "string", choices: ["auto", "bar", "plain", "none"], default: "auto" })
      .option("allow-different-checkpoints", {
        type: "boolean",
        default: false,
        describe: "resume a run although the server reports other weights (root) or context length for the model: only for the same weights at another path",
      })
      .option("export-batch", {
        type: "string",
        describe: "write the run's requests (items neither its samples.jsonl nor the response cache answers) as OpenAI Batch lines to this file, for `vllm run-batch` or a Batch API, instead of sending them (every scoring mode); see docs/cluster.md",
      })
      .option("batch-size", { type: "string", describe: "--export-batch: at most N lines per file, or a size such as 190MB (requests.jsonl → requests-00001.jsonl, …)" })
      .option("import-batch", {
        type: "string",
        array: true,
        describe: "score batch output files (`vllm run-batch -o`, a Batch API's output) into the run instead of asking a server; lines of other runs, duplicates, failed and missing items are reported",
      })
      .option("served-checkpoint", {
        type: "string",
        describe: "--import-batch, --export-batch: the weights the batch ran on (a path or Hub id), recorded where a live run records /v1/models' root (run.json says it was not queried live)",
      })
      .option("accept-errors", {
        type: "boolean",
        default: false,
        describe: "finish the run although some items failed after retries (recorded in run.json; they stay errors in every table)",
      })
      .example("$0 run --model llama-3.1-8b --tasks medqa.en,mmlu_medical.it --limit 50", "")
      .example("$0 run --model llama-3.1-8b --tasks mmlu_medical.en --setting few-shot --shots 5 --prompt-style direct", "5-shot from each subject's dev split")
      .example("$0 run --model llama-3.1-8b --tasks medqa.it --setting few-shot-traces --shots 3 --select bm25 --trace-lang en", "")
      .example("$0 run --model llama-3.1-8b --tasks medqa.en,medmcqa.en --scoring loglikelihood", "as lm-evaluation-harness scores them")
      .example("$0 run --model-url http://localhost:8000/v1 --served-model Qwen/Qwen3-8B --tasks headqa.es", "")
      .example("$0 run --model llama-3.1-8b --tasks medqa.en --export-batch requests.jsonl", "then: vllm run-batch -i requests.jsonl -o results.jsonl --model …")
      .example("$0 run --model llama-3.1-8b --tasks medqa.en --import-batch results*.jsonl --served-checkpoint meta-llama/Llama-3.1-8B-Instruct", "score the batch's output"),
  handler: async (argv) => {
    const interrupt = interruptible("abandoning requests in flight, keeping every finished sample…");
    const out = resolve(argv.out);
    try {
      const options: EvaluateOptions = {
        model: argv.model,
        modelsFile: argv["models-file"],
        overrides: { ...modelOverrides(argv), params: { temperature: argv.temperature, top_p: argv["top-p"], max_tokens: argv["max-tokens"], seed: undefined } },
        tasks: argv.tasks?.split(","),
        setting: argv.setting as Setting,
        promptStyle: argv["prompt-style"] as PromptStyle,
        scoring: argv.scoring as ScoringMode,
        limit: argv.limit ?? null,
        concurrency: argv.concurrency,
        seed: argv.seed,
        dataDir: dataDir(argv["data-dir"]),
        tasksDir: argv["tasks-dir"],
        offline: argv.offline,
        out,
        runId: argv["run-id"],
        resume: argv.resume,
        cache: argv.cache,
        maxRetries: argv["max-retries"],
        bootstrap: argv.bootstrap,
        shard: parseShard(argv.shard, process.env),
        progress: argv.progress as "auto",
        signal: interrupt.signal,
        allowDifferentCheckpoints: argv["allow-different-checkpoints"],
        notice: (line) => process.stderr.write(`medeval: ${line}\n`),
        acceptErrors: argv["accept-errors"],
        vllmBin: argv["vllm-bin"],
        logprobTarget: argv["logprob-target"] as LogprobTarget,
        fewshot: {
          k: argv.shots,
          method: argv.select as SelectMethod,
          traceLang: argv["trace-lang"] ?? null,
          format: argv["shots-format"] as ShotFormat,
          sampler: argv["shot-sampler"] as ShotSampler,
          content: argv["shot-content"] as ShotContent,
          store: argv.store,
          allowTestSplitTraces: argv["allow-test-split-traces"],
          ...embedderOf(argv),
        },
      };
      const batch = batchMode(argv);
      if (batch.kind === "export") {
        const done = await exportBatchRequests(options, batch);
        process.stdout.write(`${exportSummary(done)}\n`);
        return;
      }
      if (batch.kind === "import") {
        const { outcome, report } = await importBatchResults(options, batch);
        process.stdout.write(`${renderLeaderboard(outcome.record.tasks, outcome.record.bootstrap.level)}\n`);
        process.stdout.write(`run: ${outcome.dir}\n${importSummary(report, batch.servedCheckpoint)}`);
        if (outcome.interrupted) {
          process.stderr.write(`medeval: the import was stopped; the lines scored so far are kept. Run the same command again to score the rest.\n`);
          process.exitCode = 130;
          return;
        }
        if (!report.complete) {
          process.stderr.write(
            `medeval: the run is not complete: export the items left again (the same command with --export-batch FILE instead of --import-batch writes only those), ` +
              `or answer them live:\n  ${resumeCommand(argv, outcome.record.run_id)}\n`,
          );
        }
        process.exitCode = report.complete ? 0 : 1;
        return;
      }
      const outcome = await evaluate(options);
      process.stdout.write(`${renderLeaderboard(outcome.record.tasks, outcome.record.bootstrap.level)}\n`);
      const inReasoning = reasoningOnlyNote(outcome.record.tasks);
      if (inReasoning) process.stderr.write(`medeval: ${inReasoning}\n`);
      if (outcome.record.spec.setting === "few-shot-traces") {
        // Of each item's last line, only what the two reports read (not the prompts and replies).
        const byItem = new Map<string, { task: string; scores?: Record<string, unknown> }>();
        scanJournal(join(outcome.dir, "samples.jsonl"), (s) => byItem.set(SAMPLE_LINES.key(s), { task: s.task, scores: s.scores }));
        const samples = [...byItem.values()];
        const excluded = countExclusions(samples);
        const parts = Object.entries(excluded).map(([reason, n]) => `${n} ${reason.replaceAll("_", " ")}`);
        process.stdout.write(`few-shot leakage guard: ${parts.length > 0 ? `excluded ${parts.join(", ")}` : "no trace excluded"}\n`);
        const warning = evaluatedSplitWarning(samples);
        if (warning) process.stderr.write(`medeval: ${warning}\n`);
      }
      process.stdout.write(`run: ${outcome.dir}\n  ${requestsLine(outcome)}; run.json and samples.jsonl are there.\n`);
      const cached = cacheNote(outcome.record.tasks.map((t) => ({ task: t.task, n: t.n, fromCache: t.from_cache })));
      if (cached) process.stdout.write(`  ${cached}\n`);
      const end = runEnd(outcome, resumeCommand(argv, outcome.record.run_id));
      if (end.message) process.stderr.write(end.message);
      process.exitCode = end.exitCode;
    } catch (err) {
      if (!(err instanceof ResumableRunError)) throw err;
      throw new UserError(`${err.message}\n  ${resumeCommand(argv, err.runId)}${err.after ? `\n${err.after}` : ""}`, err.exitCode);
    } finally {
      interrupt.release();
    }
  },
};

type BatchMode =
  | { kind: "live" }
  | { kind: "export"; file: string; batchSize: BatchLimit | null; servedCheckpoint: string | null }
  | { kind: "import"; files: string[]; servedCheckpoint: string | null };

const BYTE_UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/** `--batch-size`: "50000" lines, or "190MB" / "100MiB" bytes per file. */
function parseBatchLimit(raw: string): BatchLimit {
  const text = String(raw).trim();
  if (/^\d+$/.test(text) && Number(text) >= 1) return { lines: Number(text) };
  const sized = /^(\d+(?:\.\d+)?)\s*([kmg]i?b|b)$/i.exec(text);
  const bytes = sized ? Math.floor(Number(sized[1]) * BYTE_UNITS[sized[2].toLowerCase()]) : 0;
  if (bytes >= 1) return { bytes };
  throw new UserError(`--batch-size takes a whole number of lines ≥ 1 (50000) or a size (190MB, 100MiB), got "${text}"`);
}

/** Which of live, --export-batch and --import-batch this invocation is, its flags checked together. */
export function batchMode(argv: Pick<RunArgs, "export-batch" | "import-batch" | "batch-size" | "served-checkpoint">): BatchMode {
  const exportFile = argv["export-batch"];
  const importFiles = argv["import-batch"];
  const servedCheckpoint = argv["served-checkpoint"] ?? null;
  const size = argv["batch-size"];
  if (exportFile !== undefined && importFiles !== undefined) throw new UserError("--export-batch and --import-batch are two steps: export, run the batch, then import its output");
  if (size !== undefined && exportFile === undefined) throw new UserError("--batch-size splits the file --export-batch writes; give --export-batch FILE with it");
  if (servedCheckpoint !== null && exportFile === undefined && importFiles === undefined) {
    throw new UserError("--served-checkpoint names the weights of a batch run (with --import-batch or --export-batch); a live run reads them from the server's /v1/models");
  }
  if (exportFile !== undefined) return { kind: "export", file: resolve(exportFile), batchSize: size === undefined ? null : parseBatchLimit(size), servedCheckpoint };
  if (importFiles !== undefined) {
    if (importFiles.length === 0) throw new UserError("--import-batch needs the output files of the batch (e.g. --import-batch results*.jsonl)");
    return { kind: "import", files: importFiles.map((f) => resolve(f)), servedCheckpoint };
  }
  return { kind: "live" };
}

export function exportSummary(done: { written: number; files: string[]; alreadyAnswered: number; cached: number; runId: string }): string {
  const left: string[] = [];
  if (done.alreadyAnswered > 0) left.push(`${done.alreadyAnswered} already answered in its samples.jsonl`);
  if (done.cached > 0) left.push(`${done.cached} answered by the response cache`);
  const where = done.files.length === 0 ? "no file (nothing to send)" : done.files.length === 1 ? done.files[0] : `${done.files.length} files:\n  ${done.files.join("\n  ")}`;
  return `wrote ${done.written} requests of run ${done.runId} to ${where}` + (left.length > 0 ? `\nskipped ${left.join(", ")}` : "");
}

/** The end summary of an import: each count, then the lines or items behind every count that needs a look. */
export function importSummary(report: ImportReport, checkpoint: string | null): string {
  const rows: string[] = [
    `  read ${report.read} lines from ${report.files.length} file(s); scored ${report.imported}` +
      (report.fromCache > 0 ? `, ${report.fromCache} from the response cache` : "") +
      (report.alreadyAnswered > 0 ? `, ${report.alreadyAnswered} already in samples.jsonl` : ""),
    `  missing ${report.missing.length}, failed ${report.failed.length}, duplicated ${report.duplicated.length}, foreign ${report.foreign.length}` +
      (report.overflowed.length > 0 ? `, context overflow ${report.overflowed.length} (scored as a live run scores them)` : ""),
    `  checkpoint: ${checkpoint ?? "not given (--served-checkpoint)"}; not queried live`,
  ];
  const list = (title: string, entries: string[]) => {
    if (entries.length > 0) rows.push(`${title}:`, ...entries.map((e) => `  ${e}`));
  };
  list("missing (no line answers them; exported again by --export-batch)", report.missing);
  const line = (a: SetAside) => {
    const id = parseBatchCustomId(a.customId);
    return `${a.where} ${id ? `${id.task}/${id.itemId}` : a.customId}: ${a.why}`;
  };
  list("failed (exported again by --export-batch)", report.failed.map(line));
  list("duplicated", report.duplicated.map(line));
  list("foreign (left out)", report.foreign.map((f) => `${f.where} ${f.customId}: ${f.why}`));
  return `${rows.join("\n")}\n`;
}

/** "200 items, 233 requests incl. 33 retries": what this invocation put on the wire. */
export function requestsLine(outcome: { answered: number; sent: number; retries: number }): string {
  const requests = outcome.sent + outcome.retries;
  const retried = outcome.retries > 0 ? ` incl. ${outcome.retries} ${outcome.retries === 1 ? "retry" : "retries"}` : "";
  return `${outcome.answered} ${outcome.answered === 1 ? "item" : "items"}, ${requests} ${requests === 1 ? "request" : "requests"}${retried}`;
}

/** How a run ended, for people and for the exit status: interrupted, items without an answer, or done. */
export function runEnd(outcome: RunOutcome, resume: string): { exitCode: number; message: string } {
  const { record } = outcome;
  const lines = unanswered(record).map((c) => `  ${coverageLine(c)}`);
  if (outcome.interrupted) return { exitCode: 130, message: `medeval: the run is not complete. Resume it with:\n  ${resume}\n` };
  if (lines.length > 0 && !record.complete) {
    const why = outcome.endpointDown
      ? `the endpoint stopped answering: the last ${FAILURE_WINDOW} items all failed after retries, so the run stopped. The server's last error:\n  ${outcome.endpointDown.lastError}\n`
      : "some items failed after retries; their accuracy would rest on the items that happened to succeed.\n";
    return {
      exitCode: EXIT_UNANSWERED_ITEMS,
      message:
        `medeval: the run is not complete: ${why}${lines.join("\n")}\n` +
        `Resuming retries them (once the server answers again):\n  ${resume}\n` +
        "or add --accept-errors to that command to finish the run with these errors (they stay errors in every table).\n",
    };
  }
  if (lines.length > 0) {
    return { exitCode: 0, message: `medeval: errors accepted (--accept-errors); left out of accuracy and marked in every table:\n${lines.join("\n")}\n` };
  }
  if (!record.complete) return { exitCode: 1, message: `medeval: the run is not complete. Resume it with:\n  ${resume}\n` };
  return { exitCode: 0, message: "" };
}

/**
 * The command that resumes this run: --resume restores the spec, but where the data, models
 * and traces are, the key and how the run reports (--bootstrap) are not in it; without them
 * the printed command would download the data again or write other intervals.
 */
export function resumeCommand(argv: Partial<RunArgs>, runId: string): string {
  const words = ["run", "--resume", runId, "--out", argv.out ?? "results"];
  // The endpoint is in the spec, but a URL given again is the one to edit when it was wrong.
  for (const url of argv["model-url"] ?? []) words.push("--model-url", url);
  const keep = ["data-dir", "models-file", "tasks-dir", "api-key-env", "store", "embedder", "embed-url", "embed-model", "vllm-bin", "timeout", "concurrency"] as const;
  for (const flag of keep) if (argv[flag] !== undefined) words.push(`--${flag}`, String(argv[flag]));
  if (argv.offline) words.push("--offline");
  if (argv.bootstrap !== undefined && argv.bootstrap !== DEFAULT_BOOTSTRAP) words.push("--bootstrap", String(argv.bootstrap));
  if (argv["max-retries"] !== undefined && argv["max-retries"] !== DEFAULT_MAX_RETRIES) words.push("--max-retries", String(argv["max-retries"]));
  if (argv.cache === false) words.push("--no-cache");
  return printedCommand(words);
}

export default command;
