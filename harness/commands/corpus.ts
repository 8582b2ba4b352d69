// medeval corpus import|search: fill and look into the passage corpus that grounded traces
// retrieve from.
import Table from "cli-table3";
import type { Argv, CommandModule } from "yargs";
import { DEFAULT_CHUNK_CHARS, MIN_CHUNK_CHARS } from "../corpus/chunk.ts";
import { DEFAULT_CORPUS_BATCH, importCorpus, type CorpusImportReport } from "../corpus/import.ts";
import { PASSAGE_FIELDS, type PassageField, type PassageFieldMap } from "../corpus/passage.ts";
import { DEFAULT_RETRIEVAL, RETRIEVALS, searchCorpus, type Retrieval } from "../corpus/search.ts";
import { embedderFromArgs, queryEmbedder } from "../models/embedder.ts";
import { corpusStoreDir, CorpusStore } from "../corpus/store.ts";
import { UserError } from "../types.ts";
import { importReportTail } from "./_import-report.ts";
import { snippet } from "./_snippet.ts";
import { embedOptions } from "./_model-options.ts";

interface StoreArgs {
  store?: string;
  name: string;
}

interface EmbedArgs {
  "embed-url"?: string;
  "embed-model"?: string;
  embedder?: string;
}

interface ImportArgs extends StoreArgs, EmbedArgs {
  source: string;
  "chunk-chars": number;
  "lang-default"?: string;
  field?: string[];
  replace: boolean;
  "batch-size": number;
  "show-rejects": number;
}

interface SearchArgs extends StoreArgs, EmbedArgs {
  query: string;
  retrieval: Retrieval;
  lang?: string;
  k: number;
}

const DEFAULT_SHOW_REJECTS = 10;
const DEFAULT_K = 5;
const EXCERPT_CHARS = 240;

const storeOptions = <T>(y: Argv<T>) =>
  y
    .option("name", { type: "string", demandOption: true, describe: "corpus name (letters, digits, dashes), e.g. medwiki" })
    .option("store", { type: "string", describe: "corpus store folder (default $MEDEVAL_HOME/corpus)" });


/** --field text=explanation … as a field map; an unknown passage field or a bad shape is the user's to fix. */
export function parseFieldFlags(flags: string[] = []): PassageFieldMap {
  const map: PassageFieldMap = {};
  for (const flag of flags) {
    const match = /^([a-z]+)=(.+)$/.exec(flag);
    if (!match || !(PASSAGE_FIELDS as readonly string[]).includes(match[1])) {
      throw new UserError(`--field ${flag}: expected PASSAGE_FIELD=SOURCE_FIELD with PASSAGE_FIELD one of ${PASSAGE_FIELDS.join(", ")} (e.g. --field text=explanation)`);
    }
    map[match[1] as PassageField] = match[2];
  }
  return map;
}

export function formatCorpusImportReport(report: CorpusImportReport, showRejects: number): string {
  const lines = [
    `read ${report.read} rows from ${report.file}: ${report.passages_added} passages added (${report.chunks_added} chunks), ` +
      `${report.replaced} replaced, ${report.skipped} skipped (already in the corpus), ${report.rejected} rejected`,
  ];
  const byLang = Object.entries(report.chunks_by_lang).filter(([, n]) => n > 0).map(([lang, n]) => `${lang} ${n}`);
  if (byLang.length > 0) lines.push(`chunks written by language: ${byLang.join(", ")}`);
  lines.push(...importReportTail(report, showRejects));
  return `${lines.join("\n")}\n`;
}

