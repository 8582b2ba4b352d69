// The trace store: one embedded LanceDB database, one table per language ("traces_en",
// "traces_it", …), each with its BM25 index beside it (bm25.ts). A table per language because
// each language needs its own stemmer, and selection (always within one language) then never
// filters the other languages out.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Connection, Table } from "@lancedb/lancedb";
import { z } from "zod";
import { medevalHome } from "../env.ts";
import { UserError } from "../types.ts";
import { traceSchema } from "./arrow-batch.ts";
import { lancedb, VECTOR_INDEX_MIN_ROWS } from "../lancedb.ts";
import { Bm25Index, bm25Path, buildBm25 } from "./bm25.ts";
import { printedCommand } from "../invocation.ts";

export const TABLE_PREFIX = "traces_";
const META_FILE = "medeval-traces.json";

/**
 * Columns a scan of a language's traces reads (`traces export`): not the vector, the language
 * (the table's) or the normalised question (normalised again: cheaper than a column read).
 */
export const TRACE_COLUMNS = ["id", "source_dataset", "source_question_id", "question", "options", "answer", "reasoning"] as const;

/** Read with TRACE_COLUMNS where the table has it: stores made before splits were kept lack it. */
export const SPLIT_COLUMN = "split";

const StoreMetaSchema = z.object({
  schema_version: z.literal(1),
  /** The model whose vectors fill the `vector` columns: queries must be embedded with it too. */
  embedding: z.object({ model: z.string(), url: z.string().optional(), dim: z.number().int().positive() }).optional(),
});
export type StoreMeta = z.infer<typeof StoreMetaSchema>;

/** --store DIR, else $MEDEVAL_HOME/traces. */
export function storeDir(flag?: string): string {
  return flag ? resolve(flag) : join(medevalHome(), "traces");
}

export function tableName(lang: string): string {
  return `${TABLE_PREFIX}${lang}`;
}

export class TraceStore {
  private readonly tables = new Map<string, Table>();
  private readonly bm25Indexes = new Map<string, Promise<Bm25Index>>();
  /** Per language, what its schema tells a selection: read once, not on every query. */
  private readonly readShapes = new Map<string, ReadShape>();

  private constructor(
    readonly dir: string,
    private readonly db: Connection,
  ) {}

  /**
   * Opens (and, unless mustExist, creates) the store in dir. LanceDB's caches default to 6 GiB
   * of index and 1 GiB of metadata; a run needs far less, and the rest would only raise RSS.
   */
  static async open(dir: string, opts: { mustExist?: boolean; indexCacheMb?: number } = {}): Promise<TraceStore> {
    if (opts.mustExist && !existsSync(dir)) {
      throw new UserError(`no trace store at ${dir}. Import traces first: ${printedCommand(["traces", "import", "FILE", "--store", dir])}`);
    }
    mkdirSync(dir, { recursive: true });
    const { connect, Session } = await lancedb();
    const session = new Session(BigInt((opts.indexCacheMb ?? 256) * 2 ** 20), BigInt(64 * 2 ** 20));
    return new TraceStore(dir, await connect(dir, {}, session));
  }

  /** Languages that have a table, sorted. */
  async languages(): Promise<string[]> {
    const names = await this.db.tableNames();
    return names.filter((n) => n.startsWith(TABLE_PREFIX)).map((n) => n.slice(TABLE_PREFIX.length)).sort();
  }

  async table(lang: string): Promise<Table | undefined> {
    const cached = this.tables.get(lang);
    if (cached) return cached;
    const names = await this.db.tableNames();
    if (!names.includes(tableName(lang))) return undefined;
    const table = await this.db.openTable(tableName(lang));
    this.tables.set(lang, table);
    return table;
  }

  /** The language's table; a person-readable error when there is none. */
  async requireTable(lang: string): Promise<Table> {
    const table = await this.table(lang);
    if (table) return table;
    const have = await this.languages();
    throw new UserError(
      `the trace store at ${this.dir} has no traces in language "${lang}" (it has: ${have.join(", ") || "none"}). ` +
        `Import some (${printedCommand(["traces", "import", "FILE", "--store", this.dir])}) or pick another language with --trace-lang.`,
    );
  }

  async createTable(lang: string, vectorDim?: number): Promise<Table> {
    const table = await this.db.createEmptyTable(tableName(lang), traceSchema(vectorDim), { mode: "create", existOk: true });
    this.tables.set(lang, table);
    return table;
  }

  /** Dimensions of the language's `vector` column; undefined when its traces have no vectors. */
  async vectorDim(lang: string): Promise<number | undefined> {
    return (await this.readShape(lang)).vectorDim;
  }

