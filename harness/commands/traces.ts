// medeval traces import|stats|search: fill and look into the reasoning-trace store.
import Table from "cli-table3";
import type { Argv, CommandModule } from "yargs";
import { embedderFromArgs } from "../models/embedder.ts";
import { loadTraceFieldMap, TRACE_PRESETS } from "../traces/field-map.ts";
import { importTraces, type ImportReport } from "../traces/import.ts";
import { searchTraces } from "../traces/search.ts";
import { provenanceLine } from "../traces/provenance.ts";
import { storeStats } from "../traces/stats.ts";
import { storeDir, TraceStore } from "../traces/store.ts";
import { loadModelsFile } from "../models/load.ts";
import { DEFAULT_DEV_FRACTION, exportSft, SFT_FORMATS, type SftFormat } from "../prompts/sft-export.ts";
import { UserError } from "../types.ts";
import { importReportTail } from "./_import-report.ts";
import { snippet } from "./_snippet.ts";
import generateCommand from "./_traces-generate.ts";
import { embedOptions } from "./_model-options.ts";

interface StoreArgs {
  store?: string;
}

interface ImportArgs extends StoreArgs {
  source: string;
  "lang-default"?: string;
  fields?: string;
  "embed-url"?: string;
  "embed-model"?: string;
  embedder?: string;
  "batch-size": number;
  "show-rejects": number;
}

interface SearchArgs extends StoreArgs {
  text: string;
  lang: string;
  k: number;
}

const storeOption = <T>(y: Argv<T>) =>
  y.option("store", { type: "string", describe: "trace store folder (default $MEDEVAL_HOME/traces)" });

export function formatImportReport(report: ImportReport, showRejects: number): string {
  const lines = [
    `read ${report.read} rows from ${report.file}: ${report.added} added, ${report.skipped} skipped (already in the store), ${report.rejected} rejected`,
  ];
  const byLang = Object.entries(report.added_by_lang).map(([lang, n]) => `${lang} ${n}`);
  if (byLang.length > 0) lines.push(`added by language: ${byLang.join(", ")}`);
  lines.push(...importReportTail(report, showRejects));
  return `${lines.join("\n")}\n`;
}

const importCommand: CommandModule<StoreArgs, ImportArgs> = {
  command: "import <source>",
  describe: "Import traces from a .jsonl/.parquet file or hf:REPO@REVISION:PATH (idempotent)",
  builder: (y) =>
    embedOptions(storeOption(y), "to fill the vector column")
      .positional("source", { type: "string", demandOption: true, describe: "FILE.jsonl, FILE.json, FILE.parquet or hf:REPO@REVISION:PATH" })
      .option("fields", { type: "string", describe: `the file's own column names: a preset (${Object.keys(TRACE_PRESETS).join(", ")}) or a YAML field map` })
      .option("lang-default", { type: "string", describe: "language for rows without a lang field" })
      .option("batch-size", { type: "number", default: 4096, describe: "rows per write per language" })
      .option("show-rejects", { type: "number", default: 10, describe: "rejected rows to list" }) as unknown as Argv<ImportArgs>,
  handler: async (argv) => {
    const embedder = embedderFromArgs(argv);
    const store = await TraceStore.open(storeDir(argv.store));
    try {
      const report = await importTraces(store, argv.source, {
        fieldMap: argv.fields === undefined ? undefined : loadTraceFieldMap(argv.fields),
        langDefault: argv["lang-default"],
        embed: embedder?.embed,
        embedding: embedder && { model: embedder.model, url: embedder.url },
        batchSize: argv["batch-size"],
        maxRejectsKept: Math.max(argv["show-rejects"], 0),
        onProgress: process.stderr.isTTY
          ? (p) => process.stderr.write(`\r${p.read} read, ${p.added} added, ${p.skipped} skipped, ${p.rejected} rejected`)
          : undefined,
      });
      if (process.stderr.isTTY) process.stderr.write("\n");
      process.stdout.write(formatImportReport(report, argv["show-rejects"]));
      if (report.rejected > 0 && report.added + report.skipped === 0) {
        throw new UserError(`${argv.source}: none of its ${report.read} rows could be imported (the reasons are above); fix the fields named, or pass --lang-default for rows without a language`);
      }
    } finally {
      store.close();
    }
  },
};

const statsCommand: CommandModule<StoreArgs, StoreArgs> = {
  command: "stats",
  describe: "Count traces per language and source dataset",
  builder: (y) => storeOption(y) as unknown as Argv<StoreArgs>,
  handler: async (argv) => {
    const store = await TraceStore.open(storeDir(argv.store), { mustExist: true });
    try {
      const stats = await storeStats(store);
      const table = new Table({ head: ["language", "source dataset", "traces", "with vector"], style: { head: [], border: [] } });
      for (const lang of stats.languages) {
        for (const [source, n] of Object.entries(lang.by_source).sort()) table.push([lang.lang, source, n, ""]);
        table.push([lang.lang, "(all)", lang.traces, lang.with_vector]);
      }
      process.stdout.write(`trace store ${stats.dir}: ${stats.total} traces${stats.embedding_model ? `, vectors from ${stats.embedding_model}` : ""}\n`);
      process.stdout.write(`${table.toString()}\n`);
    } finally {
      store.close();
    }
  },
};

