// `npm run bench -- generate`: trace generation and its corpus (issue 15).
//   1. corpus import of MEDEVAL_BENCH_PASSAGES synthetic passages: time, peak RSS. The default is
//      100,000 (~17 s): 200,000 took 41 s on this project's shared 2-core machine, so 1M takes
//      over 3 minutes there (MEDEVAL_BENCH_PASSAGES=1000000 to run it; the count is printed)
//   2. retrieval (BM25, 5 passages, question + options as the query): p50 / p99 over 200 queries
//   3. generation of MEDEVAL_BENCH_QUESTIONS (default 1000) questions, 3 attempts, at concurrency
//      64 against the grounded fake server in a child process at 200 ms per request, retrieving
//      from a corpus of their own passages and 10,000 others: questions/s and this process's CPU
//      ms per question
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { once } from "node:events";
import seedrandom from "seedrandom";
import { importCorpus } from "../harness/corpus/import.ts";
import { searchCorpus } from "../harness/corpus/search.ts";
import { CorpusStore } from "../harness/corpus/store.ts";
import { generateTraces } from "../harness/generate/job.ts";
import { sortedQuantile as quantile } from "../harness/stats/quantile.ts";

const ROOT = resolve(import.meta.dirname, "..");
const PASSAGES = Number(process.env.MEDEVAL_BENCH_PASSAGES ?? 100_000);
const QUESTIONS = Number(process.env.MEDEVAL_BENCH_QUESTIONS ?? 1000);
const GENERATION_CORPUS = QUESTIONS + 10_000;
const CONCURRENCY = 64;
const LATENCY_MS = 200;
const VOCAB = Array.from({ length: 20_000 }, (_, i) => `term${i.toString(36)}`);
const rng = seedrandom("medeval-generate-bench");
/** Zipf-like draw: common words everywhere, most terms rare. */
const word = () => VOCAB[Math.floor(VOCAB.length * rng() ** 3)];
const words = (n: number) => Array.from({ length: n }, word).join(" ");

const work = mkdtempSync(join(tmpdir(), "medeval-bench-gen-"));
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

async function writePassages(file: string, count: number): Promise<void> {
  const out = createWriteStream(file);
  for (let i = 0; i < count; i++) {
    const line = `${JSON.stringify({ id: `p${i}`, title: `Topic ${word()}`, text: `${words(60)}${i < QUESTIONS ? ` qmark${i} GOLD=${"ABCD"[i % 4]}` : ""}`, language: "en" })}\n`;
    if (!out.write(line)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}

function startServer(): Promise<{ url: string; child: ChildProcess }> {
  const args = ["--port", "0", "--style", "grounded", "--latency-ms", String(LATENCY_MS), "--max-model-len", "100000"];
  const child = spawn(process.execPath, [join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), join(ROOT, "test", "fake-vllm", "main.ts"), ...args], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((ok, fail) => {
    let text = "";
    child.stdout!.on("data", (d) => {
      text += d;
      const url = /at (http:\/\/\S+)/.exec(text)?.[1];
      if (url) ok({ url, child });
    });
    child.on("exit", (code) => fail(new Error(`fake server exited (${code})`)));
  });
}

const source = join(work, "passages.jsonl");
await writePassages(source, PASSAGES);
const corpusDir = join(work, "corpus");
const store = await CorpusStore.open(corpusDir);
const rssBefore = process.resourceUsage().maxRSS * 1024;
let started = performance.now();
const report = await importCorpus(store, source, { name: "bench" });
const importS = (performance.now() - started) / 1000;
const peakRss = process.resourceUsage().maxRSS * 1024;
console.log(`corpus import: ${PASSAGES.toLocaleString("en")} passages (${report.chunks_added.toLocaleString("en")} chunks) in ${importS.toFixed(1)} s = ${Math.round(PASSAGES / importS).toLocaleString("en")} passages/s; peak RSS ${mb(peakRss)} MiB (${mb(rssBefore)} MiB before)`);

const latencies: number[] = [];
for (let i = 0; i < 200; i++) {
  const query = `${words(40)} qmark${i % QUESTIONS}\n${words(4)}\n${words(4)}\n${words(4)}\n${words(4)}`; // a vignette-long query
  started = performance.now();
  await searchCorpus(store, "bench", query, { lang: "en", k: 5 });
  latencies.push(performance.now() - started);
}
latencies.sort((a, b) => a - b);
console.log(`retrieval (BM25, k=5, ${PASSAGES.toLocaleString("en")} passages): p50 ${quantile(latencies, 0.5).toFixed(1)} ms, p99 ${quantile(latencies, 0.99).toFixed(1)} ms`);
store.close();

const genSource = join(work, "gen-passages.jsonl");
await writePassages(genSource, GENERATION_CORPUS);
const genStore = await CorpusStore.open(join(work, "gen-corpus"));
await importCorpus(genStore, genSource, { name: "bench" });
genStore.close();
const data = join(work, "data");
mkdirSync(join(data, "medqa", "4_options"), { recursive: true });
// Questions in words the passages never use but their marker: the gold passage ranks first, so
// the replies are decided by the fake's rule alone.
const questions = Array.from({ length: QUESTIONS }, (_, i) => JSON.stringify({ question: `Which option fits qmark${i}?`, options: { A: "first", B: "second", C: "third", D: "fourth" }, answer_idx: "ABCD"[i % 4] }));
writeFileSync(join(data, "medqa", "4_options", "dev.jsonl"), `${questions.join("\n")}\n`);
const server = await startServer();
try {
  const cpu = process.cpuUsage();
  started = performance.now();
  const outcome = await generateTraces({
    overrides: { modelUrl: [server.url], servedModel: "fake-model" },
    tasks: "medqa.en", split: "pool", langs: null, langSource: "translated", corpus: { dir: join(work, "gen-corpus"), name: "bench" },
    passages: 5, attempts: 3, seed: 1, temperature: 0.7, maxTokens: 512, limit: null,
    output: { kind: "file", path: join(work, "traces.jsonl") }, dataDir: data, concurrency: CONCURRENCY, cache: false, maxRetries: 0,
    signal: new AbortController().signal, notice: () => {},
  });
  const wall = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const [s] = outcome.summaries;
  const cpuMs = (used.user + used.system) / 1000;
  console.log(
    `generation: ${s.questions} questions over ${GENERATION_CORPUS.toLocaleString("en")} passages (${s.attempts} requests, ${s.kept} kept) at concurrency ${CONCURRENCY}, ${LATENCY_MS} ms server: ` +
      `${(s.questions / wall).toFixed(1)} questions/s (bound ${((CONCURRENCY * 1000) / LATENCY_MS).toFixed(0)} requests/s), ${(cpuMs / s.questions).toFixed(2)} ms CPU per question (retrieval included)`,
  );
} finally {
  server.child.kill();
}
