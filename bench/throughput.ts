// Throughput of the runner against a simulated vLLM: can medeval keep a server full?
// The fake server runs in a child process (200 ms ± 50 ms per request) so that the CPU time
// measured here is the harness's own: prompt building, HTTP client, extraction, journal.
//   npx tsx bench/throughput.ts [--items 2000] [--latency 200] [--jitter 50] [--concurrency 64,128,256]
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { ModelSpec } from "../harness/models/schema.ts";
import { buildZeroShotMessages } from "../harness/prompts/templates.ts";
import { createDispatcher } from "../harness/endpoints/dispatcher.ts";
import { requestBody } from "../harness/runner/evaluate.ts";
import { generativeAnswerer } from "../harness/runner/generative.ts";
import type { PlannedTask } from "../harness/runner/plan.ts";
import { createProgress } from "../harness/runner/progress.ts";
import { executeRun } from "../harness/runner/run.ts";
import type { Item } from "../harness/types.ts";
import { hashJson } from "../harness/hash.ts";
import OpenAI from "openai";
import seedrandom from "seedrandom";
import { createNodeFetch } from "../harness/endpoints/http-fetch.ts";

const { values } = parseArgs({
  options: {
    items: { type: "string", default: "2000" },
    latency: { type: "string", default: "200" },
    jitter: { type: "string", default: "50" },
    concurrency: { type: "string", default: "64,128,256" },
    repeats: { type: "string", default: "3" },
  },
});
const N = Number(values.items);
const LATENCY = Number(values.latency);
const JITTER = Number(values.jitter);
const REPEATS = Math.max(1, Number(values.repeats));

const ROOT = resolve(import.meta.dirname, "..");

function startServer(): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((ok, fail) => {
    const child = spawn(
      process.execPath,
      [join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), join(ROOT, "test", "fake-vllm", "main.ts"), "--port", "0", "--latency-ms", String(LATENCY), "--jitter-ms", values.jitter!, "--max-model-len", "100000"],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /at (http:\/\/\S+)/.exec(out);
      if (m) ok({ url: m[1], child });
    });
    child.on("exit", (code) => fail(new Error(`fake server exited (${code})`)));
  });
}

/** CPU ms per thread of this process (Linux /proc; empty elsewhere). The main thread runs the JavaScript; the others are V8's GC helpers and libuv's pool. */
function threadCpuMs(): Map<string, number> {
  const out = new Map<string, number>();
  try {
    const tick = 10; // USER_HZ is 100 on Linux
    for (const tid of readdirSync("/proc/self/task")) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.set(tid, (Number(fields[11]) + Number(fields[12])) * tick);
    }
  } catch {
    // not Linux: no per-thread split
  }
  return out;
}

function helperThreadsMs(before: Map<string, number>, after: Map<string, number>): number | null {
  if (after.size === 0) return null;
  let ms = 0;
  for (const [tid, t] of after) if (tid !== String(process.pid)) ms += t - (before.get(tid) ?? 0);
  return ms;
}

/**
 * What a client with no overhead at all would achieve: `concurrency` workers take items from
 * one queue, each request lasting latency ± jitter (uniform, as the fake server draws them).
 * With 2,000 items the first wave and the draining last one are a sizeable part of the run,
 * so even this client falls short of concurrency ÷ latency; the harness is judged against it.
 */
