// Every trace of one language, in store order (by seq), read a page at a time.
import { TRACE_COLUMNS, SPLIT_COLUMN, type TraceStore } from "./store.ts";
import type { Trace } from "./schema.ts";
import { toTrace } from "./select.ts";
import { presentProvenanceColumns, provenanceOf, type TraceProvenance } from "./provenance.ts";

/** Rows read per query: bounds memory for a large store. */
export const SCAN_PAGE_ROWS = 10_000;

/** A trace and where it came from (null: imported from elsewhere, or a store without the provenance columns). */
export interface TraceWithProvenance extends Trace {
  provenance: TraceProvenance | null;
}

async function* scanRows(store: TraceStore, lang: string, withProvenance: boolean): AsyncGenerator<Record<string, unknown>> {
  const table = await store.requireTable(lang);
  const schema = await table.schema();
  const columns = [...TRACE_COLUMNS, "seq", ...(schema.fields.some((f) => f.name === SPLIT_COLUMN) ? [SPLIT_COLUMN] : [])];
  if (withProvenance) columns.push(...presentProvenanceColumns(schema));
  const total = await table.countRows();
  for (let start = 0; start < total; start += SCAN_PAGE_ROWS) {
    const rows = await table.query().where(`seq >= ${start} AND seq < ${start + SCAN_PAGE_ROWS}`).select(columns).toArray();
    yield* rows.sort((a, b) => Number(a.seq) - Number(b.seq));
  }
}

export async function* scanTraces(store: TraceStore, lang: string): AsyncGenerator<Trace> {
  for await (const row of scanRows(store, lang, false)) yield toTrace(row, lang);
}

export async function* scanTracesWithProvenance(store: TraceStore, lang: string): AsyncGenerator<TraceWithProvenance> {
  for await (const row of scanRows(store, lang, true)) yield { ...toTrace(row, lang), provenance: provenanceOf(row) };
}

export async function allTraces(store: TraceStore, lang: string): Promise<Trace[]> {
  const out: Trace[] = [];
  for await (const t of scanTraces(store, lang)) out.push(t);
  return out;
}
