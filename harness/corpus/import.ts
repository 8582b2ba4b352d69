// `medeval corpus import`: stream a passage file into the corpus store in batches (never the
// whole corpus in memory), chunk each passage by paragraph, reject malformed rows with their
// line and field, and skip (or replace) passages the corpus already holds, so a re-import of
// the same file changes nothing. Then bring each language's indexes up to date.
import type { Table } from "@lancedb/lancedb";
import { downloadHubFile, type HubDownload, type HubDownloadOptions } from "../data/hub-download.ts";
import { parseHubSource } from "../data/hub-source.ts";
import { streamFormatOf, streamRecords } from "../data/stream-records.ts";
import { existingIds, sqlString } from "../lancedb.ts";
import { UserError } from "../types.ts";
import { chunkText, DEFAULT_CHUNK_CHARS } from "./chunk.ts";
import { isRejectedPassage, parsePassage, type Passage, type PassageFieldMap, type RejectedPassage } from "./passage.ts";
import { checkCorpusName, vectorDimOf, type CorpusStore, type PassageChunk } from "./store.ts";

/** Passages already in the corpus: left as they are, or deleted (all their chunks) and written anew. */
export type ExistingPassages = "skip" | "replace";

/** Chunks per write per language: ~6 MB of text at the default chunk size. */
export const DEFAULT_CORPUS_BATCH = 4096;

export interface CorpusImportOptions {
  name: string;
  chunkChars?: number;
  langDefault?: string;
  fields?: PassageFieldMap;
  existing?: ExistingPassages;
  batchSize?: number;
  /** How many rejects to keep for the report; all are counted. */
  maxRejectsKept?: number;
  onProgress?: (progress: CorpusImportProgress) => void;
  /** For hf: sources (tests inject fetch and home here). */
  hub?: HubDownloadOptions;
  /** Fills each chunk's vector (title and text) through an embeddings endpoint; recorded for the corpus. */
  embed?: CorpusEmbedder;
}

/** Texts in, one vector per text out, in order; `model` (and `url`) are recorded so queries are embedded alike. */
export interface CorpusEmbedder {
  embed: (texts: string[]) => Promise<number[][]>;
  model: string;
  url?: string;
}

export interface CorpusImportProgress {
  read: number;
  passages_added: number;
  chunks_added: number;
  skipped: number;
  replaced: number;
  rejected: number;
}

export interface CorpusImportReport extends CorpusImportProgress {
  source: string;
  file: string;
  hub?: { repo: string; revision: string; path: string; commit: string | null; sha256: string };
  rejects: RejectedPassage[];
  chunks_by_lang: Record<string, number>;
  seconds: number;
  index_seconds: number;
}

interface PendingPassage {
  sourceId: string;
  chunks: PassageChunk[];
}