const importCommand: CommandModule<object, ImportArgs> = {
  command: "import <source>",
  describe: "Import passages (id, title, text, language, url) from .jsonl/.parquet or hf:REPO@REVISION:PATH, chunked by paragraph (idempotent)",
  builder: (y) =>
    embedOptions(storeOptions(y), "to give every chunk a vector (for --retrieval embedding)")
      .positional("source", { type: "string", demandOption: true, describe: "FILE.jsonl[.gz], FILE.json, FILE.parquet or hf:REPO@REVISION:PATH" })
      .option("chunk-chars", { type: "number", default: DEFAULT_CHUNK_CHARS, describe: "largest chunk in characters (whole paragraphs packed up to it)" })
      .option("lang-default", { type: "string", describe: "language for rows without a language/lang field" })
      .option("field", { type: "string", array: true, describe: "read a passage field from another column: text=explanation (repeatable)" })
      .option("replace", { type: "boolean", default: false, describe: "replace passages already in the corpus (default: skip them)" })
      .option("batch-size", { type: "number", default: DEFAULT_CORPUS_BATCH, describe: "chunks per write per language" })
      .option("show-rejects", { type: "number", default: DEFAULT_SHOW_REJECTS, describe: "rejected rows to list" }) as unknown as Argv<ImportArgs>,
  handler: async (argv) => {
    if (!Number.isInteger(argv["chunk-chars"]) || argv["chunk-chars"] < MIN_CHUNK_CHARS) {
      throw new UserError(`--chunk-chars must be a whole number >= ${MIN_CHUNK_CHARS}, got ${argv["chunk-chars"]}`);
    }
    if (!Number.isInteger(argv["batch-size"]) || argv["batch-size"] < 1) throw new UserError(`--batch-size must be a whole number >= 1, got ${argv["batch-size"]}`);
    const fields = parseFieldFlags(argv.field);
    const embedder = embedderFromArgs(argv);
    const store = await CorpusStore.open(corpusStoreDir(argv.store));
    try {
      const report = await importCorpus(store, argv.source, {
        embed: embedder,
        name: argv.name,
        chunkChars: argv["chunk-chars"],
        langDefault: argv["lang-default"],
        fields,
        existing: argv.replace ? "replace" : "skip",
        batchSize: argv["batch-size"],
        maxRejectsKept: Math.max(argv["show-rejects"], 0),
        onProgress: process.stderr.isTTY
          ? (p) => process.stderr.write(`\r${p.read} read, ${p.passages_added} added, ${p.skipped} skipped, ${p.rejected} rejected`)
          : undefined,
      });
      if (process.stderr.isTTY) process.stderr.write("\n");
      process.stdout.write(formatCorpusImportReport(report, argv["show-rejects"]));
      if (report.rejected > 0 && report.passages_added + report.replaced + report.skipped === 0) {
        throw new UserError(`${argv.source}: none of its ${report.read} rows could be imported (the reasons are above); fix the fields named, map them with --field, or pass --lang-default`);
      }
    } finally {
      store.close();
    }
  },
};

const searchCommand: CommandModule<object, SearchArgs> = {
  command: "search <query>",
  describe: "Search a corpus by BM25 or embeddings (one language, or all)",
  builder: (y) =>
    embedOptions(storeOptions(y), "for the query (default: the one the corpus was imported with)")
      .option("retrieval", { type: "string", choices: RETRIEVALS, default: DEFAULT_RETRIEVAL, describe: "bm25 (full-text index) or embedding (vectors from import)" })
      .positional("query", { type: "string", demandOption: true, describe: "query text" })
      .option("lang", { type: "string", describe: "language to search (default: every language of the corpus)" })
      .option("k", { alias: "top", type: "number", default: DEFAULT_K, describe: "hits to show" }) as unknown as Argv<SearchArgs>,
  handler: async (argv) => {
    if (!Number.isInteger(argv.k) || argv.k < 1) throw new UserError(`-k must be a whole number >= 1, got ${argv.k}`);
    const store = await CorpusStore.open(corpusStoreDir(argv.store), { mustExist: true });
    try {
      const embed = argv.retrieval === "embedding" ? queryEmbedder(store.embedding(argv.name), argv) : undefined;
      const hits = await searchCorpus(store, argv.name, argv.query, { lang: argv.lang, k: argv.k, retrieval: argv.retrieval, embed });
      if (hits.length === 0) {
        process.stdout.write("no matching passages\n");
        return;
      }
      const table = new Table({ head: ["id", "lang", "score", "title", "text"], colWidths: [24, 6, 8, 24, 70], wordWrap: true, style: { head: [], border: [] } });
      for (const h of hits) table.push([h.id, h.language, h.score.toFixed(2), h.title, snippet(h.text, EXCERPT_CHARS)]);
      process.stdout.write(`${table.toString()}\n`);
    } finally {
      store.close();
    }
  },
};

const command: CommandModule<object, object> = {
  command: "corpus <command>",
  describe: "Passage corpus for grounded trace generation: import, search",
  builder: (y) => y.command(importCommand).command(searchCommand).demandCommand(1, "Name a corpus command: import or search."),
  handler: () => {},
};

export default command;
