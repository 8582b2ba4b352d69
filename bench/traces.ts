// Trace-store benchmark: import time, store size, peak memory and selection latency (random, BM25,
// embedding).
//   npx tsx bench/traces.ts [--n 500000] [--file traces.jsonl] [--queries 200] [--reimport] [--whole-question] [--json OUT]
//     [--keep-store DIR]   import into DIR (and DIR-vectors) once and keep them; later runs measure selection only
//     [--embed-dim 128]    dimensions of the synthetic vectors of the embedding store (0: no embedding store)
//     [--concurrency 8]    items selected at once for the per-item figure (a run selects as many as it has requests in flight)
// Targets, for 500,000 traces: import < 2 min, peak RSS < 1 GB (issue 4); bm25 selection p50 ≤ 5 ms,
// p99 ≤ 15 ms (issue 18). Embedding selection is reported (issue 18) on a second store, the same
// traces with vectors from a deterministic hashed bag-of-words embedder (hashEmbedder below): its
// import and index times show what the IVF-PQ index costs over the plain store's.
// The trace file is generated (bench/gen-traces.ts) when missing; the store goes to a fresh
// temporary folder. Each phase (import, re-import, selection) runs in its own process, as it
// does for a user (`medeval traces import`, then `medeval run`), so each peak RSS
// (process.resourceUsage().maxRSS, a high-water mark) is that phase's own.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { hashJson } from "../harness/hash.ts";
import type { EmbedFn } from "../harness/traces/embed.ts";
import { importTraces } from "../harness/traces/import.ts";
import { normalizeQuestion } from "../harness/traces/normalize.ts";
import { selectShots, type SelectMethod, type SelectOptions } from "../harness/traces/select.ts";
import { TraceStore } from "../harness/traces/store.ts";
import type { Item } from "../harness/types.ts";
import { syntheticTrace } from "./gen-traces.ts";

function arg(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

const RESULT_PREFIX = "BENCH_RESULT ";
const LANGS = ["en", "it", "es"];
const DEFAULT_EMBED_DIM = 128;
const DEFAULT_CONCURRENCY = 8;
const peakRssMb = () => process.resourceUsage().maxRSS / 1024;

interface Latency {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  /** Wall time per item when `concurrency` items are selected at once, as a run's requests do. */
  per_item_concurrent: number;
  concurrency: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? dirBytes(path) : statSync(path).size;
  }
  return total;
}

/** Test items the store has never seen: same generator, another seed. */
function benchItems(count: number): Item[] {
  return Array.from({ length: count }, (_, i) => {
    const t = syntheticTrace(i, { n: count, seed: 424242, langs: LANGS }) as { question: string; options: string[]; lang: string };
    return { id: `bench-${i}`, question: t.question, options: t.options, answer: 0, lang: t.lang, hash: hashJson(t) };
  });
}

/**
 * A deterministic stand-in for an embedding model: each normalised word adds ±1 to a hashed
 * dimension (FNV-1a), L2-normalised, so questions sharing words lie close (cosine).
 */
export function hashEmbedder(dim: number): EmbedFn {
  return (texts) =>
    Promise.resolve(
      texts.map((text) => {
        const vector = new Array<number>(dim).fill(0);
        for (const word of normalizeQuestion(text).split(" ")) {
          if (!word) continue;
          let h = 0x811c9dc5;
          for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 0x01000193) >>> 0;
          vector[h % dim] += h & 0x80000000 ? -1 : 1;
        }
        const norm = Math.hypot(...vector) || 1;
        return vector.map((v) => v / norm);
      }),
    );
}

async function latencies(store: TraceStore, items: Item[], method: SelectMethod, extra: Partial<SelectOptions> = {}): Promise<Latency> {
  const opts: SelectOptions = { k: 5, method, seed: 1, taskFamily: "medqa", ...extra };
  for (const it of items.slice(0, 10)) await selectShots(store, it, opts); // warm caches and index pages
  const times: number[] = [];
  for (const it of items) {
    const started = performance.now();
    await selectShots(store, it, opts);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  // The same items again, `concurrency` at a time (a run's in-flight requests each select their shots).
  const concurrency = Number(arg("concurrency") ?? DEFAULT_CONCURRENCY);
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        await selectShots(store, items[next++], opts);
      }
    }),
  );
  const perItem = (performance.now() - started) / items.length;
  return {
    p50: percentile(times, 0.5),
    p95: percentile(times, 0.95),
    p99: percentile(times, 0.99),
    mean: times.reduce((s, t) => s + t, 0) / times.length,
    per_item_concurrent: perItem,
    concurrency,
  };
}