export async function importCorpus(store: CorpusStore, source: string, opts: CorpusImportOptions): Promise<CorpusImportReport> {
  const started = performance.now();
  checkCorpusName(opts.name);
  const hub = parseHubSource(source);
  const download: HubDownload | undefined = hub ? await downloadHubFile(hub, { configuredIn: "medeval corpus import", ...opts.hub }) : undefined;
  const file = download ? download.file : source;
  const format = streamFormatOf(download ? download.path : file);
  if (!format) throw new UserError(`${source}: unknown passage file type. Expected .jsonl, .jsonl.gz, .json or .parquet.`);

  const vectors = await vectorPlan(store, opts);
  const chunkChars = opts.chunkChars ?? DEFAULT_CHUNK_CHARS;
  const batchSize = opts.batchSize ?? DEFAULT_CORPUS_BATCH;
  const maxRejectsKept = opts.maxRejectsKept ?? 20;
  const report: CorpusImportReport = {
    source,
    file,
    hub: download && { repo: download.repo, revision: download.revision, path: download.path, commit: download.commit, sha256: download.sha256 },
    read: 0,
    passages_added: 0,
    chunks_added: 0,
    skipped: 0,
    replaced: 0,
    rejected: 0,
    rejects: [],
    chunks_by_lang: {},
    seconds: 0,
    index_seconds: 0,
  };
  const reject = (r: RejectedPassage) => {
    report.rejected++;
    if (report.rejects.length < maxRejectsKept) report.rejects.push(r);
  };
  // The ids of a batch only: a repeat in a later batch is found in the table (skipped, or
  // with --replace the later row wins), so memory stays flat however many passages there are.
  const batches = new Map<string, { passages: PendingPassage[]; chunks: number; ids: Set<string> }>();
  const writers = new Map<string, LanguageWriter>();
  const flush = async (lang: string) => {
    const batch = batches.get(lang);
    if (!batch) return;
    batches.delete(lang);
    let writer = writers.get(lang);
    if (!writer) {
      const table = (await store.table(opts.name, lang)) ?? (await store.createTable(opts.name, lang, vectors?.dim));
      const dim = await vectorDimOf(table);
      if (dim !== vectors?.dim) {
        throw new UserError(
          dim === undefined
            ? `corpus "${opts.name}" (${lang}) was imported without vectors: a corpus is searched by embeddings only when every passage has one. Import into a new corpus name with the embeddings endpoint.`
            : `corpus "${opts.name}" (${lang}) holds ${dim}-dimensional vectors from "${store.embedding(opts.name)?.model ?? "an embedding model"}": import with that embeddings endpoint too, so every passage has a vector.`,
        );
      }
      writer = new LanguageWriter(table, opts.existing ?? "skip", opts.embed);
      writers.set(lang, writer);
    }
    const outcome = await writer.write(batch.passages);
    report.passages_added += outcome.passages;
    report.chunks_added += outcome.chunks;
    report.skipped += outcome.skipped;
    report.replaced += outcome.replaced;
    report.chunks_by_lang[lang] = (report.chunks_by_lang[lang] ?? 0) + outcome.chunks;
    opts.onProgress?.(report);
  };

  for await (const record of streamRecords(file, "passage file", format)) {
    report.read++;
    if ("unreadable" in record) {
      reject({ where: record.where, field: "(json)", message: record.unreadable });
      continue;
    }
    const passage = parsePassage(record.data, record.where, opts.fields ?? {}, opts.langDefault);
    if (isRejectedPassage(passage)) {
      reject(passage);
      continue;
    }
    let batch = batches.get(passage.language);
    if (!batch) {
      batch = { passages: [], chunks: 0, ids: new Set() };
      batches.set(passage.language, batch);
    }
    if (batch.ids.has(passage.id)) {
      report.skipped++; // the same id twice in one batch: the first one wins, as against the store
      continue;
    }
    batch.ids.add(passage.id);
    const pending = chunksOf(passage, chunkChars);
    batch.passages.push(pending);
    batch.chunks += pending.chunks.length;
    if (batch.chunks >= batchSize) await flush(passage.language);
  }
  for (const lang of [...batches.keys()]) await flush(lang);

  const indexStarted = performance.now();
  // Every table touched, even when nothing was new: an import cut off before its indexes were
  // built leaves rows unindexed, and the re-import that skips them all must still index them.
  for (const [lang, writer] of writers) await store.refreshIndexes(writer.table, lang);
  report.index_seconds = (performance.now() - indexStarted) / 1000;
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

/** A passage's chunks, with ids "<source id>#<chunk index>". */
export function chunksOf(passage: Passage, chunkChars: number): PendingPassage {
  const chunks = chunkText(passage.text, chunkChars).map((text, chunk) => ({
    id: `${passage.id}#${chunk}`,
    source_id: passage.id,
    chunk,
    title: passage.title,
    text,
    language: passage.language,
    url: passage.url,
  }));
  return { sourceId: passage.id, chunks };
}

/**
 * The vector width for this import: the corpus's recorded one (the same model required), or
 * the new model's, from one probe request; undefined for an import without embeddings.
 */
async function vectorPlan(store: CorpusStore, opts: CorpusImportOptions): Promise<{ dim: number } | undefined> {
  if (!opts.embed) return undefined;
  const recorded = store.embedding(opts.name);
  if (recorded) {
    if (recorded.model !== opts.embed.model) {
      throw new UserError(`corpus "${opts.name}" holds vectors from embedding model "${recorded.model}"; mixing in "${opts.embed.model}" would make vector search meaningless. Use ${recorded.model}, or a new corpus name.`);
    }
    return { dim: recorded.dim };
  }
  const [probe] = await opts.embed.embed(["dimension probe"]);
  if (!probe || probe.length === 0) throw new UserError(`the embeddings endpoint (model ${opts.embed.model}) returned an empty vector`);
  store.recordEmbedding(opts.name, { model: opts.embed.model, ...(opts.embed.url ? { url: opts.embed.url } : {}), dim: probe.length });
  return { dim: probe.length };
}

/** What a chunk's vector is made from: its title and its text. */
export function embeddingText(chunk: { title: string; text: string }): string {
  return chunk.title ? `${chunk.title}\n${chunk.text}` : chunk.text;
}

/** Writes batches of one language's passages, skipping or replacing those already there. */
class LanguageWriter {
  constructor(
    readonly table: Table,
    private readonly existing: ExistingPassages,
    private readonly embedder?: CorpusEmbedder,
  ) {}

  async write(passages: PendingPassage[]): Promise<{ passages: number; chunks: number; skipped: number; replaced: number }> {
    // A passage is in the store when its first chunk is: every passage has one.
    const present = await existingIds(
      this.table,
      passages.map((p) => p.chunks[0].id),
    );
    let fresh = passages;
    let skipped = 0;
    let replaced = 0;
    if (this.existing === "skip") {
      fresh = passages.filter((p) => !present.has(p.chunks[0].id));
      skipped = passages.length - fresh.length;
    } else {
      const stale = passages.filter((p) => present.has(p.chunks[0].id)).map((p) => sqlString(p.sourceId));
      for (let start = 0; start < stale.length; start += 2048) await this.table.delete(`source_id IN (${stale.slice(start, start + 2048).join(",")})`);
      replaced = stale.length;
    }
    const rows: (PassageChunk & { vector?: number[] })[] = fresh.flatMap((p) => p.chunks);
    if (rows.length > 0 && this.embedder) {
      const vectors = await this.embedder.embed(rows.map(embeddingText));
      if (vectors.length !== rows.length) throw new UserError(`the embeddings endpoint returned ${vectors.length} vectors for ${rows.length} passages`);
      rows.forEach((row, i) => (row.vector = vectors[i]));
    }
    if (rows.length > 0) await this.table.add(rows as unknown as Record<string, unknown>[]);
    return { passages: fresh.length - replaced, chunks: rows.length, skipped, replaced };
  }
}
