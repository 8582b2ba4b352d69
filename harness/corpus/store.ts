// The passage corpus store: one embedded LanceDB database holding any number of named corpora,
// one table per corpus and language ("medwiki_en", "medwiki_it", …). A table per language for
// the trace store's reason: a full-text index has one tokenizer, and each language needs its
// own stemmer and stop words (harness/lancedb.ts ftsIndexOptions, shared with the traces).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import type * as ArrowModule from "apache-arrow";
import type { Connection, Table } from "@lancedb/lancedb";
import { medevalHome } from "../env.ts";
import { printedCommand } from "../invocation.ts";
import { lancedb, refreshFtsIndex, VECTOR_INDEX_MIN_ROWS } from "../lancedb.ts";
import { UserError } from "../types.ts";

const require = createRequire(import.meta.url);

/** A corpus name: letters, digits and dashes, so "<name>_<lang>" table names split one way. */
const CORPUS_NAME = /^[A-Za-z0-9][A-Za-z0-9-]*$/;

/** --store DIR, else $MEDEVAL_HOME/corpus. */
export function corpusStoreDir(flag?: string): string {
  return flag ? resolve(flag) : join(medevalHome(), "corpus");
}

export function checkCorpusName(name: string): void {
  if (!CORPUS_NAME.test(name)) throw new UserError(`corpus name "${name}": use letters, digits and dashes only (e.g. medwiki).`);
}

function tableName(name: string, lang: string): string {
  return `${name}_${lang}`;
}

/**
 * id: source id + "#" + chunk index (stable, so a re-import finds it); source_id: the row's
 * own id, so a replaced passage loses all its old chunks; chunk: the index within the passage.
 */
export function passageSchema(vectorDim?: number): ArrowModule.Schema {
  // The CommonJS instance LanceDB itself loads: the ESM build's classes fail its instanceof checks.
  const arrow = require("apache-arrow") as typeof ArrowModule;
  const utf8 = (name: string, nullable = false) => new arrow.Field(name, new arrow.Utf8(), nullable);
  const vector = vectorDim === undefined ? [] : [new arrow.Field("vector", new arrow.FixedSizeList(vectorDim, new arrow.Field("item", new arrow.Float32(), true)), true)];
  return new arrow.Schema([
    utf8("id"),
    utf8("source_id"),
    new arrow.Field("chunk", new arrow.Int32(), false),
    utf8("title"),
    utf8("text"),
    utf8("language"),
    utf8("url", true),
    ...vector,
  ]);
}

/** Which embedding model filled a corpus's vectors: queries must be embedded with it too. */
export interface CorpusEmbedding {
  model: string;
  url?: string;
  dim: number;
}

const EMBEDDINGS_FILE = "embeddings.json";

/** The vector column's width, or undefined for a table without vectors. */
export async function vectorDimOf(table: Table): Promise<number | undefined> {
  const field = (await table.schema()).fields.find((f) => f.name === "vector");
  return field ? (field.type as { listSize: number }).listSize : undefined;
}

export interface PassageChunk {
  id: string;
  source_id: string;
  chunk: number;
  title: string;
  text: string;
  language: string;
  url: string | null;
}

export class CorpusStore {
  /** Table names and opened tables, kept for the store's life: a search per question would otherwise list and open them each time. */
  private names: Promise<string[]> | null = null;
  private readonly opened = new Map<string, Promise<Table>>();

  private constructor(
    readonly dir: string,
    private readonly db: Connection,
  ) {}

  private tableNames(): Promise<string[]> {
    this.names ??= this.db.tableNames();
    return this.names;
  }

  static async open(dir: string, opts: { mustExist?: boolean } = {}): Promise<CorpusStore> {
    if (opts.mustExist && !existsSync(dir)) {
      throw new UserError(`no passage corpus store at ${dir}. Import a corpus first: ${printedCommand(["corpus", "import", "FILE", "--name", "NAME", "--store", dir])}`);
    }
    mkdirSync(dir, { recursive: true });
    const { connect } = await lancedb();
    return new CorpusStore(dir, await connect(dir));
  }