/** Each bench item's query vector, embedded before timing: the figure is the search's, not the embedder's. */
async function queryEmbedder(items: Item[], dim: number): Promise<EmbedFn> {
  const vectors = await hashEmbedder(dim)(items.map((it) => it.question));
  const byQuestion = new Map(items.map((it, i) => [it.question, vectors[i]]));
  return (texts) => Promise.resolve(texts.map((t) => byQuestion.get(t) ?? []));
}

/** One phase, in this (child) process; its figures go to stdout on one tagged line. */
async function runPhase(phase: string, storeDir: string, file: string): Promise<void> {
  const store = await TraceStore.open(storeDir);
  const dim = Number(arg("embed-dim") ?? DEFAULT_EMBED_DIM);
  let result: Record<string, unknown>;
  if (phase === "import" || phase === "reimport" || phase === "import-vectors") {
    const vectors = phase === "import-vectors" ? { embed: hashEmbedder(dim), embedding: { model: `bench-hash-${dim}` } } : {};
    const report = await importTraces(store, file, vectors);
    result = { added: report.added, skipped: report.skipped, rejected: report.rejected, seconds: report.seconds, index_seconds: report.index_seconds };
  } else if (phase === "select-vectors") {
    const items = benchItems(Number(arg("queries") ?? 200));
    result = { embedding: await latencies(store, items, "embedding", { embed: await queryEmbedder(items, dim) }) };
  } else {
    const items = benchItems(Number(arg("queries") ?? 200));
    const bm25 = await latencies(store, items, "bm25");
    const random = await latencies(store, items, "random");
    const rssBeforeWhole = peakRssMb();
    // For comparison: every word of the question in the query (bm25Terms 0).
    const whole = process.argv.includes("--whole-question") ? await latencies(store, items, "bm25", { bm25Terms: 0 }) : null;
    result = { bm25, random, whole, peak_rss_mb_before_whole: rssBeforeWhole };
  }
  store.close();
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify({ ...result, peak_rss_mb: peakRssMb() })}\n`);
}

function child(phase: string, storeDir: string, file: string): Record<string, any> {
  const passed = ["queries", "embed-dim", "concurrency"];
  const extra = process.argv.slice(2).filter((a, i, all) => a === "--whole-question" || passed.some((p) => a === `--${p}` || all[i - 1] === `--${p}`));
  const r = spawnSync(process.execPath, ["--import", "tsx", import.meta.filename, "--phase", phase, "--store", storeDir, "--file", file, ...extra], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 1 << 24,
  });
  const line = r.stdout.split("\n").find((l) => l.startsWith(RESULT_PREFIX));
  if (r.status !== 0 || !line) throw new Error(`bench phase ${phase} failed (exit ${r.status})\n${r.stdout}`);
  return JSON.parse(line.slice(RESULT_PREFIX.length));
}

const fmt = (x: number) => x.toFixed(1);
const target = (ok: boolean) => (ok ? "ok" : "MISSED");
const latencyLine = (l: Latency) => `p50 ${fmt(l.p50)} ms, p95 ${fmt(l.p95)} ms, p99 ${fmt(l.p99)} ms; ${fmt(l.per_item_concurrent)} ms per item at concurrency ${l.concurrency}`;

/** The embedding store: imported once (kept beside a kept store), then its selection measured. */
function vectorFigures(dir: string, kept: boolean, file: string): { imported: Record<string, any> | null; select: Record<string, any>; store_mb: number } {
  const reuse = kept && existsSync(join(dir, "traces_en.lance"));
  const imported = reuse ? null : child("import-vectors", dir, file);
  return { imported, select: child("select-vectors", dir, file), store_mb: dirBytes(dir) / 2 ** 20 };
}

async function main(): Promise<void> {
  const n = Number(arg("n") ?? 500_000);
  const file = resolve(arg("file") ?? join(tmpdir(), `medeval-bench-traces-${n}.jsonl`));
  if (!existsSync(file)) {
    process.stdout.write(`generating ${n} synthetic traces into ${file} …\n`);
    const gen = spawnSync(process.execPath, ["--import", "tsx", join(import.meta.dirname, "gen-traces.ts"), "--n", String(n), "--out", file], { stdio: "inherit" });
    if (gen.status !== 0) throw new Error("trace generation failed");
  }
  // The import of 500k traces takes minutes: --keep-store reuses one made before.
  const kept = arg("keep-store");
  const reuse = kept !== undefined && existsSync(join(kept, "traces_en.lance"));
  const dir = kept ? resolve(kept) : mkdtempSync(join(tmpdir(), "medeval-bench-store-"));
  const embedDim = Number(arg("embed-dim") ?? DEFAULT_EMBED_DIM);
  const vectorDir = kept ? `${resolve(kept)}-vectors` : mkdtempSync(join(tmpdir(), "medeval-bench-store-vectors-"));
  try {
    const imported = reuse ? null : child("import", dir, file);
    const reimported = process.argv.includes("--reimport") ? child("reimport", dir, file) : null;
    if (reimported && reimported.added !== 0) throw new Error(`re-import added ${reimported.added} rows`);
    const storeMb = dirBytes(dir) / 2 ** 20;
    const sidecarMb = readdirSync(dir).filter((f) => /\.bm25(\.docs)?$/.test(f)).reduce((n, f) => n + statSync(join(dir, f)).size, 0) / 2 ** 20;
    const selected = child("select", dir, file);
    const vectors = embedDim > 0 ? vectorFigures(vectorDir, kept !== undefined, file) : null;
    const figures = {
      traces: imported?.added ?? null,
      file_mb: statSync(file).size / 2 ** 20,
      import: imported,
      reimport: reimported,
      store_mb: storeMb,
      select: selected,
      vectors: vectors && { dim: embedDim, ...vectors },
      cores: availableParallelism(),
      loadavg_1m_end: loadavg()[0],
    };
    const queries = arg("queries") ?? 200;
    const vi = vectors?.imported;
    const lines = [
      `traces            ${imported?.added ?? `(kept store ${dir})`} (${fmt(figures.file_mb)} MiB of jsonl)`,
      imported && `import            ${fmt(imported.seconds)} s (of which indexes, BM25 index and documents file ${fmt(imported.index_seconds)} s), peak RSS ${fmt(imported.peak_rss_mb)} MiB   targets < 120 s: ${target(imported.seconds < 120)}, < 1024 MiB: ${target(imported.peak_rss_mb < 1024)}`,
      reimported && `re-import         ${fmt(reimported.seconds)} s, ${reimported.skipped} skipped, 0 added, peak RSS ${fmt(reimported.peak_rss_mb)} MiB`,
      `store on disk     ${fmt(storeMb)} MiB (of which the BM25 indexes and documents files ${fmt(sidecarMb)} MiB)`,
      `bm25 selection    ${latencyLine(selected.bm25)} over ${queries} queries, k=5, 16 query words   targets p50 ≤ 5 ms: ${target(selected.bm25.p50 <= 5)}, p99 ≤ 15 ms: ${target(selected.bm25.p99 <= 15)}`,
      `random selection  ${latencyLine(selected.random)} (traces read from the documents file, no LanceDB query)`,
      `selection peak RSS ${fmt(selected.peak_rss_mb_before_whole)} MiB   target < 1024 MiB: ${target(selected.peak_rss_mb_before_whole < 1024)}`,
      selected.whole && `bm25, whole question as the query (bm25Terms 0): p50 ${fmt(selected.whole.p50)} ms, p95 ${fmt(selected.whole.p95)} ms; peak RSS then ${fmt(selected.peak_rss_mb)} MiB`,
      vi &&
        `vector import     ${fmt(vi.seconds)} s with ${embedDim}-dim vectors (of which indexes, BM25 index and documents file ${fmt(vi.index_seconds)} s${imported ? `, ${fmt(vi.index_seconds - imported.index_seconds)} s more than without vectors: the IVF-PQ index` : ""}), peak RSS ${fmt(vi.peak_rss_mb)} MiB`,
      vectors && `vector store      ${fmt(vectors.store_mb)} MiB on disk${vi ? "" : ` (kept store ${vectorDir})`}`,
      vectors && `embedding select. ${latencyLine(vectors.select.embedding)} over ${queries} queries, k=5, ${embedDim} dims, IVF-PQ + refine ×5 (query embedding not counted)`,
      `machine           ${figures.cores} cores, 1-min load average ${fmt(figures.loadavg_1m_end)} at the end (shared machines: other work slows every figure)`,
    ];
    process.stdout.write(`${lines.filter(Boolean).join("\n")}\n`);
    const out = arg("json");
    if (out) writeFileSync(out, `${JSON.stringify(figures, null, 2)}\n`);
  } finally {
    if (!kept) {
      rmSync(dir, { recursive: true, force: true });
      rmSync(vectorDir, { recursive: true, force: true });
    }
  }
}

const phase = arg("phase");
if (phase) await runPhase(phase, arg("store") as string, arg("file") as string);
else await main();