export function attainableShare(n: number, concurrency: number, latency: number, jitter: number): number {
  const rounds = 50;
  let total = 0;
  const random = seedrandom("attainable");
  for (let r = 0; r < rounds; r++) {
    const free = new Float64Array(concurrency);
    let end = 0;
    for (let i = 0; i < n; i++) {
      let k = 0;
      for (let j = 1; j < concurrency; j++) if (free[j] < free[k]) k = j;
      free[k] += latency - jitter + 2 * jitter * random();
      if (free[k] > end) end = free[k];
    }
    total += end;
  }
  const makespanSeconds = total / rounds / 1000;
  return n / makespanSeconds / (concurrency / (latency / 1000));
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function syntheticItems(n: number): Item[] {
  return Array.from({ length: n }, (_, i) => {
    const question = `Synthetic question ${i}: a ${30 + (i % 50)}-year-old patient presents with symptoms; which is the most likely diagnosis?`;
    const options = ["Option one", "Option two", "Option three", "Option four"].map((o) => `${o} for ${i}`);
    return { id: String(i), question, options, answer: i % 4, lang: "en", hash: hashJson({ question, options, answer: i % 4 }) };
  });
}

type TransportKind = "sdk" | "raw" | "sdk-in-process";

/**
 * A fetch with no network: it waits the simulated latency, then hands the SDK a recorded
 * fake-vLLM answer. The SDK's own CPU cost, apart from sockets and the kernel.
 */
async function inProcessFetch(url: string): Promise<(input: unknown, init?: unknown) => Promise<Response>> {
  const recorded = await fetch(`${url}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "fake-model", messages: [{ role: "user", content: "Question: q\nA. a\nB. b" }], max_tokens: 256 }),
  });
  const text = await recorded.text();
  const headers = Object.fromEntries(recorded.headers);
  const reply = () => {
    const entries = () => Object.entries(headers)[Symbol.iterator]();
    const h = { get: (n: string) => headers[n.toLowerCase()] ?? null, has: (n: string) => n.toLowerCase() in headers, entries, forEach: (f: (v: string, k: string) => void) => Object.entries(headers).forEach(([k, v]) => f(v, k)), [Symbol.iterator]: entries };
    return { ok: true, status: 200, statusText: "OK", headers: h, url: "", body: null, bodyUsed: false, text: async () => text, json: async () => JSON.parse(text) } as unknown as Response;
  };
  const jitter = Number(values.jitter);
  return async () => {
    await new Promise((r) => setTimeout(r, LATENCY - jitter + 2 * jitter * Math.random()));
    return reply();
  };
}

/**
 * The same requests without the harness: the openai SDK alone (the transport medeval must
 * use), raw node:http, and the SDK with no network at all. What the machine, the sockets and
 * the SDK each cost, printed beside the harness.
 */
async function measureTransport(url: string, concurrency: number, kind: TransportKind) {
  const nodeFetch = createNodeFetch();
  const transport = kind === "sdk-in-process" ? await inProcessFetch(url) : nodeFetch.fetch;
  const sdk = new OpenAI({ baseURL: url, apiKey: "EMPTY", maxRetries: 0, fetch: transport as never });
  const model: ModelSpec = {
    name: "bench", kind: "chat", baseUrls: [url], servedModel: "fake-model", reasoning: "none",
    params: { temperature: 0, top_p: 1, max_tokens: 256, seed: 1 }, maxConcurrency: concurrency, timeoutMs: 60_000,
  };
  const bodies = syntheticItems(N).map((item) => requestBody(model)(buildZeroShotMessages(item, { style: "cot" })));
  const send = (body: Record<string, unknown>) =>
    kind !== "raw"
      ? sdk.chat.completions.create(body as never)
      : nodeFetch.fetch(`${url}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).then((r) => r.json());
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let i = next++; i < N; i = next++) await send(bodies[i]);
  }));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  nodeFetch.destroy();
  return { achieved: N / seconds, share: N / seconds / (concurrency / (LATENCY / 1000)), cpuMsPerRequest: (cpu.user + cpu.system) / 1000 / N };
}

