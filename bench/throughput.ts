// Throughput of the runner against a simulated vLLM: can medeval keep a server full?
// The fake server runs in a child process (200 ms ± 50 ms per request) so that the CPU time
// measured here is the harness's own: prompt building, HTTP client, extraction, journal.
//   npx tsx bench/throughput.ts [--items 2000] [--latency 200] [--jitter 50] [--concurrency 64,128,256]
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { ModelSpec } from "../harness/models/schema.ts";
import { buildZeroShotMessages } from "../harness/prompts/templates.ts";
import { createDispatcher } from "../harness/runner/dispatcher.ts";
import { requestBody } from "../harness/runner/evaluate.ts";
import { generativeAnswerer } from "../harness/runner/generative.ts";
import type { PlannedTask } from "../harness/runner/plan.ts";
import { createProgress } from "../harness/runner/progress.ts";
import { executeRun } from "../harness/runner/run.ts";
import type { Item } from "../harness/types.ts";
import { hashJson } from "../harness/hash.ts";
import OpenAI from "openai";
import { createNodeFetch } from "../harness/runner/http-fetch.ts";

const { values } = parseArgs({
  options: {
    items: { type: "string", default: "2000" },
    latency: { type: "string", default: "200" },
    jitter: { type: "string", default: "50" },
    concurrency: { type: "string", default: "64,128,256" },
  },
});
const N = Number(values.items);
const LATENCY = Number(values.latency);

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

function syntheticItems(n: number): Item[] {
  return Array.from({ length: n }, (_, i) => {
    const question = `Synthetic question ${i}: a ${30 + (i % 50)}-year-old patient presents with symptoms; which is the most likely diagnosis?`;
    const options = ["Option one", "Option two", "Option three", "Option four"].map((o) => `${o} for ${i}`);
    return { id: String(i), question, options, answer: i % 4, lang: "en", hash: hashJson({ question, options, answer: i % 4 }) };
  });
}

/**
 * The same requests without the harness: the openai SDK alone (the transport medeval must
 * use) and raw node:http. What the machine and the SDK cost, printed beside the harness.
 */
async function measureTransport(url: string, concurrency: number, kind: "sdk" | "raw") {
  const nodeFetch = createNodeFetch();
  const sdk = new OpenAI({ baseURL: url, apiKey: "EMPTY", maxRetries: 0, fetch: nodeFetch.fetch as never });
  const model: ModelSpec = {
    name: "bench", kind: "chat", baseUrls: [url], servedModel: "fake-model", reasoning: "none",
    params: { temperature: 0, top_p: 1, max_tokens: 256, seed: 1 }, maxConcurrency: concurrency, timeoutMs: 60_000,
  };
  const bodies = syntheticItems(N).map((item) => requestBody(model)(buildZeroShotMessages(item, { style: "cot" })));
  const send = (body: Record<string, unknown>) =>
    kind === "sdk"
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
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { record, sent } = await executeRun({
    spec: {
      model: "bench", served_model: "fake-model", base_urls: [url], setting: "zero-shot", scoring: "generative", prompt_style: "cot",
      prompt_template_hash: "x", params: {}, tasks: [task.meta.id], limit: null, seed: 1, shard: null, fewshot: null,
    },
    tasks: [task],
    outDir: out,
    answer: generativeAnswerer({
      dispatcher,
      prepare: async (_t, item) => ({ messages: buildZeroShotMessages(item, { style: "cot" }) }),
      buildBody: requestBody(model),
      cache: null,
      modelIdentity: "fake",
    }),
    concurrency,
    bootstrap: { resamples: 1000, seed: 1, level: 0.95 },
    server: { models: null, version: null },
    progress: createProgress("none"),
    signal: new AbortController().signal,
  });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  dispatcher.close();
  rmSync(out, { recursive: true, force: true });
  if (sent !== N || record.tasks[0].errors > 0) throw new Error(`bench run incomplete: sent ${sent}, errors ${record.tasks[0].errors}`);
  const ideal = concurrency / (LATENCY / 1000);
  const achieved = N / seconds;
  // The last wave drains with fewer requests in flight: this tail is the same for any client,
  // so the steady-state share (makespan minus one mean latency) is printed beside the raw one.
  const steady = N / Math.max(seconds - LATENCY / 1000, 1e-9);
  return { concurrency, seconds, achieved, ideal, share: achieved / ideal, steadyShare: Math.min(steady / ideal, 1), cpuMsPerRequest: (cpu.user + cpu.system) / 1000 / N, userMs: cpu.user / 1000 / N, sysMs: cpu.system / 1000 / N };
}

export async function benchThroughput(): Promise<void> {
  const { url, child } = await startServer();
  try {
    console.log(`throughput: ${N} items, simulated vLLM latency ${LATENCY} ms ± ${values.jitter} ms (server in a child process)`);
    // CPU is split: user = the harness's JavaScript (SDK, prompts, extraction, journal);
    // system = the kernel's socket and file work on its behalf (loopback TCP included).
    console.log("concurrency  wall s   req/s   ideal   share  steady-share  CPU ms/req (user + system)");
    await measure(url, 16); // warm-up: JIT, sockets
    for (const c of values.concurrency!.split(",").map(Number)) {
      const r = await measure(url, c);
      console.log(
        `${String(c).padStart(11)}  ${r.seconds.toFixed(2).padStart(6)}  ${r.achieved.toFixed(0).padStart(6)}  ${r.ideal.toFixed(0).padStart(6)}  ${(100 * r.share).toFixed(1).padStart(5)}%  ${(100 * r.steadyShare).toFixed(1).padStart(11)}%  ${r.cpuMsPerRequest.toFixed(3).padStart(7)} (${r.userMs.toFixed(3)} + ${r.sysMs.toFixed(3)})`,
      );
    }
    console.log(`peak RSS of the harness process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
    console.log("the same requests without the harness (what the transport and this machine cost):");
    console.log("concurrency  transport         req/s   share  CPU ms/req");
    for (const c of values.concurrency!.split(",").map(Number)) {
      for (const kind of ["sdk", "raw"] as const) {
        const r = await measureTransport(url, c, kind);
        console.log(`${String(c).padStart(11)}  ${(kind === "sdk" ? "openai SDK" : "raw node:http").padEnd(16)}  ${r.achieved.toFixed(0).padStart(6)}  ${(100 * r.share).toFixed(1).padStart(5)}%  ${r.cpuMsPerRequest.toFixed(3).padStart(9)}`);
      }
    }
  } finally {
    child.kill("SIGTERM");
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchThroughput();
