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

export async function searchCorpus(store: CorpusStore, name: string, query: string, opts: { lang?: string; k: number }): Promise<CorpusHit[]> {
  const langs = await store.requireCorpus(name);
  if (opts.lang !== undefined && !langs.includes(opts.lang)) {
    throw new UserError(`corpus "${name}" has no passages in language "${opts.lang}" (it has: ${langs.join(", ")}).`);
  }
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
      .select(["id", "title", "language", "url", "text", "_score"])
      .limit(opts.k)
      .toArray();
    for (const r of rows) {
      hits.push({ id: String(r.id), title: String(r.title), language: String(r.language), url: r.url == null ? null : String(r.url), score: Number(r._score), text: String(r.text) });
    }
  }
  return hits.sort((a, b) => b.score - a.score).slice(0, opts.k);
}