async function measure(url: string, concurrency: number) {
  const model: ModelSpec = {
    name: "bench", kind: "chat", baseUrls: [url], servedModel: "fake-model", reasoning: "none",
    params: { temperature: 0, top_p: 1, max_tokens: 256, seed: 1 }, maxConcurrency: concurrency, timeoutMs: 60_000,
  };
  const items = syntheticItems(N);
  const task: PlannedTask = {
    meta: { id: "synthetic.en", family: "synthetic", lang: "en", domain: "in-domain" },
    items,
    source: { task: "synthetic.en", kind: "local", location: "memory", files: [], items_hash: "x", n: items.length },
  };
  const out = mkdtempSync(join(tmpdir(), "medeval-bench-"));
  const dispatcher = createDispatcher(model, { concurrency });
  const answer = generativeAnswerer({
    dispatcher,
    prepare: async (_t, item) => ({ messages: buildZeroShotMessages(item, { style: "cot" }) }),
    buildBody: requestBody(model),
    cache: null,
    modelIdentity: "fake",
  });
  // The request phase: first request out to last answer in (run.json, journal open and the
  // final summary with its bootstrap are outside it, and inside the end-to-end figure).
  let firstSend: number | undefined;
  let lastAnswer = 0;
  const threads0 = threadCpuMs();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { record, sent } = await executeRun({
    spec: {
      model: "bench", served_model: "fake-model", base_urls: [url], setting: "zero-shot", scoring: "generative", prompt_style: "cot",
      prompt_template_hash: "x", params: {}, tasks: [task.meta.id], limit: null, seed: 1, shard: null, fewshot: null,
    },
    tasks: [task],
    outDir: out,
    answer: async (t, item, signal) => {
      firstSend ??= performance.now();
      const answered = await answer(t, item, signal);
      lastAnswer = performance.now();
      return answered;
    },
    concurrency,
    bootstrap: { resamples: 1000, seed: 1, level: 0.95 },
    server: { models: null, version: null },
    progress: createProgress("none"),
    signal: new AbortController().signal,
  });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const helpers = helperThreadsMs(threads0, threadCpuMs());
  dispatcher.close();
  rmSync(out, { recursive: true, force: true });
  if (sent !== N || record.tasks[0].errors > 0) throw new Error(`bench run incomplete: sent ${sent}, errors ${record.tasks[0].errors}`);
  const ideal = concurrency / (LATENCY / 1000);
  const requestSeconds = (lastAnswer - (firstSend ?? t0)) / 1000;
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return {
    seconds,
    share: N / seconds / ideal,
    requestShare: N / requestSeconds / ideal,
    cpuMsPerRequest: cpuMs / N,
    userMs: cpu.user / 1000 / N,
    sysMs: cpu.system / 1000 / N,
    helperShare: helpers === null ? null : helpers / cpuMs,
  };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const range = (xs: number[], f: (x: number) => string) => (xs.length > 1 ? `${f(Math.min(...xs))}–${f(Math.max(...xs))}` : "");

export async function benchThroughput(): Promise<void> {
  const { url, child } = await startServer();
  try {
    console.log(`throughput: ${N} items, simulated vLLM latency ${LATENCY} ms ± ${JITTER} ms (server in a child process), ${REPEATS} repeats each: median [min–max]`);
    console.log("ideal = concurrency ÷ latency. attainable = what a client with zero overhead gets with these latencies (simulated): the first");
    console.log("wave and the draining last one cost the same for any client. end-to-end includes run.json, the journal and the final summary.");
    console.log("CPU = user + system time of this process per request, all threads; 'other threads' is the part spent off the main thread");
    console.log("(V8's GC helpers, and libuv's pool for the journal's fsync).");
    console.log("concurrency  attainable  end-to-end share  request-phase share  of attainable  CPU ms/req [min–max]   (user + sys)   other threads");
    await measure(url, 256); // warm-up: JIT, sockets
    for (const c of values.concurrency!.split(",").map(Number)) {
      const runs = [];
      for (let r = 0; r < REPEATS; r++) runs.push(await measure(url, c));
      const attainable = attainableShare(N, c, LATENCY, JITTER);
      const cpu = runs.map((r) => r.cpuMsPerRequest);
      const requestShare = median(runs.map((r) => r.requestShare));
      const helpers = runs.every((r) => r.helperShare !== null) ? pct(median(runs.map((r) => r.helperShare!))) : "n/a";
      console.log(
        `${String(c).padStart(11)}  ${pct(attainable).padStart(10)}  ${pct(median(runs.map((r) => r.share))).padStart(16)}  ${pct(requestShare).padStart(19)}  ${pct(requestShare / attainable).padStart(13)}  ` +
          `${median(cpu).toFixed(3)} [${range(cpu, (x) => x.toFixed(3))}]`.padEnd(22) +
          ` (${median(runs.map((r) => r.userMs)).toFixed(3)} + ${median(runs.map((r) => r.sysMs)).toFixed(3)})  ${helpers.padStart(13)}`,
      );
    }
    console.log(`peak RSS of the harness process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
    console.log("the same requests without the harness, median of the repeats: the openai SDK over our node:http fetch; raw node:http");
    console.log("(the sockets and kernel alone); the SDK with an in-process fetch that waits the latency (the SDK's JavaScript alone):");
    console.log("concurrency  transport         req/s   share  CPU ms/req");
    for (const c of values.concurrency!.split(",").map(Number)) {
      for (const kind of ["sdk", "raw", "sdk-in-process"] as const) {
        const runs = [];
        for (let r = 0; r < REPEATS; r++) runs.push(await measureTransport(url, c, kind));
        const name = { sdk: "openai SDK", raw: "raw node:http", "sdk-in-process": "SDK, no network" }[kind];
        console.log(
          `${String(c).padStart(11)}  ${name.padEnd(16)}  ${median(runs.map((r) => r.achieved)).toFixed(0).padStart(6)}  ${pct(median(runs.map((r) => r.share))).padStart(6)}  ${median(runs.map((r) => r.cpuMsPerRequest)).toFixed(3).padStart(9)}`,
        );
      }
    }
  } finally {
    child.kill("SIGTERM");
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchThroughput();
