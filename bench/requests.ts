// Whole-process cost of a run (issue 18 targets): `medeval run` as the README runs it, beside a
// bare script that sends the same requests through the openai SDK (bench/bare-sdk.mjs), on the
// same 4,000 MedMCQA prompts against a simulated vLLM at 200 ms ± 50 ms.
//   npx tsx bench/requests.ts [--items 4000] [--latency 200] [--jitter 50] [--concurrency 64,256] [--repeats 3]
// - CPU per request: user + system time of the whole client process (start-up, data, prompts,
//   requests, extraction, journal, summary), read with bash's `times`; target ≤ 1.0× the bare
//   script's.
// - Server-side share: requests finished per second as the server saw them (first arrival to
//   last answer), over concurrency ÷ latency, beside the zero-overhead ceiling (what a client
//   that costs nothing gets with these latencies: the first wave and the last, draining one
//   cost any client the same); target ≥ 0.97 of the ceiling.
// The requests are the run's own: `medeval run --export-batch` writes them, the bare script
// sends them. The server runs in this process, so its CPU is not either client's.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import seedrandom from "seedrandom";
import { answerWith, guessLetter } from "../test/fake-vllm/helpers.ts";
import { startFakeVllm } from "../test/fake-vllm/server.ts";
import { tempDir } from "../test/helpers.ts";
import { BIN, ROOT, cliEnv, ensureBuilt } from "./built.ts";
import { attainableShare } from "./throughput.ts";

const { values } = parseArgs({
  options: {
    items: { type: "string", default: "4000" },
    latency: { type: "string", default: "200" },
    jitter: { type: "string", default: "50" },
    concurrency: { type: "string", default: "64,256" },
    repeats: { type: "string", default: "3" },
  },
});
const N = Number(values.items);
const LATENCY = Number(values.latency);
const JITTER = Number(values.jitter);
const REPEATS = Math.max(1, Number(values.repeats));
const CPU_RATIO_TARGET = 1.0;
const CEILING_SHARE_TARGET = 0.97;
const DATA = join(ROOT, "..", "shared", "datasets");

/** What the server saw of one client: when requests arrived and answers left. */
const seen = { first: Infinity, last: 0, count: 0 };
const draw = seedrandom("requests-bench");
const answer = answerWith(guessLetter, "cot");

async function startServer() {
  return startFakeVllm({
    servedModelName: "fake-model",
    maxModelLen: 100_000,
    respond: async (req) => {
      const arrived = performance.now();
      if (arrived < seen.first) seen.first = arrived;
      await new Promise((done) => setTimeout(done, LATENCY - JITTER + 2 * JITTER * draw()));
      seen.last = performance.now();
      seen.count++;
      return answer(req);
    },
  });
}

