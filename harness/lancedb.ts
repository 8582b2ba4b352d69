// LanceDB, shared by the trace store and the passage corpus: the lazy import of its native
// module, the thread setting it needs, the full-text index options per language, and the id
// look-up both stores use to stay idempotent.
//
// Imported on first use: its native module is ~155 MB and ~0.3 s to load, which a command
// that never opens a store (a zero-shot `run`, `--version`) must not pay. Modules of the
// stores import only its types statically and call lancedb() for its values.
import { availableParallelism } from "node:os";
import type { Table } from "@lancedb/lancedb";

type LanceDb = typeof import("@lancedb/lancedb");

// Lance sizes its CPU pool as the core count minus 2 reserved for I/O, so on a 2-core machine
// it has a single thread, and the full-text index builder then deadlocks (every thread
// parked, 0% CPU: lancedb/lancedb#3568, lance-format/lance#7350). Give it headroom unless the
// user chose. Set before the first LanceDB call, which is when Lance reads it.
if (!process.env.LANCE_CPU_THREADS) process.env.LANCE_CPU_THREADS = String(Math.max(4, availableParallelism() + 2));

let loading: Promise<LanceDb> | undefined;

export function lancedb(): Promise<LanceDb> {
  loading ??= import("@lancedb/lancedb");
  return loading;
}

/** Snowball stemmers LanceDB ships, by language code; other languages are indexed unstemmed. */
const STEMMER_LANGUAGE: Record<string, string> = {
  en: "English",
  it: "Italian",
  es: "Spanish",
  fr: "French",
  pt: "Portuguese",
  de: "German",
};

/** Full-text index options for one language: its stemmer and stop words where LanceDB has them. */
export function ftsIndexOptions(lang: string) {
  const language = STEMMER_LANGUAGE[lang];
  return language
    ? { language, stem: true, removeStopWords: true, asciiFolding: true, lowercase: true, withPosition: false }
    : { stem: false, removeStopWords: false, asciiFolding: true, lowercase: true, withPosition: false };
}

/** Which of these ids the table already holds, looked up (through an id btree, where there is one) in chunks. */
export async function existingIds(table: Table, ids: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  const chunk = 2048;
  for (let start = 0; start < ids.length; start += chunk) {
    const list = ids
      .slice(start, start + chunk)
      .map(sqlString)
      .join(",");
    const rows = (await table.query().where(`id IN (${list})`).select(["id"]).toArray()) as { id: string }[];
    for (const row of rows) found.add(row.id);
  }
  return found;
}

export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * A query (a test question, a search) as plain words, each once: no character can be read as query syntax, and
 * a word repeated in a long vignette costs one posting-list walk, not several.
 */
export function ftsQueryText(question: string): string {
  const words = question.split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 0);
  const seen = new Set<string>();
  const unique: string[] = [];
  for (const word of words) {
    const key = word.toLowerCase();
    if (!seen.has(key)) {
      seen.add(key);
      unique.push(word);
    }
  }
  return unique.join(" ");
}

/**
 * Builds a table's full-text index on one column with the language's stemmer, rebuilt whole
 * when rows were added: after LanceDB 0.31's incremental FTS update, small top-k searches were
 * seen to miss the best-scoring new row (limit 1 returned a lower-scored hit).
 */
export async function refreshFtsIndex(table: Table, column: string, lang: string): Promise<void> {
  const { Index } = await lancedb();
  const fts = (await table.listIndices()).find((i) => i.columns[0] === column);
  const stale = fts ? ((await table.indexStats(fts.name))?.numUnindexedRows ?? 0) > 0 : true;
  if (stale) await table.createIndex(column, { config: Index.fts(ftsIndexOptions(lang)), replace: true });
}

/** IVF-PQ needs a few thousand vectors to train; below that a flat scan is fast anyway. */
export const VECTOR_INDEX_MIN_ROWS = 5000;
