// Trace-store benchmark: import time, store size, peak memory and BM25 selection latency.
//   npx tsx bench/traces.ts [--n 500000] [--file traces.jsonl] [--queries 200] [--reimport] [--whole-question] [--json OUT]
//     [--keep-store DIR]   import into DIR once and keep it; later runs measure selection only
// Targets, for 500,000 traces: import < 2 min, peak RSS < 1 GB (issue 4); bm25 selection p50 ≤ 5 ms,
// p99 ≤ 15 ms (issue 18).
// The trace file is generated (bench/gen-traces.ts) when missing; the store goes to a fresh
// temporary folder. Each phase (import, re-import, selection) runs in its own process, as it
// does for a user (`medeval traces import`, then `medeval run`), so each peak RSS
// (process.resourceUsage().maxRSS, a high-water mark) is that phase's own.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
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

const RESULT_PREFIX = "BENCH_RESULT ";
const LANGS = ["en", "it", "es"];
const peakRssMb = () => process.resourceUsage().maxRSS / 1024;

interface Latency {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
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

async function latencies(store: TraceStore, items: Item[], method: SelectMethod, bm25Terms?: number): Promise<Latency> {
  for (const it of items.slice(0, 10)) await selectShots(store, it, { k: 5, method, seed: 1, bm25Terms }); // warm caches and index pages
  const times: number[] = [];
  for (const it of items) {
    const started = performance.now();
    await selectShots(store, it, { k: 5, method, seed: 1, taskFamily: "medqa", bm25Terms });
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p95: percentile(times, 0.95), p99: percentile(times, 0.99), mean: times.reduce((s, t) => s + t, 0) / times.length };
}

/** One phase, in this (child) process; its figures go to stdout on one tagged line. */
async function runPhase(phase: string, storeDir: string, file: string): Promise<void> {
  const store = await TraceStore.open(storeDir);
  let result: Record<string, unknown>;
  if (phase === "import" || phase === "reimport") {
    const report = await importTraces(store, file);
    result = { added: report.added, skipped: report.skipped, rejected: report.rejected, seconds: report.seconds, index_seconds: report.index_seconds };
  } else {
    const items = benchItems(Number(arg("queries") ?? 200));
    const bm25 = await latencies(store, items, "bm25");
    const random = await latencies(store, items, "random");
    const rssBeforeWhole = peakRssMb();
    // For comparison: every word of the question in the query (bm25Terms 0).
    const whole = process.argv.includes("--whole-question") ? await latencies(store, items, "bm25", 0) : null;
    result = { bm25, random, whole, peak_rss_mb_before_whole: rssBeforeWhole };
  }
  store.close();
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify({ ...result, peak_rss_mb: peakRssMb() })}\n`);
}

function child(phase: string, storeDir: string, file: string): Record<string, any> {
  const extra = process.argv.slice(2).filter((a, i, all) => a === "--whole-question" || all[i - 1] === "--queries" || a === "--queries");
  const r = spawnSync(process.execPath, ["--import", "tsx", import.meta.filename, "--phase", phase, "--store", storeDir, "--file", file, ...extra], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 1 << 24,
  });
  const line = r.stdout.split("\n").find((l) => l.startsWith(RESULT_PREFIX));
  if (r.status !== 0 || !line) throw new Error(`bench phase ${phase} failed (exit ${r.status})\n${r.stdout}`);
  return JSON.parse(line.slice(RESULT_PREFIX.length));
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
  try {
    const imported = reuse ? null : child("import", dir, file);
    const reimported = process.argv.includes("--reimport") ? child("reimport", dir, file) : null;
    if (reimported && reimported.added !== 0) throw new Error(`re-import added ${reimported.added} rows`);
    const storeMb = dirBytes(dir) / 2 ** 20;
    const selected = child("select", dir, file);
    const figures = {
      traces: imported?.added ?? null,
      file_mb: statSync(file).size / 2 ** 20,
      import: imported,
      reimport: reimported,
      store_mb: storeMb,
      select: selected,
      cores: availableParallelism(),
      loadavg_1m_end: loadavg()[0],
    };
    const fmt = (x: number) => x.toFixed(1);
    const target = (ok: boolean) => (ok ? "ok" : "MISSED");
    const lines = [
      `traces            ${imported?.added ?? `(kept store ${dir})`} (${fmt(figures.file_mb)} MiB of jsonl)`,
      imported && `import            ${fmt(imported.seconds)} s (of which indexes and term statistics ${fmt(imported.index_seconds)} s), peak RSS ${fmt(imported.peak_rss_mb)} MiB   targets < 120 s: ${target(imported.seconds < 120)}, < 1024 MiB: ${target(imported.peak_rss_mb < 1024)}`,
      reimported && `re-import         ${fmt(reimported.seconds)} s, ${reimported.skipped} skipped, 0 added, peak RSS ${fmt(reimported.peak_rss_mb)} MiB`,
      `store on disk     ${fmt(storeMb)} MiB`,
      `bm25 selection    p50 ${fmt(selected.bm25.p50)} ms, p95 ${fmt(selected.bm25.p95)} ms, p99 ${fmt(selected.bm25.p99)} ms over ${arg("queries") ?? 200} queries, k=5, 16 query words   targets p50 ≤ 5 ms: ${target(selected.bm25.p50 <= 5)}, p99 ≤ 15 ms: ${target(selected.bm25.p99 <= 15)}`,
      `random selection  p50 ${fmt(selected.random.p50)} ms, p95 ${fmt(selected.random.p95)} ms, p99 ${fmt(selected.random.p99)} ms (about the cost of any one LanceDB query)`,
      `selection peak RSS ${fmt(selected.peak_rss_mb_before_whole)} MiB   target < 1024 MiB: ${target(selected.peak_rss_mb_before_whole < 1024)}`,
      selected.whole &&
        `bm25, whole question as the query (bm25Terms 0): p50 ${fmt(selected.whole.p50)} ms, p95 ${fmt(selected.whole.p95)} ms; peak RSS then ${fmt(selected.peak_rss_mb)} MiB`,
      `machine           ${figures.cores} cores, 1-min load average ${fmt(figures.loadavg_1m_end)} at the end (shared machines: other work slows every figure)`,
    ];
    process.stdout.write(`${lines.filter(Boolean).join("\n")}\n`);
    const out = arg("json");
    if (out) writeFileSync(out, `${JSON.stringify(figures, null, 2)}\n`);
  } finally {
    if (!kept) rmSync(dir, { recursive: true, force: true });
  }
}

const phase = arg("phase");
if (phase) await runPhase(phase, arg("store") as string, arg("file") as string);
else await main();