/** Runs a command through bash and returns its exit code and its CPU seconds (user + system, children included). */
function timed(argv: string[]): Promise<{ code: number; cpuSeconds: number; stderr: string }> {
  return new Promise((done, fail) => {
    // `times` prints the shell's own times, then its children's: the second line is the command's.
    const script = '"$@"; code=$?; times >&2; exit $code';
    const child = spawn("bash", ["-c", script, "bash", ...argv], { env: cliEnv(), stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", fail);
    child.on("close", (code) => {
      const lines = stderr.trimEnd().split("\n");
      const m = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/.exec(lines.at(-1) ?? "");
      if (!m) return fail(new Error(`no CPU times from bash: ${stderr.slice(-500)}`));
      done({ code: code ?? 1, cpuSeconds: 60 * Number(m[1]) + Number(m[2]) + 60 * Number(m[3]) + Number(m[4]), stderr: lines.slice(0, -2).join("\n") });
    });
  });
}

function medevalRun(url: string, out: string, concurrency: number, extra: string[] = []): string[] {
  return [
    process.execPath, BIN, "run", "--model-url", url, "--served-model", "fake-model", "--tasks", "medmcqa.en", "--data-dir", DATA,
    "--limit", String(N), "--concurrency", String(concurrency), "--no-cache", "--progress", "none", "--out", out, ...extra,
  ];
}

interface Measured {
  cpuMsPerRequest: number;
  share: number;
}

async function measure(argv: string[], concurrency: number): Promise<Measured> {
  seen.first = Infinity;
  seen.last = 0;
  seen.count = 0;
  const r = await timed(argv);
  if (r.code !== 0) throw new Error(`${argv.slice(1, 3).join(" ")} failed (exit ${r.code}): ${r.stderr.slice(-800)}`);
  if (seen.count !== N) throw new Error(`the server answered ${seen.count} requests, expected ${N}`);
  const perSecond = N / ((seen.last - seen.first) / 1000);
  return { cpuMsPerRequest: (1000 * r.cpuSeconds) / N, share: perSecond / (concurrency / (LATENCY / 1000)) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

async function main(): Promise<void> {
  if (!existsSync(join(DATA, "medmcqa"))) {
    console.log(`requests: skipped: ${DATA}/medmcqa is absent (this bench sends real MedMCQA prompts)`);
    return;
  }
  ensureBuilt();
  const server = await startServer();
  const work = tempDir("medeval-bench-requests-");
  try {
    const requests = join(work, "requests.jsonl");
    const exported = await timed(medevalRun(server.url, join(work, "export"), 64, ["--export-batch", requests]));
    if (exported.code !== 0) throw new Error(`--export-batch failed: ${exported.stderr.slice(-800)}`);
    const lines = readFileSync(requests, "utf8").split("\n").filter(Boolean).length;
    if (lines !== N) throw new Error(`--export-batch wrote ${lines} requests, expected ${N}`);

    console.log(`requests: ${N} MedMCQA prompts (medmcqa.en), simulated vLLM ${LATENCY} ms ± ${JITTER} ms in the bench process, medians of ${REPEATS}`);
    console.log("CPU ms/req: the whole client process (start-up included) per request. server share: answers per second as the server saw");
    console.log("them over concurrency ÷ latency. ceiling: the same for a client with zero overhead.");
    console.log(`targets: medeval's CPU ≤ ${CPU_RATIO_TARGET.toFixed(1)}× the bare SDK script's; medeval's server share ≥ ${CEILING_SHARE_TARGET} of the ceiling`);
    console.log("concurrency  client            CPU ms/req  × bare   server share  ceiling  of ceiling");
    for (const c of values.concurrency!.split(",").map(Number)) {
      const ceiling = attainableShare(N, c, LATENCY, JITTER);
      const bare: Measured[] = [];
      const harness: Measured[] = [];
      for (let r = 0; r < REPEATS; r++) {
        bare.push(await measure([process.execPath, join(ROOT, "bench", "bare-sdk.mjs"), server.url, requests, String(c)], c));
        const out = join(work, `run-${c}-${r}`);
        harness.push(await measure(medevalRun(server.url, out, c), c));
        rmSync(out, { recursive: true, force: true });
      }
      const bareCpu = median(bare.map((m) => m.cpuMsPerRequest));
      const ok = (b: boolean) => (b ? "ok" : "MISSED");
      const row = (name: string, runs: Measured[], verdict: (cpuRatio: number, ofCeiling: number) => string) => {
        const cpu = median(runs.map((m) => m.cpuMsPerRequest));
        const share = median(runs.map((m) => m.share));
        console.log(
          `${String(c).padStart(11)}  ${name.padEnd(16)}  ${cpu.toFixed(3).padStart(10)}  ${(cpu / bareCpu).toFixed(2).padStart(6)}  ${pct(share).padStart(12)}  ${pct(ceiling).padStart(7)}  ${(share / ceiling).toFixed(3).padStart(10)}${verdict(cpu / bareCpu, share / ceiling)}`,
        );
      };
      row("bare openai SDK", bare, () => "");
      row("medeval run", harness, (cpuRatio, ofCeiling) => `   CPU ${ok(cpuRatio <= CPU_RATIO_TARGET)}, share ${ok(ofCeiling >= CEILING_SHARE_TARGET)}`);
    }
    console.log(`machine: ${availableParallelism()} cores, 1-min load average ${loadavg()[0].toFixed(1)} (server and client share them)`);
  } finally {
    await server.close();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
