// Document frequencies of question words, per language table, so a long test question can be
// turned into a short BM25 query of its most distinctive words (the "more like this" approach
// of Lucene/Elasticsearch, whose max_query_terms defaults to 25). A query with every word of a
// 150-word vignette walks ~100 posting lists and took ~130 ms on 166k traces; 16 words, ~5 ms.
// Computed after each import and kept beside the table, tagged with the table version it
// describes; recomputed (one scan of one column) when the table has moved on.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Table } from "@lancedb/lancedb";
import { normalizeQuestion } from "./normalize.ts";

export interface TermStats {
  docs: number;
  df: Map<string, number>;
}

interface TermStatsFile {
  version: number;
  docs: number;
  df: Record<string, number>;
}

export function termStatsPath(dir: string, tableName: string): string {
  return join(dir, `${tableName}.terms.json`);
}

export async function computeTermStats(table: Table): Promise<TermStats> {
  const df = new Map<string, number>();
  let docs = 0;
  for await (const batch of table.query().select(["norm_question"])) {
    const column = batch.getChild("norm_question")!;
    for (let i = 0; i < batch.numRows; i++) {
      for (const term of new Set(String(column.get(i)).split(" "))) if (term) df.set(term, (df.get(term) ?? 0) + 1);
    }
    docs += batch.numRows;
  }
  return { docs, df };
}

/** The table's term statistics, from the file when it matches the table's version, else recomputed and saved. */
export async function loadTermStats(table: Table, file: string): Promise<TermStats> {
  const version = await table.version();
  if (existsSync(file)) {
    try {
      const saved = JSON.parse(readFileSync(file, "utf8")) as TermStatsFile;
      if (saved.version === version) return { docs: saved.docs, df: new Map(Object.entries(saved.df)) };
    } catch {
      // unreadable: recompute below
    }
  }
  return saveTermStats(table, file);
}

export async function saveTermStats(table: Table, file: string): Promise<TermStats> {
  const stats = await computeTermStats(table);
  const body: TermStatsFile = { version: await table.version(), docs: stats.docs, df: Object.fromEntries(stats.df) };
  writeFileSync(file, JSON.stringify(body));
  return stats;
}

/**
 * The question's most distinctive words: distinct normalised words ordered by document
 * frequency (rarest first; words the store has never seen go last, since only their stems
 * can match), ties in question order, at most maxTerms (0: all).
 */
export function distinctiveTerms(question: string, stats: TermStats, maxTerms: number): string[] {
  const words = [...new Set(normalizeQuestion(question).split(" ").filter((w) => w.length > 0))];
  if (maxTerms <= 0 || words.length <= maxTerms) return words;
  const rank = (w: string) => stats.df.get(w) ?? Number.POSITIVE_INFINITY;
  return words
    .map((w, i) => ({ w, i, df: rank(w) }))
    .sort((a, b) => a.df - b.df || a.i - b.i)
    .slice(0, maxTerms)
    .sort((a, b) => a.i - b.i)
    .map((x) => x.w);
}
