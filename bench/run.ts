// `npm run bench`: every benchmark, one after the other, each in its own process so their
// memory and CPU figures do not mix. `npm run bench -- throughput stats` runs a subset.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const BENCHES: Record<string, { file: string; args: string[]; what: string }> = {
  throughput: { file: "bench/throughput.ts", args: [], what: "runner against a simulated vLLM (issue 3 targets)" },
  requests: { file: "bench/requests.ts", args: [], what: "whole process: medeval run vs a bare openai-SDK script on the same 4,000 MedMCQA requests, CPU per request and server share (issue 18 targets)" },
  stats: { file: "bench/stats.ts", args: [], what: "bootstrap and paired comparisons at paper scale (issue 5 targets)" },
  traces: { file: "bench/traces.ts", args: [], what: "trace store: 500k import, size, selection latency (issue 4 targets)" },
  startup: { file: "bench/startup.ts", args: [], what: "start-up: --version wall, CPU before a run's first request (issue 18 targets)" },
  extraction: { file: "bench/extract-agreement.ts", args: [], what: "answer extraction vs ../shared/generations and hand-written kinds (issues 2, 11)" },
  translate: { file: "bench/translate.ts", args: [], what: "medeval translate: items/s and CPU per item at concurrency 64, 200 ms server (issue 14)" },
  generate: { file: "bench/generate.ts", args: [], what: "trace generation: corpus import (MEDEVAL_BENCH_PASSAGES, default 100k), retrieval p50/p99, generation at concurrency 64 vs a 200 ms server (issue 15)" },
  memory: { file: "bench/memory.ts", args: [], what: "peak RSS: medeval run at 200,000 planned items, medeval table over 10 runs × 11,000 items (issue 18 targets)" },
  view: { file: "bench/view.ts", args: [], what: "medeval view at 20,000 samples in headless Chromium: first paint, filter, search, sort (issue 17)" },
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const names = wanted.length > 0 ? wanted : Object.keys(BENCHES);
let failed = 0;
for (const name of names) {
  const bench = BENCHES[name];
  if (!bench) {
    console.error(`unknown benchmark "${name}"; known: ${Object.keys(BENCHES).join(", ")}`);
    process.exit(2);
  }
  if (!existsSync(join(ROOT, bench.file))) {
    console.error(`skipping ${name}: ${bench.file} is missing`);
    continue;
  }
  console.log(`\n=== ${name}: ${bench.what}`);
  const r = spawnSync(process.execPath, [join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), join(ROOT, bench.file), ...bench.args], { stdio: "inherit", cwd: ROOT });
  if (r.status !== 0) {
    failed++;
    console.error(`${name} failed (exit ${r.status})`);
  }
}
process.exit(failed > 0 ? 1 : 0);
