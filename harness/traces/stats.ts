// What the store holds: traces per language and source dataset, and how many carry vectors.
import type { TraceStore } from "./store.ts";

export interface StoreStats {
  dir: string;
  total: number;
  languages: { lang: string; traces: number; with_vector: number; by_source: Record<string, number> }[];
  embedding_model: string | null;
}

export async function storeStats(store: TraceStore): Promise<StoreStats> {
  const stats: StoreStats = { dir: store.dir, total: 0, languages: [], embedding_model: store.meta().embedding?.model ?? null };
  for (const lang of await store.languages()) {
    const table = await store.requireTable(lang);
    const bySource: Record<string, number> = {};
    let traces = 0;
    // Batch by batch over one column: counts without holding the table in memory.
    for await (const batch of table.query().select(["source_dataset"])) {
      const column = batch.getChild("source_dataset")!;
      for (let i = 0; i < batch.numRows; i++) {
        const source = String(column.get(i));
        bySource[source] = (bySource[source] ?? 0) + 1;
      }
      traces += batch.numRows;
    }
    const hasVector = (await table.schema()).fields.some((f) => f.name === "vector");
    const withVector = hasVector ? await table.countRows("vector IS NOT NULL") : 0;
    stats.languages.push({ lang, traces, with_vector: withVector, by_source: bySource });
    stats.total += traces;
  }
  return stats;
}
