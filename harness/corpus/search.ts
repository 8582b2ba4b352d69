// `medeval corpus search`: BM25 over a corpus's full-text index, one language or all of them
// (each language's table scored by its own index; hits merged by score).
import { ftsQueryText, lancedb } from "../lancedb.ts";
import { UserError } from "../types.ts";
import type { CorpusStore } from "./store.ts";

export interface CorpusHit {
  id: string;
  title: string;
  language: string;
  url: string | null;
  score: number;
  text: string;
}

/** bm25: each language's full-text index; embedding: cosine similarity of the corpus's vectors to the query's. */
export type Retrieval = "bm25" | "embedding";
export const RETRIEVALS: readonly Retrieval[] = ["bm25", "embedding"];
export const DEFAULT_RETRIEVAL: Retrieval = "bm25";

export interface SearchOptions {
  lang?: string;
  k: number;
  retrieval?: Retrieval;
  /** Embeds the query (embedding retrieval); it must be the model the corpus's vectors came from. */
  embed?: (texts: string[]) => Promise<number[][]>;
}

const COLUMNS = ["id", "title", "language", "url", "text"];

function hitOf(r: Record<string, unknown>, score: number): CorpusHit {
  return { id: String(r.id), title: String(r.title), language: String(r.language), url: r.url == null ? null : String(r.url), score, text: String(r.text) };
}

export async function searchCorpus(store: CorpusStore, name: string, query: string, opts: SearchOptions): Promise<CorpusHit[]> {
  const langs = await store.requireCorpus(name);
  if (opts.lang !== undefined && !langs.includes(opts.lang)) {
    throw new UserError(`corpus "${name}" has no passages in language "${opts.lang}" (it has: ${langs.join(", ")}).`);
  }
  if ((opts.retrieval ?? DEFAULT_RETRIEVAL) === "embedding") return searchByVector(store, name, query, opts.lang ? [opts.lang] : langs, opts);
  const words = ftsQueryText(query);
  if (words === "") return [];
  const { MatchQuery } = await lancedb();
  const hits: CorpusHit[] = [];
  for (const lang of opts.lang ? [opts.lang] : langs) {
    const table = await store.table(name, lang);
    if (!table) continue;
    const rows = await table
      .query()
      .fullTextSearch(new MatchQuery(words, "text"))
      .select([...COLUMNS, "_score"])
      .limit(opts.k)
      .toArray();
    for (const r of rows) hits.push(hitOf(r, Number(r._score)));
  }
  return hits.sort((a, b) => b.score - a.score).slice(0, opts.k);
}

/** Nearest passages by cosine similarity (score = 1 − cosine distance), merged across the languages searched. */
async function searchByVector(store: CorpusStore, name: string, query: string, langs: string[], opts: SearchOptions): Promise<CorpusHit[]> {
  const recorded = store.embedding(name);
  if (!recorded) throw new UserError(`corpus "${name}" has no vectors: import it with an embeddings endpoint to search it by embedding, or use bm25.`);
  if (!opts.embed) throw new UserError(`embedding search of corpus "${name}" needs an embeddings endpoint for the query (its vectors come from "${recorded.model}").`);
  const [vector] = await opts.embed([query]);
  if (!vector || vector.length !== recorded.dim) {
    throw new UserError(`the embeddings endpoint returned a ${vector?.length ?? 0}-dimensional vector; corpus "${name}" holds ${recorded.dim}-dimensional ones from "${recorded.model}": use that model.`);
  }
  const hits: CorpusHit[] = [];
  for (const lang of langs) {
    const table = await store.table(name, lang);
    if (!table) continue;
    const rows = await table.vectorSearch(vector).column("vector").distanceType("cosine").select([...COLUMNS, "_distance"]).limit(opts.k).toArray();
    for (const r of rows) hits.push(hitOf(r, 1 - Number(r._distance)));
  }
  return hits.sort((a, b) => b.score - a.score).slice(0, opts.k);
}
