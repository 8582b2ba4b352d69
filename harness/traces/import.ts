// `medeval traces import`: stream a trace file into the store in batches, skipping traces the
// store already holds (so re-importing a file adds nothing), rejecting malformed rows with
// their line and field, then bring the indexes up to date.
import type { Table } from "@lancedb/lancedb";
import { existingIds } from "../lancedb.ts";
import { UserError } from "../types.ts";
import type { EmbedFn } from "./embed.ts";
import type { HubDownloadOptions } from "../data/hub-download.ts";
import { fetchHubTraceFile, parseHubSource } from "./hub.ts";
import { isRejected, parseTraceRow, type RejectedRow, type TraceRow } from "./schema.ts";
import { isRawRecord, readTraceFile } from "./sources.ts";
import { splitField, traceBatch, vectorField, type NumberedRow } from "./arrow-batch.ts";
import { SPLIT_COLUMN, type TraceStore } from "./store.ts";
import { mapTraceRow, type TraceFieldMap } from "./field-map.ts";
import { missingProvenanceFields } from "./provenance.ts";

export interface ImportOptions {
  /** The file's own column names (a preset or a YAML field map); without it, medeval's trace schema. */
  fieldMap?: TraceFieldMap;
  /** Language for rows without a `lang` field. */
  langDefault?: string;
  /** Fills `vector` for rows that carry none. */
  embed?: EmbedFn;
  /** Which model `embed` calls: recorded in the store so queries are embedded the same way. */
  embedding?: { model: string; url?: string };
  /** Rows per write, per language (default 4096): bounds memory (~0.5 GB peak at 3 KB rows, 3 languages). */
  batchSize?: number;
  /** How many rejects to keep for the report (default 20); all are counted. */
  maxRejectsKept?: number;
  onProgress?: (progress: ImportProgress) => void;
  /** For hf: sources (tests inject fetch and home here). */
  hub?: HubDownloadOptions;
}

export interface ImportProgress {
  read: number;
  added: number;
  skipped: number;
  rejected: number;
}

export interface ImportReport extends ImportProgress {
  source: string;
  /** The local file read (the cache path for a Hub source). */
  file: string;
  /** For a Hub source: the resolved commit and the file's sha256. */
  hub?: { repo: string; revision: string; path: string; commit: string | null; sha256: string };
  rejects: RejectedRow[];
  added_by_lang: Record<string, number>;
  seconds: number;
  index_seconds: number;
}

interface LanguageBatch {
  rows: TraceRow[];
  ids: Set<string>;
}

