// `medeval traces search`: BM25 over one language's full-text index, for looking at the store.
import { ftsQueryText, lancedb } from "../lancedb.ts";
import type { TraceStore } from "./store.ts";

export interface SearchHit {
  id: string;
  score: number;
  source_dataset: string;
  source_question_id: string;
  question: string;
}

export async function searchTraces(store: TraceStore, text: string, opts: { lang: string; k: number }): Promise<SearchHit[]> {
  const table = await store.requireTable(opts.lang);
  const query = ftsQueryText(text);
  if (query === "") return [];
  const { MatchQuery } = await lancedb();
  const rows = await table
    .query()
    .fullTextSearch(new MatchQuery(query, "question"))
    .select(["id", "source_dataset", "source_question_id", "question", "_score"])
    .limit(opts.k)
    .toArray();
  return rows.map((r) => ({
    id: String(r.id),
    score: Number(r._score),
    source_dataset: String(r.source_dataset),
    source_question_id: String(r.source_question_id),
    question: String(r.question),
  }));
}
