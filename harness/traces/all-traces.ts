// Every trace of one language, in store order (by seq), read a page at a time.
import { TRACE_COLUMNS, SPLIT_COLUMN, type TraceStore } from "./store.ts";
import type { Trace } from "./schema.ts";
import { toTrace } from "./select.ts";

/** Rows read per query: bounds memory for a large store. */
export const SCAN_PAGE_ROWS = 10_000;

export async function* scanTraces(store: TraceStore, lang: string): AsyncGenerator<Trace> {
  const table = await store.requireTable(lang);
  const columns = (await table.schema()).fields.some((f) => f.name === SPLIT_COLUMN) ? [...TRACE_COLUMNS, SPLIT_COLUMN] : [...TRACE_COLUMNS];
  const total = await table.countRows();
  for (let start = 0; start < total; start += SCAN_PAGE_ROWS) {
    const rows = await table.query().where(`seq >= ${start} AND seq < ${start + SCAN_PAGE_ROWS}`).select(columns).toArray();
    for (const row of rows.sort((a, b) => Number(a.seq) - Number(b.seq))) yield toTrace(row);
  }
}

export async function allTraces(store: TraceStore, lang: string): Promise<Trace[]> {
  const out: Trace[] = [];
  for await (const t of scanTraces(store, lang)) out.push(t);
  return out;
}