export async function importTraces(store: TraceStore, source: string, opts: ImportOptions = {}): Promise<ImportReport> {
  const started = performance.now();
  const hub = parseHubSource(source);
  const download = hub ? await fetchHubTraceFile(hub, opts.hub) : undefined;
  const file = download ? download.file : source;
  checkEmbeddingModel(store, opts);

  const batchSize = opts.batchSize ?? 4096;
  const maxRejectsKept = opts.maxRejectsKept ?? 20;
  const report: ImportReport = { source, file, hub: download && { repo: download.repo, revision: download.revision, path: download.path, commit: download.commit, sha256: download.sha256 }, read: 0, added: 0, skipped: 0, rejected: 0, rejects: [], added_by_lang: {}, seconds: 0, index_seconds: 0 };
  const batches = new Map<string, LanguageBatch>();
  const writers = new Map<string, TableWriter>();
  const reject = (r: RejectedRow) => {
    report.rejected++;
    if (report.rejects.length < maxRejectsKept) report.rejects.push(r);
  };
  const flush = async (lang: string) => {
    const batch = batches.get(lang);
    if (!batch || batch.rows.length === 0) return;
    batches.delete(lang);
    let writer = writers.get(lang);
    if (!writer) {
      writer = await TableWriter.open(store, lang, opts);
      writers.set(lang, writer);
    }
    const outcome = await writer.write(batch.rows);
    report.added += outcome.added;
    report.skipped += outcome.skipped;
    report.added_by_lang[lang] = (report.added_by_lang[lang] ?? 0) + outcome.added;
    for (const r of outcome.rejected) reject(r);
    opts.onProgress?.(report);
  };

  for await (const record of readTraceFile(file)) {
    report.read++;
    if (!isRawRecord(record)) {
      reject(record);
      continue;
    }
    const data = opts.fieldMap ? mapTraceRow(record.data, record.where, report.read - 1, opts.fieldMap, source) : record.data;
    if (opts.fieldMap && isRejectedMapping(data)) {
      reject(data);
      continue;
    }
    const row = parseTraceRow(data, record.where, opts.langDefault);
    if (isRejected(row)) {
      reject(row);
      continue;
    }
    let batch = batches.get(row.lang);
    if (!batch) {
      batch = { rows: [], ids: new Set() };
      batches.set(row.lang, batch);
    }
    if (batch.ids.has(row.id)) {
      report.skipped++; // the same id twice in one batch: the first one wins, as across batches
      continue;
    }
    batch.ids.add(row.id);
    batch.rows.push(row);
    if (batch.rows.length >= batchSize) await flush(row.lang);
  }
  for (const lang of [...batches.keys()]) await flush(lang);
  for (const writer of writers.values()) await writer.finish();

  const indexStarted = performance.now();
  for (const [lang, writer] of writers) if (writer.wrote) await store.refreshIndexes(lang);
  store.forgetCounts();
  report.index_seconds = (performance.now() - indexStarted) / 1000;
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

function isRejectedMapping(data: unknown): data is RejectedRow {
  return typeof data === "object" && data !== null && "where" in data && "message" in data;
}

function checkEmbeddingModel(store: TraceStore, opts: ImportOptions): void {
  const recorded = store.meta().embedding;
  if (opts.embedding && recorded && recorded.model !== opts.embedding.model) {
    throw new UserError(
      `the trace store at ${store.dir} holds vectors from embedding model "${recorded.model}"; ` +
        `mixing in "${opts.embedding.model}" would make vector search meaningless. Use --embed-model ${recorded.model}, or a new --store.`,
    );
  }
}

/**
 * Writes batches into one language's table: drops ids already there, embeds, numbers rows.
 * A batch's write runs in LanceDB's threads while the next batches are parsed; it is awaited
 * before this table's next id look-up, which must see it.
 */
class TableWriter {
  wrote = false;
  private inflight: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly store: TraceStore,
    private table: Table,
    private nextSeq: number,
    private vectorDim: number | undefined,
    private readonly opts: ImportOptions,
  ) {}

  static async open(store: TraceStore, lang: string, opts: ImportOptions): Promise<TableWriter> {
    const table = await store.table(lang);
    if (!table) return new TableWriter(store, await store.createTable(lang), 0, undefined, opts);
    const schema = await table.schema();
    // A store made before splits were kept: its traces' splits are unknown (null), new ones say theirs.
    if (!schema.fields.some((f) => f.name === SPLIT_COLUMN)) await table.addColumns(splitField());
    // A store made before provenance was kept: its traces' columns are null, new ones fill theirs.
    const missing = missingProvenanceFields(schema);
    if (missing.length > 0) await table.addColumns(missing);
    const vector = schema.fields.find((f) => f.name === "vector");
    return new TableWriter(store, table, await table.countRows(), vector ? (vector.type as { listSize: number }).listSize : undefined, opts);
  }

  async write(rows: TraceRow[]): Promise<{ added: number; skipped: number; rejected: RejectedRow[] }> {
    await this.inflight;
    const present = await existingIds(this.table, rows.map((r) => r.id));
    const fresh = rows.filter((r) => !present.has(r.id));
    const skipped = rows.length - fresh.length;
    if (fresh.length === 0) return { added: 0, skipped, rejected: [] };

    if (this.opts.embed) {
      const missing = fresh.filter((r) => r.vector === undefined);
      if (missing.length > 0) {
        const vectors = await this.opts.embed(missing.map((r) => r.question));
        missing.forEach((r, i) => (r.vector = vectors[i]));
      }
    }
    const withVector = fresh.find((r) => r.vector !== undefined);
    if (withVector && this.vectorDim === undefined) await this.addVectorColumn(withVector.vector!.length);
    const rejected: RejectedRow[] = [];
    const accepted: NumberedRow[] = [];
    for (const r of fresh) {
      if (r.vector !== undefined && r.vector.length !== this.vectorDim) {
        rejected.push({ where: `id ${r.id}`, field: "vector", message: `has ${r.vector.length} dimensions; the store's vectors have ${this.vectorDim}` });
      } else {
        accepted.push({ ...r, seq: this.nextSeq++ });
      }
    }
    if (accepted.length > 0) {
      this.inflight = this.table.add(traceBatch(accepted, this.vectorDim));
      this.wrote = true;
    }
    return { added: accepted.length, skipped, rejected };
  }

  async finish(): Promise<void> {
    await this.inflight;
  }

  private async addVectorColumn(dim: number): Promise<void> {
    const schema = await this.table.schema();
    if (!schema.fields.some((f) => f.name === "vector")) await this.table.addColumns(vectorField(dim));
    this.vectorDim = dim;
    if (this.opts.embedding) {
      const meta = this.store.meta();
      if (!meta.embedding) this.store.writeMeta({ ...meta, embedding: { ...this.opts.embedding, dim } });
    }
  }
}
