// medeval translate: machine-translate a task's split into other languages on a served model,
// and register the result (<out>/tasks.local/) so `medeval run --tasks family.lang` runs it.
import { resolve } from "node:path";
import type { CommandModule } from "yargs";
import { dataDir } from "../env.ts";
import { UserError } from "../types.ts";
import { DEFAULT_MAX_RETRIES } from "../endpoints/defaults.ts";
import { targetLanguage } from "../translate/prompt.ts";
import { summaryTable } from "../translate/output.ts";
import { DEFAULT_VARIANT, runTranslation, VARIANT_PATTERN } from "../translate/job.ts";
import type { Split } from "../tasks/index.ts";
import { interruptible } from "./_interrupt.ts";
import { modelOptions, modelOverrides, type ModelArgs } from "./_model-options.ts";

interface TranslateArgs extends ModelArgs {
  tasks: string;
  to: string | string[];
  split: string;
  limit?: number;
  "back-translate": boolean;
  "drop-flagged": boolean;
  variant?: string;
  out?: string;
  "data-dir"?: string;
  "tasks-dir"?: string;
  offline?: boolean;
  concurrency?: number;
  cache: boolean;
  "max-retries": number;
}

const command: CommandModule<object, TranslateArgs> = {
  command: "translate",
  describe: "Machine-translate a task's split into other languages and register it as a local task (<out>/tasks.local/)",
  builder: (y) =>
    modelOptions(y, "translator")
      .option("tasks", { type: "string", demandOption: true, describe: "source tasks, e.g. medqa.en" })
      .option("to", { type: "string", demandOption: true, describe: "comma list of target languages: it,es,fr,en (repeatable)" })
      .option("split", { type: "string", choices: ["test", "pool", "train"], default: "test", describe: "which split of the task to translate (train: questions for traces generate)" })
      .option("limit", { type: "number", describe: "first N items only" })
      .option("back-translate", { type: "boolean", default: false, describe: "translate back and flag items whose back-translation chrF is low" })
      .option("drop-flagged", { type: "boolean", default: false, describe: "leave items failing a quality check out of the registered split (listed in the card)" })
      .option("variant", {
        type: "string",
        describe: `register as family.lang@NAME, beside other translations of the language (default: family.lang, or family.lang@${DEFAULT_VARIANT} when medeval ships a source for it)`,
      })
      .option("data-dir", { type: "string", describe: "local copies of the datasets (else $MEDEVAL_DATA_DIR, else the Hub)" })
      .option("out", { type: "string", describe: "where translations and tasks.local/ go (default: the data dir); run with --data-dir there" })
      .option("tasks-dir", { type: "string", describe: "task definitions (default: the tasks/ folder of medeval)" })
      .option("offline", { type: "boolean", describe: "never download datasets" })
      .option("concurrency", { type: "number", describe: "requests in flight (default: the model's max_concurrency)" })
      .option("timeout", { type: "number", describe: "per-request timeout in seconds" })
      .option("cache", { type: "boolean", default: true, describe: "use the response cache (--no-cache to turn it off)" })
      .option("max-retries", { type: "number", default: DEFAULT_MAX_RETRIES, describe: "retries per request before it counts as an error" })
      .example("$0 translate --tasks medqa.en --to it,es --model-url http://localhost:8000/v1 --served-model Qwen/Qwen3-8B --data-dir ../shared/datasets --out mydata --limit 50", "")
      .example("$0 translate --tasks mmlu_medical.en --to it --variant ours --model-url http://localhost:8000/v1 --served-model Qwen/Qwen3-8B --out mydata", "each subject of the family, as mmlu_medical.<subject>.it@ours"),
  handler: async (argv) => {
    const to = [argv.to].flat().join(",").split(",").map((s) => s.trim()).filter(Boolean).map(targetLanguage);
    if (to.length === 0) throw new UserError("--to: name at least one target language, e.g. --to it,es");
    if (argv.limit !== undefined && !(Number.isInteger(argv.limit) && argv.limit > 0)) throw new UserError(`--limit must be a whole number > 0, got ${argv.limit}`);
    if (argv.variant !== undefined && !VARIANT_PATTERN.test(argv.variant)) {
      throw new UserError(`--variant "${argv.variant}": use lowercase letters, digits and _ (it ends the task id: medqa.it@${argv.variant.toLowerCase().replace(/[^a-z0-9_]/g, "_") || "ours"})`);
    }
    const data = dataDir(argv["data-dir"]);
    const outArg = argv.out ?? data;
    if (!outArg) throw new UserError("name where the translation goes: --out DIR (or --data-dir / $MEDEVAL_DATA_DIR)");
    const out = resolve(outArg);
    const interrupt = interruptible("finished items stay in the journal; run the same command again to go on…");
    try {
      const outcomes = await runTranslation({
        model: argv.model,
        modelsFile: argv["models-file"],
        overrides: modelOverrides(argv),
        tasks: argv.tasks,
        to,
        split: argv.split as Split,
        limit: argv.limit ?? null,
        backTranslate: argv["back-translate"],
        dropFlagged: argv["drop-flagged"],
        variant: argv.variant ?? null,
        dataDir: data,
        tasksDir: argv["tasks-dir"],
        offline: argv.offline,
        out,
        concurrency: argv.concurrency,
        cache: argv.cache,
        maxRetries: argv["max-retries"],
        signal: interrupt.signal,
        notice: (line) => process.stderr.write(`medeval: ${line}\n`),
      });
      for (const o of outcomes) {
        process.stdout.write(`${o.id ?? "not registered"}: ${o.file} (${o.sent} requests)\n${summaryTable(o.result, o.total)}\n`);
        for (const f of o.result.failed) process.stderr.write(`medeval: ${o.file}: item ${f.id}: ${f.error}\n`);
      }
      const registered = outcomes.flatMap((o) => (o.id ? [o.id] : []));
      const runWith = out === data ? "" : ` --data-dir ${outArg}`;
      if (registered.length > 0) process.stdout.write(`run it: medeval run --tasks ${registered.join(",")}${runWith} --model …\n`);
      if (interrupt.signal.aborted) {
        process.stderr.write("medeval: interrupted; the finished items are in the journal: run the same command again to go on.\n");
        process.exitCode = 130;
      } else if (outcomes.some((o) => o.missing > 0)) {
        process.stderr.write("medeval: some items failed after retries, so their split is not registered; run the same command again to retry them.\n");
        process.exitCode = 1;
      }
    } finally {
      interrupt.release();
    }
  },
};

export default command;