  /**
   * The table's read shape, cached (a store is not written while a run reads it; an import
   * forgets it): an embedding selection asked for the schema, a native call of ~0.3 ms
   * (several under load), on every query.
   */
  private async readShape(lang: string): Promise<ReadShape> {
    const cached = this.readShapes.get(lang);
    if (cached) return cached;
    const schema = await (await this.requireTable(lang)).schema();
    const vector = schema.fields.find((f) => f.name === "vector");
    const shape: ReadShape = {
      vectorDim: vector ? (vector.type as { listSize: number }).listSize : undefined,
    };
    this.readShapes.set(lang, shape);
    return shape;
  }

  /** Forgets what was cached about the tables' columns: after a write. */
  forgetCounts(): void {
    this.readShapes.clear();
  }

  meta(): StoreMeta {
    const file = join(this.dir, META_FILE);
    if (!existsSync(file)) return { schema_version: 1 };
    const parsed = StoreMetaSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
    if (!parsed.success) throw new UserError(`${file}: not a valid trace store description (${parsed.error.issues[0].message}).`);
    return parsed.data;
  }

  writeMeta(meta: StoreMeta): void {
    writeFileSync(join(this.dir, META_FILE), `${JSON.stringify(meta, null, 2)}\n`);
  }

  /**
   * Brings a table's indexes up to date after writes: btrees on id (dedupe look-ups) and seq,
   * a vector index once there are enough vectors to train one, those made before updated to
   * the rows added (optimize(), which also compacts the fragments), then the BM25 index and
   * documents file rebuilt for the table version that leaves. A first import is not compacted:
   * selection reads its traces from the documents file, and compaction cost ~5 s and ~400 MB
   * per 167k traces.
   */
  async refreshIndexes(lang: string): Promise<void> {
    const { Index } = await lancedb();
    const table = await this.requireTable(lang);
    const indices = await table.listIndices();
    const existing = new Set(indices.map((i) => i.columns[0]));
    for (const column of ["id", "seq"]) {
      if (!existing.has(column)) await table.createIndex(column, { config: Index.btree() });
    }
    const schema = await table.schema();
    if (schema.fields.some((f) => f.name === "vector") && !existing.has("vector")) {
      const withVectors = await table.countRows("vector IS NOT NULL");
      // IVF-PQ needs a few thousand vectors to train; below that a flat scan is fast anyway.
      if (withVectors >= VECTOR_INDEX_MIN_ROWS) await table.createIndex("vector", { config: Index.ivfPq({ distanceType: "cosine" }) });
    }
    const stale = await Promise.all(indices.map(async (i) => (await table.indexStats(i.name))?.numUnindexedRows ?? 0));
    // The versions before it go at once: their files would double the store on disk.
    if (stale.some((n) => n > 0)) await table.optimize({ cleanupOlderThan: new Date() });
    this.readShapes.delete(lang);
    // Saved, not kept: an import of three languages would otherwise hold all three (~100 MB
    // each at 167k traces); a run loads the one it selects from.
    (await buildBm25(table, lang, bm25Path(this.dir, tableName(lang)))).close();
    this.forgetBm25(lang);
  }

  /**
   * The language's BM25 index and documents file: the saved ones when they describe the table's
   * version, else built (one scan of the table) and saved. Loaded once per store, however many selections ask at once.
   */
  bm25(lang: string): Promise<Bm25Index> {
    let index = this.bm25Indexes.get(lang);
    if (!index) {
      index = (async () => {
        const table = await this.requireTable(lang);
        const file = bm25Path(this.dir, tableName(lang));
        const version = await table.version();
        const saved = Bm25Index.load(file, lang, version);
        if (saved) return saved;
        return buildBm25(table, lang, file);
      })();
      this.bm25Indexes.set(lang, index);
      index.catch(() => this.bm25Indexes.delete(lang));
    }
    return index;
  }

  /**
   * What a run's few-shot prompts depended on, for run.json: per language the row count and
   * the LanceDB table version (any write bumps it), and the embedding model.
   */
  async fingerprint(): Promise<StoreFingerprint> {
    const tables: StoreFingerprint["tables"] = {};
    for (const lang of await this.languages()) {
      const table = await this.requireTable(lang);
      tables[lang] = { rows: await table.countRows(), version: await table.version() };
    }
    return { dir: this.dir, tables, embedding_model: this.meta().embedding?.model ?? null };
  }

  /** Drops the loaded index (closing its documents file once it has loaded). */
  private forgetBm25(lang: string): void {
    const loaded = this.bm25Indexes.get(lang);
    this.bm25Indexes.delete(lang);
    loaded?.then((index) => index.close(), () => {});
  }

  close(): void {
    for (const lang of [...this.bm25Indexes.keys()]) this.forgetBm25(lang);
    for (const table of this.tables.values()) table.close();
    this.tables.clear();
    this.db.close();
  }
}

export { VECTOR_INDEX_MIN_ROWS };

interface ReadShape {
  vectorDim: number | undefined;
}

export interface StoreFingerprint {
  dir: string;
  tables: Record<string, { rows: number; version: number }>;
  embedding_model: string | null;
}