  /** Corpus names with their languages, sorted. */
  async corpora(): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const table of [...(await this.tableNames())].sort()) {
      const cut = table.lastIndexOf("_");
      if (cut <= 0) continue;
      const name = table.slice(0, cut);
      out.set(name, [...(out.get(name) ?? []), table.slice(cut + 1)]);
    }
    return out;
  }

  /** The languages of a corpus; a person-readable error when the store has no such corpus. */
  async requireCorpus(name: string): Promise<string[]> {
    const corpora = await this.corpora();
    const langs = corpora.get(name);
    if (langs) return langs;
    throw new UserError(
      `no corpus "${name}" in ${this.dir} (it has: ${[...corpora.keys()].join(", ") || "none"}). ` +
        `Import one: ${printedCommand(["corpus", "import", "FILE", "--name", name, "--store", this.dir])}`,
    );
  }

  async table(name: string, lang: string): Promise<Table | undefined> {
    const key = tableName(name, lang);
    if (!(await this.tableNames()).includes(key)) return undefined;
    let table = this.opened.get(key);
    if (!table) {
      table = this.db.openTable(key);
      this.remember(key, table);
    }
    return table;
  }

  async createTable(name: string, lang: string, vectorDim?: number): Promise<Table> {
    const key = tableName(name, lang);
    const table = this.db.createEmptyTable(key, passageSchema(vectorDim), { mode: "create", existOk: true });
    this.remember(key, table);
    this.names = null;
    return table;
  }

  /** The embedding model whose vectors a corpus holds (recorded at its first import with vectors), or null. */
  embedding(name: string): CorpusEmbedding | null {
    return this.embeddings()[name] ?? null;
  }

  recordEmbedding(name: string, embedding: CorpusEmbedding): void {
    const file = join(this.dir, EMBEDDINGS_FILE);
    const all = { ...this.embeddings(), [name]: embedding };
    writeFileSync(`${file}.partial`, `${JSON.stringify(all, null, 2)}\n`);
    renameSync(`${file}.partial`, file);
  }

  private embeddings(): Record<string, CorpusEmbedding> {
    const file = join(this.dir, EMBEDDINGS_FILE);
    if (!existsSync(file)) return {};
    try {
      return JSON.parse(readFileSync(file, "utf8")) as Record<string, CorpusEmbedding>;
    } catch (err) {
      throw new UserError(`${file}: not readable JSON (${(err as Error).message}); it records which embedding model each corpus's vectors come from: restore it or re-import the corpus.`);
    }
  }

  /** Keeps an opened table, and forgets it if opening failed, so the next call tries again. */
  private remember(key: string, table: Promise<Table>): void {
    this.opened.set(key, table);
    table.catch(() => this.opened.delete(key));
  }

  /** Full-text index on the text with the language's stemmer; btrees on id and source_id for the re-import look-ups. */
  async refreshIndexes(table: Table, lang: string): Promise<void> {
    const { Index } = await lancedb();
    await refreshFtsIndex(table, "text", lang);
    const indices = await table.listIndices();
    const existing = new Set(indices.map((i) => i.columns[0]));
    for (const column of ["id", "source_id"]) if (!existing.has(column)) await table.createIndex(column, { config: Index.btree() });
    const schema = await table.schema();
    if (schema.fields.some((f) => f.name === "vector") && !existing.has("vector") && (await table.countRows("vector IS NOT NULL")) >= VECTOR_INDEX_MIN_ROWS) {
      await table.createIndex("vector", { config: Index.ivfPq({ distanceType: "cosine" }) });
    }
    const btrees = indices.filter((i) => i.columns[0] !== "text");
    const stale = await Promise.all(btrees.map(async (i) => (await table.indexStats(i.name))?.numUnindexedRows ?? 0));
    if (stale.some((n) => n > 0)) await table.optimize();
  }

  close(): void {
    this.db.close();
  }
}
