// Trace-store benchmark: import time, store size, peak memory and BM25 selection latency.
//   npx tsx bench/traces.ts [--n 500000] [--file traces.jsonl] [--queries 200] [--reimport] [--whole-question] [--json OUT]
// Targets (issue 4), for 500,000 traces: import < 2 min, selection p50 < 10 ms, peak RSS < 1 GB.
// The trace file is generated (bench/gen-traces.ts, in a child process so its memory is not
// counted) when missing; the store goes to a fresh temporary folder.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { hashJson } from "../harness/hash.ts";
import { importTraces } from "../harness/traces/import.ts";
import { selectShots, type SelectMethod } from "../harness/traces/select.ts";
import { TraceStore } from "../harness/traces/store.ts";
import type { Item } from "../harness/types.ts";
import { syntheticTrace } from "./gen-traces.ts";

function arg(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

const n = Number(arg("n") ?? 500_000);
const queries = Number(arg("queries") ?? 200);
const file = resolve(arg("file") ?? join(tmpdir(), `medeval-bench-traces-${n}.jsonl`));
const LANGS = ["en", "it", "es"];

function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? dirBytes(path) : statSync(path).size;
  }
  return total;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

const peakRssMb = () => process.resourceUsage().maxRSS / 1024;

/** Test items the store has never seen: same generator, another seed. */
function benchItems(count: number): Item[] {
  return Array.from({ length: count }, (_, i) => {
    const t = syntheticTrace(i, { n: count, seed: 424242, langs: LANGS }) as { question: string; options: string[]; lang: string };
    return { id: `bench-${i}`, question: t.question, options: t.options, answer: 0, lang: t.lang, hash: hashJson(t) };
  });
}

async function latencies(store: TraceStore, items: Item[], method: SelectMethod, bm25Terms?: number): Promise<{ p50: number; p95: number; mean: number }> {
  for (const it of items.slice(0, 10)) await selectShots(store, it, { k: 5, method, seed: 1, bm25Terms }); // warm caches and index pages
  const times: number[] = [];
  for (const it of items) {
    const started = performance.now();
    await selectShots(store, it, { k: 5, method, seed: 1, taskFamily: "medqa", bm25Terms });
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p95: percentile(times, 0.95), mean: times.reduce((s, t) => s + t, 0) / times.length };
}

async function main(): Promise<void> {
  if (!existsSync(file)) {
    process.stdout.write(`generating ${n} synthetic traces into ${file} …\n`);
    const gen = spawnSync(process.execPath, ["--import", "tsx", join(import.meta.dirname, "gen-traces.ts"), "--n", String(n), "--out", file], { stdio: "inherit" });
    if (gen.status !== 0) throw new Error("trace generation failed");
  }
  const dir = mkdtempSync(join(tmpdir(), "medeval-bench-store-"));
  try {
    const store = await TraceStore.open(dir);
    const report = await importTraces(store, file);
    const rssAfterImport = peakRssMb();
    let reimportSeconds: number | null = null;
    if (process.argv.includes("--reimport")) {
      const again = await importTraces(store, file);
      if (again.added !== 0) throw new Error(`re-import added ${again.added} rows`);
      reimportSeconds = again.seconds;
    }
    const storeMb = dirBytes(dir) / 2 ** 20;
    const items = benchItems(queries);
    const bm25 = await latencies(store, items, "bm25");
    const random = await latencies(store, items, "random");
    const rssBeforeWholeQuestion = peakRssMb();
    // For comparison: every word of the question in the query (bm25Terms 0).
    const bm25Whole = process.argv.includes("--whole-question") ? await latencies(store, items, "bm25", 0) : null;
    store.close();

    const figures = {
      traces: n,
      file_mb: statSync(file).size / 2 ** 20,
      added: report.added,
      import_seconds: report.seconds,
      index_seconds: report.index_seconds,
      reimport_seconds: reimportSeconds,
      store_mb: storeMb,
      peak_rss_mb_import: rssAfterImport,
      peak_rss_mb: rssBeforeWholeQuestion,
      peak_rss_mb_with_whole_question: bm25Whole ? peakRssMb() : null,
      queries,
      bm25_ms: bm25,
      random_ms: random,
      bm25_whole_question_ms: bm25Whole,
      cores: (await import("node:os")).availableParallelism(),
      loadavg_1m: (await import("node:os")).loadavg()[0],
    };
    const fmt = (x: number) => x.toFixed(1);
    const target = (ok: boolean) => (ok ? "ok" : "MISSED");
    process.stdout.write(
      [
        `traces            ${n} (${fmt(figures.file_mb)} MiB of jsonl)`,
        `import            ${fmt(report.seconds)} s (of which indexes ${fmt(report.index_seconds)} s)   target < 120 s: ${target(report.seconds < 120)}`,
        reimportSeconds === null ? null : `re-import         ${fmt(reimportSeconds)} s, 0 added`,
        `store on disk     ${fmt(storeMb)} MiB`,
        `peak RSS          ${fmt(figures.peak_rss_mb)} MiB (after import ${fmt(rssAfterImport)})   target < 1024: ${target(figures.peak_rss_mb < 1024)}`,
        `bm25 selection    p50 ${fmt(bm25.p50)} ms, p95 ${fmt(bm25.p95)} ms over ${queries} queries, k=5, 16 query words   target p50 < 10 ms: ${target(bm25.p50 < 10)}`,
        `random selection  p50 ${fmt(random.p50)} ms, p95 ${fmt(random.p95)} ms`,
        bm25Whole === null
          ? null
          : `bm25, whole question as the query (bm25Terms 0): p50 ${fmt(bm25Whole.p50)} ms, p95 ${fmt(bm25Whole.p95)} ms; peak RSS then ${fmt(peakRssMb())} MiB`,
        `machine           ${figures.cores} cores, 1-min load average ${fmt(figures.loadavg_1m)} at the end`,
      ]
        .filter((l) => l !== null)
        .join("\n") + "\n",
    );
    const out = arg("json");
    if (out) writeFileSync(out, `${JSON.stringify(figures, null, 2)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