const searchCommand: CommandModule<StoreArgs, SearchArgs> = {
  command: "search <text>",
  describe: "BM25 search over one language's traces",
  builder: (y) =>
    storeOption(y)
      .positional("text", { type: "string", demandOption: true, describe: "query text" })
      .option("lang", { type: "string", demandOption: true, describe: "language of the traces to search (en, it, es…)" })
      .option("k", { alias: "top", type: "number", default: 5, describe: "hits to show" }) as unknown as Argv<SearchArgs>,
  handler: async (argv) => {
    if (!Number.isInteger(argv.k) || argv.k < 1) throw new UserError(`-k must be a whole number >= 1, got ${argv.k}`);
    const store = await TraceStore.open(storeDir(argv.store), { mustExist: true });
    try {
      const hits = await searchTraces(store, argv.text, { lang: argv.lang, k: argv.k });
      if (hits.length === 0) {
        process.stdout.write("no matching traces\n");
        return;
      }
      const made = hits.some((h) => h.provenance !== null);
      const head = ["id", "score", "source", "question", ...(made ? ["made by"] : [])];
      const table = new Table({ head, colWidths: [24, 8, 24, 70, ...(made ? [40] : [])], wordWrap: true, style: { head: [], border: [] } });
      for (const h of hits) table.push([h.id, h.score.toFixed(2), `${h.source_dataset}:${h.source_question_id}`, snippet(h.question, 200), ...(made ? [provenanceLine(h.provenance)] : [])]);
      process.stdout.write(`${table.toString()}\n`);
    } finally {
      store.close();
    }
  },
};

interface ExportArgs extends StoreArgs {
  format: SftFormat;
  template: string;
  out: string;
  lang?: string;
  "dev-fraction": number;
  "models-file"?: string;
}

const exportCommand: CommandModule<StoreArgs, ExportArgs> = {
  command: "export",
  describe: "Write traces as SFT chat jsonl in a fine-tuned model's format (per language, train and dev, with a card)",
  builder: (y) =>
    storeOption(y)
      .option("format", { choices: SFT_FORMATS, default: "chat" as const, describe: "chat: {messages: system/user/assistant} per line" })
      .option("template", { type: "string", demandOption: true, describe: "models.yaml entry with a fine_tuned: section (the format it will be evaluated with)" })
      .option("out", { type: "string", demandOption: true, describe: "folder for <lang>/train.jsonl, <lang>/dev.jsonl and card.json" })
      .option("lang", { type: "string", describe: "languages to export, comma-separated (default: all in the store)" })
      .option("dev-fraction", { type: "number", default: DEFAULT_DEV_FRACTION, describe: "share of each language's traces in dev.jsonl" })
      .option("models-file", { type: "string", describe: "models file (default ./models.yaml or $MEDEVAL_MODELS)" }) as unknown as Argv<ExportArgs>,
  handler: async (argv) => {
    const models = loadModelsFile(argv["models-file"]).models;
    const entry = models[argv.template];
    if (!entry) throw new UserError(`--template ${argv.template}: no such entry in the models file (it has ${Object.keys(models).join(", ") || "none"})`);
    if (!entry.fine_tuned) throw new UserError(`--template ${argv.template}: the entry has no fine_tuned: section (system_prompt, user_template, answer_label, thinks), so there is no format to export in`);
    const langs = argv.lang?.split(",").map((l) => l.trim()).filter((l) => l !== "");
    const store = await TraceStore.open(storeDir(argv.store), { mustExist: true });
    try {
      const card = await exportSft(store, { outDir: argv.out, template: { name: argv.template, format: entry.fine_tuned }, langs, devFraction: argv["dev-fraction"] });
      for (const [lang, c] of Object.entries(card.languages)) {
        process.stdout.write(`${lang}: ${c.train} train, ${c.dev} dev${c.excluded_test > 0 ? `, ${c.excluded_test} left out (written for test questions)` : ""}\n`);
      }
      process.stdout.write(`wrote ${argv.out} (card.json)\n`);
    } finally {
      store.close();
    }
  },
};

const command: CommandModule<object, StoreArgs> = {
  command: "traces <command>",
  describe: "Reasoning-trace store for few-shot prompts and fine-tuning: import, stats, search, export, generate",
  builder: (y) =>
    (y as Argv<StoreArgs>)
      .command(importCommand)
      .command(statsCommand)
      .command(searchCommand)
      .command(exportCommand)
      .command(generateCommand)
      .demandCommand(1, "Name a traces command: import, stats, search, export or generate.") as unknown as Argv<StoreArgs>,
  handler: () => {},
};

export default command;
