// `medeval traces search`: BM25 over one language's questions, for looking at the store: the
// index and scores few-shot selection uses (bm25.ts), every word of the text in the query.
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
  const index = await store.bm25(opts.lang);
  const hits = index.search(index.queryTerms(text, 0), opts.k);
  if (hits.length === 0) return [];
  const found = await table
    .takeRowIds(hits.map((h) => h.rowId))
    .select(["id", "source_dataset", "source_question_id", "question", ...presentProvenanceColumns(await table.schema())])
    .withRowId()
    .toArray();
  const byRowId = new Map(found.map((r) => [Number(r._rowid), r]));
  const rows = hits.flatMap((h) => {
    const row = byRowId.get(h.rowId);
    return row ? [{ ...row, _score: h.score }] : [];
  });
  return rows.map((r) => ({
    id: String(r.id),
    score: Number(r._score),
    source_dataset: String(r.source_dataset),
    source_question_id: String(r.source_question_id),
    question: String(r.question),
    provenance: provenanceOf(r),
  }));
}
