// `medeval traces search`: BM25 over one language's full-text index, for looking at the store.
import { ftsQueryText, lancedb } from "../lancedb.ts";
import type { TraceStore } from "./store.ts";
import { presentProvenanceColumns, provenanceOf, type TraceProvenance } from "./provenance.ts";

export interface SearchHit {
  id: string;
  score: number;
  source_dataset: string;
  source_question_id: string;
  question: string;
  /** Where a trace medeval made came from (null: imported from elsewhere, or a store without the provenance columns). */
  provenance: TraceProvenance | null;
}

export async function searchTraces(store: TraceStore, text: string, opts: { lang: string; k: number }): Promise<SearchHit[]> {
  const table = await store.requireTable(opts.lang);
  const query = ftsQueryText(text);
  if (query === "") return [];
  const { MatchQuery } = await lancedb();
  const rows = await table
    .query()
    .fullTextSearch(new MatchQuery(query, "question"))
    .select(["id", "source_dataset", "source_question_id", "question", "_score", ...presentProvenanceColumns(await table.schema())])
    .limit(opts.k)
    .toArray();
  return rows.map((r) => ({
    id: String(r.id),
    score: Number(r._score),
    source_dataset: String(r.source_dataset),
    source_question_id: String(r.source_question_id),
    question: String(r.question),
    provenance: provenanceOf(r),
  }));
}
