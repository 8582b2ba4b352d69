// Runs that survive: kill -9 at several points, Ctrl-C, a changed spec, faults, shards.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluate, type EvaluateOptions } from "../../harness/runner/evaluate.ts";
import { readJournal } from "../../harness/record/journal.ts";
import { mergeShards } from "../../harness/record/merge.ts";
import { RunLock } from "../../harness/record/run-lock.ts";
import type { RunRecord } from "../../harness/types.ts";
import { lastUserText } from "../fake-vllm/helpers.ts";
import { startFakeVllm, type FakeVllm } from "../fake-vllm/server.ts";
import type { Behavior, RecordedRequest } from "../fake-vllm/types.ts";
import { hasSharedDatasets, SHARED_DATASETS, SKIP_SHARED_REASON, tempDir } from "../helpers.ts";
import { buildOracle, oracleBehavior, type OracleTask } from "./oracle.ts";

const ROOT = resolve(import.meta.dirname, "..", "..");
const TASKS = "medqa.en,mmlu_medical.anatomy.en";
const LIMIT = 40;
const QUESTION_RE = /^(?:Question|Domanda|Pregunta): ([\s\S]*?)\n(?:Options|Opzioni|Opciones):/m;

function questionOf(req: RecordedRequest): string | undefined {
  const messages = req.body?.messages as { role: string; content: string }[] | undefined;
  return messages ? QUESTION_RE.exec(lastUserText(messages))?.[1]?.trim() : undefined;
}

function cliArgs(url: string, out: string, extra: string[] = []): string[] {
  return [
    join(ROOT, "bin", "medeval.js"), "run", "--model-url", url, "--served-model", "fake-model",
    "--tasks", TASKS, "--limit", String(LIMIT), "--data-dir", SHARED_DATASETS, "--out", out,
    "--max-tokens", "256", "--concurrency", "4", "--bootstrap", "1000", "--seed", "7", "--no-cache", "--progress", "none", ...extra,
  ];
}

interface CliResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Run the CLI; `onRequest` may kill it (the fake server sees each request as it arrives). */
function runCli(args: string[], home: string, control?: { killAfterRequests: number; server: FakeVllm; signal: NodeJS.Signals }): Promise<CliResult> {
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, MEDEVAL_HOME: home, MEDEVAL_DEBUG: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    let timer: NodeJS.Timeout | undefined;
    if (control) {
      const start = control.server.requests.length;
      timer = setInterval(() => {
        if (control.server.requests.filter((r) => r.path.endsWith("/chat/completions")).length - start >= control.killAfterRequests) {
          clearInterval(timer);
          child.kill(control.signal);
        }
      }, 2);
    }
    child.on("close", (code, signal) => {
      if (timer) clearInterval(timer);
      done({ code, signal, stdout, stderr });
    });
  });
}

function runDirOf(out: string): string {
  const dirs = readdirSync(out).filter((d) => existsSync(join(out, d, "run.json")));
  expect(dirs).toHaveLength(1);
  return join(out, dirs[0]);
}

function readRecord(dir: string): RunRecord {
  return JSON.parse(readFileSync(join(dir, "run.json"), "utf8")) as RunRecord;
}

describe.skipIf(!hasSharedDatasets)(`journal and resume (${hasSharedDatasets ? "" : SKIP_SHARED_REASON})`, () => {
  let oracle: OracleTask[];
  let server: FakeVllm;
  let reference: RunRecord;

  beforeAll(async () => {
    oracle = await buildOracle(TASKS, SHARED_DATASETS, LIMIT, (item, i) => (i * 7 + item.question.length) % 3 !== 0);
    const answer = oracleBehavior(oracle);
    // A little latency so kills land while requests are in flight.
    const slow: Behavior = (req) => ({ ...(answer(req) as object), delayMs: 5 + (req.index % 4) * 5 });
    server = await startFakeVllm({ servedModelName: "fake-model", maxModelLen: 8192, respond: slow });
    const out = tempDir();
    const r = await runCli(cliArgs(server.url, out), tempDir());
    expect(r.code, r.stderr).toBe(0);
    reference = readRecord(runDirOf(out));
    expect(reference.complete).toBe(true);
  }, 120_000);
  afterAll(() => server?.close());

  it.each([3, 17, 45])("after kill -9 at request %i, resuming sends no finished item again and ends equal to an uninterrupted run", async (killAt) => {
    const out = tempDir();
    const home = tempDir();
    const killed = await runCli(cliArgs(server.url, out), home, { killAfterRequests: killAt, server, signal: "SIGKILL" });
    expect(killed.signal).toBe("SIGKILL");
    const dir = runDirOf(out);
    const before = readJournal(join(dir, "samples.jsonl"));
    const done = new Set([...before.samples.values()].map((s) => s.messages.at(-1)!.content));
    expect(before.samples.size).toBeLessThan(2 * LIMIT);

    const mark = server.requests.length;
    const resumed = await runCli(cliArgs(server.url, out), home);
    expect(resumed.code, resumed.stderr).toBe(0);
    const resent = server.requests.slice(mark).filter((r) => r.path.endsWith("/chat/completions"));
    expect(resent.length).toBe(2 * LIMIT - before.samples.size);
    for (const req of resent) expect(done.has(lastUserText(req.body.messages))).toBe(false);

    const after = readJournal(join(dir, "samples.jsonl"));
    expect(after.samples.size).toBe(2 * LIMIT);
    expect(after.lines).toBe(2 * LIMIT); // nothing duplicated
    const record = readRecord(dir);
    expect(record.complete).toBe(true);
    expect(record.tasks).toEqual(reference.tasks);
    expect(record.spec_hash).toBe(reference.spec_hash);
  }, 120_000);

  it("Ctrl-C stops cleanly, prints the resume command, and --resume finishes the run", async () => {
    const out = tempDir();
    const home = tempDir();
    const stopped = await runCli(cliArgs(server.url, out), home, { killAfterRequests: 20, server, signal: "SIGINT" });
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toMatch(/medeval\.js run --resume \S+ --out/);
    // What the spec does not hold travels with the printed command: the data (else it is downloaded), the intervals' resamples.
    const printed = /medeval\.js run --resume .*/.exec(stopped.stderr)![0];
    expect(printed).toContain(`--data-dir ${SHARED_DATASETS}`);
    expect(printed).toContain("--bootstrap 1000");
    expect(printed).toContain("--no-cache");
    const dir = runDirOf(out);
    expect(readRecord(dir).complete).toBe(false);
    // Ctrl-C releases the run folder's lock: the resume below is not a takeover.
    expect(existsSync(join(dir, "medeval.lock"))).toBe(false);
    const runId = dir.split("/").at(-1)!;
    const mark = server.requests.length;
    const resumed = await runCli([join(ROOT, "bin", "medeval.js"), "run", "--resume", runId, "--out", out, "--data-dir", SHARED_DATASETS, "--progress", "none", "--no-cache", "--bootstrap", "1000"], home);
    expect(resumed.code, resumed.stderr).toBe(0);
    const n = readJournal(join(dir, "samples.jsonl"));
    expect(n.lines).toBe(2 * LIMIT);
    expect(server.requests.length - mark).toBeLessThan(2 * LIMIT);
    expect(readRecord(dir).tasks).toEqual(reference.tasks);
  }, 120_000);

  it("refuses to resume into a run whose spec changed, and says what changed", async () => {
    const out = tempDir();
    const base: EvaluateOptions = {
      overrides: { modelUrl: [server.url], servedModel: "fake-model", params: { max_tokens: 256 } },
      modelsFile: join(out, "none.yaml"), tasks: ["medqa.en"], setting: "zero-shot", promptStyle: "cot", scoring: "generative",
      limit: 5, seed: 7, dataDir: SHARED_DATASETS, out, runId: "fixed", cache: false, bootstrap: 100, progress: "none",
      signal: new AbortController().signal,
    };
    await evaluate(base);
    await expect(evaluate({ ...base, overrides: { ...base.overrides, params: { max_tokens: 300 } } })).rejects.toThrow(/params\.max_tokens: 256 → 300/);
    await expect(evaluate({ ...base, promptStyle: "direct" })).rejects.toThrow(/prompt_style/);
    await expect(evaluate({ ...base, limit: 6 })).rejects.toThrow(/limit: 5 → 6/);
    // Same spec, but the server behind the name now runs other weights: not the same model.
    const retrained = await startFakeVllm({ servedModelName: "fake-model", maxModelLen: 8192, root: "/checkpoints/step-2000", respond: oracleBehavior(oracle) });
    try {
      await expect(evaluate({ ...base, overrides: { ...base.overrides, modelUrl: [retrained.url] } })).rejects.toThrow(
        /another checkpoint[\s\S]*\/models\/fake-model → \/checkpoints\/step-2000/,
      );
      expect(retrained.requests.filter((r) => r.path.endsWith("/chat/completions"))).toHaveLength(0);
    } finally {
      await retrained.close();
    }
  });

  it("shards split the items deterministically and merge into the unsharded result", async () => {
    const out = tempDir();
    const home = tempDir();
    // Outside a scheduler, --shard auto names what it looked for and runs nothing.
    const noScheduler = await runCli(cliArgs(server.url, out, ["--shard", "auto"]), home);
    expect(noScheduler.code).toBe(2);
    expect(noScheduler.stderr).toContain("neither SLURM_ARRAY_TASK_ID");
    // Shard 1 as the second task of a Slurm array --array=1-3 would run it.
    for (const shard of ["0/3", "auto", "2/3"]) {
      const slurm = { SLURM_ARRAY_TASK_ID: "2", SLURM_ARRAY_TASK_MIN: "1", SLURM_ARRAY_TASK_MAX: "3", SLURM_ARRAY_TASK_COUNT: "3" };
      if (shard === "auto") Object.assign(process.env, slurm);
      try {
        const r = await runCli(cliArgs(server.url, out, ["--shard", shard]), home);
        expect(r.code, r.stderr).toBe(0);
      } finally {
        for (const name of Object.keys(slurm)) delete process.env[name];
      }
    }
    const shardDirs = readdirSync(out).map((d) => join(out, d));
    expect(shardDirs).toHaveLength(3);
    const sizes = shardDirs.map((d) => readJournal(join(d, "samples.jsonl")).lines);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(2 * LIMIT);
    const merged = mergeShards(shardDirs, tempDir());
    expect(merged.record.tasks).toEqual(reference.tasks);
    expect(merged.record.spec_hash).toBe(reference.spec_hash);
    expect(() => mergeShards(shardDirs.slice(0, 2), tempDir())).toThrow(/shards 2\/3 are missing|missing/);
    expect(() => mergeShards([shardDirs[0], shardDirs[0], shardDirs[1]], tempDir())).toThrow(/given twice/);
    // One writer per run folder: not into a merged run another process writes, not from a shard still being written.
    const dest = tempDir();
    mkdirSync(join(dest, "m"));
    const busy = RunLock.acquire(join(dest, "m"), "medeval merge");
    expect(() => mergeShards(shardDirs, dest, { runId: "m" })).toThrow(new RegExp(`m is in use: medeval merge \\(pid ${process.pid} on `));
    busy.release();
    const writing = RunLock.acquire(shardDirs[1], "medeval run");
    expect(() => mergeShards(shardDirs, tempDir())).toThrow(/is being written by medeval run \(pid \d+/);
    writing.release();

    // One shard answered by a server on other weights under the same name: not one run.
    const file = join(shardDirs[2], "run.json");
    const record = readRecord(shardDirs[2]);
    const models = record.server.models as { data: { root: string }[] };
    models.data[0].root = "/checkpoints/step-2000";
    writeFileSync(file, JSON.stringify(record));
    // The folder the shards were written to stands for them (as a scheduler leaves them).
    const refused = await runCli([join(ROOT, "bin", "medeval.js"), "merge", out, "--out", tempDir()], home);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/another checkpoint[\s\S]*\/models\/fake-model → \/checkpoints\/step-2000[\s\S]*--allow-different-checkpoints/);
    const allowed = await runCli([join(ROOT, "bin", "medeval.js"), "merge", ...shardDirs, "--out", tempDir(), "--allow-different-checkpoints"], home);
    expect(allowed.code, allowed.stderr).toBe(0);
    // A first shard that does not know its weights must not hide two others that differ.
    const first = readRecord(shardDirs[0]);
    writeFileSync(join(shardDirs[0], "run.json"), JSON.stringify({ ...first, server: { ...first.server, models: null } }));
    expect(() => mergeShards(shardDirs, tempDir())).toThrow(/shard.*another checkpoint[\s\S]*\/models\/fake-model → \/checkpoints\/step-2000/);
  }, 120_000);

  it("the response cache answers a repeated request without sending it", async () => {
    const home = tempDir();
    // The cache is read only under weights medeval can fingerprint: serve from a folder here.
    const ckpt = tempDir();
    writeFileSync(join(ckpt, "config.json"), "{}");
    server.setBehavior({ root: ckpt });
    const args = (out: string) => cliArgs(server.url, out).filter((a) => a !== "--no-cache");
    const first = await runCli(args(tempDir()), home);
    expect(first.code, first.stderr).toBe(0);
    const mark = server.requests.length;
    const out2 = tempDir();
    const second = await runCli([...args(out2), "--run-id", "again"], home);
    expect(second.code, second.stderr).toBe(0);
    expect(server.requests.slice(mark).filter((r) => r.path.endsWith("/chat/completions"))).toHaveLength(0);
    const record = readRecord(join(out2, "again"));
    expect(record.usage.cached).toBe(2 * LIMIT);
    expect(record.tasks.map(({ from_cache: _, ...t }) => t)).toEqual(reference.tasks);
    expect(record.tasks.map((t) => t.from_cache)).toEqual([0, 1].map(() => ({ samples: LIMIT, identities: [record.cache!.identity], untied: 0 })));
    expect(second.stdout).toMatch(/answers from the response cache: medqa\.en 40 of 40, mmlu_medical\.anatomy\.en 40 of 40 \(checkpoint files:/);
    server.setBehavior({ root: undefined });
  }, 120_000);
});

describe.skipIf(!hasSharedDatasets)("faults and replicas", () => {
  it("a fault-injecting server still yields a run with every failure accounted for, not complete while items have no answer", async () => {
    const oracle = await buildOracle("medqa.en", SHARED_DATASETS, 30, () => true);
    const answer = oracleBehavior(oracle);
    // Each distinct request fails in a different way on its first attempt(s), then succeeds;
    // a few items fail every attempt and must end as errors, not as wrong answers.
    const faults = [
      { fault: "http", status: 500 },
      { fault: "rate_limit", retryAfter: 0 },
      { fault: "malformed_json" },
      { fault: "reset", when: "before_headers" },
      { fault: "reset", when: "mid_body" },
      { fault: "http", status: 503, shape: "flat" },
      { fault: "hang" },
    ] as const;
    const hopeless = new Set(oracle[0].items.slice(0, 3).map((i) => i.question.trim()));
    const server = await startFakeVllm({
      servedModelName: "fake-model",
      maxModelLen: 8192,
      respond: (req) => {
        const q = QUESTION_RE.exec(lastUserText(req.messages))?.[1]?.trim() ?? "";
        if (hopeless.has(q)) return { fault: "http", status: 500 };
        if (req.attempt === 1) return faults[req.index % faults.length];
        return answer(req);
      },
    });
    try {
      const out = tempDir();
      const { record, dir } = await evaluate({
        overrides: { modelUrl: [server.url], servedModel: "fake-model", params: { max_tokens: 256 }, timeoutS: 1 },
        modelsFile: join(out, "none.yaml"), tasks: ["medqa.en"], setting: "zero-shot", promptStyle: "cot", scoring: "generative",
        limit: 30, concurrency: 6, seed: 7, dataDir: SHARED_DATASETS, out, cache: false, bootstrap: 500, progress: "none",
        signal: new AbortController().signal, maxRetries: 2,
      });
      const t = record.tasks[0];
      expect(record.complete).toBe(false);
      expect(t.n).toBe(30);
      expect(t.errors).toBe(3);
      expect(t.scored).toBe(27);
      expect(t.accuracy).toBe(1);
      const samples = [...readJournal(join(dir, "samples.jsonl")).samples.values()];
      const errors = samples.filter((s) => s.status === "error");
      expect(errors.every((s) => /500/.test(s.error ?? "") && s.attempts === 3)).toBe(true);
      expect(samples.filter((s) => s.status !== "error").every((s) => s.attempts >= 2)).toBe(true);
    } finally {
      await server.close();
    }
  }, 60_000);

  it("refuses a max_tokens that leaves no room for a prompt, before sending anything", async () => {
    const small = await startFakeVllm({ servedModelName: "fake-model", maxModelLen: 4096 });
    try {
      const out = tempDir();
      const run = evaluate({
        overrides: { modelUrl: [small.url], servedModel: "fake-model", params: { max_tokens: 4096 } },
        modelsFile: join(out, "none.yaml"), tasks: ["medqa.en"], setting: "zero-shot", promptStyle: "cot", scoring: "generative",
        limit: 5, seed: 7, dataDir: SHARED_DATASETS, out, cache: false, bootstrap: 100, progress: "none",
        signal: new AbortController().signal,
      });
      await expect(run).rejects.toThrow(/max_tokens 4096 leaves no room for a prompt: the server's max_model_len for fake-model is 4096/);
      expect(small.generationRequests()).toHaveLength(0);
    } finally {
      await small.close();
    }
  });

  it("refuses replicas that serve different weights under one name, before sending anything", async () => {
    const a = await startFakeVllm({ servedModelName: "fake-model", maxModelLen: 8192, root: "/models/A" });
    const b = await startFakeVllm({ servedModelName: "fake-model", maxModelLen: 8192, root: "/models/B" });
    try {
      const out = tempDir();
      const run = evaluate({
        overrides: { modelUrl: [a.url, b.url], servedModel: "fake-model", params: { max_tokens: 256 } },
        modelsFile: join(out, "none.yaml"), tasks: ["medqa.en"], setting: "zero-shot", promptStyle: "cot", scoring: "generative",
        limit: 5, seed: 7, dataDir: SHARED_DATASETS, out, cache: false, bootstrap: 100, progress: "none",
        signal: new AbortController().signal,
      });
      await expect(run).rejects.toThrow(/replicas of fake-model do not serve the same model[\s\S]*\/models\/A → \/models\/B[\s\S]*--allow-different-checkpoints/);
      expect([...a.generationRequests(), ...b.generationRequests()]).toHaveLength(0);
      // Vouched for as the same weights at different paths, they serve the run.
      const vouched = await evaluate({
        overrides: { modelUrl: [a.url, b.url], servedModel: "fake-model", params: { max_tokens: 256 } },
        modelsFile: join(out, "none.yaml"), tasks: ["medqa.en"], setting: "zero-shot", promptStyle: "cot", scoring: "generative",
        limit: 5, seed: 7, dataDir: SHARED_DATASETS, out, cache: false, bootstrap: 100, progress: "none",
        signal: new AbortController().signal, allowDifferentCheckpoints: true,
      });
      expect(vouched.record.complete).toBe(true);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("routes over three replicas and finishes when one dies mid-run", async () => {
    const oracle = await buildOracle("medqa.en", SHARED_DATASETS, 60, () => true);
    const answer = oracleBehavior(oracle);
    const servers = await Promise.all([0, 1, 2].map(() => startFakeVllm({ servedModelName: "fake-model", maxModelLen: 8192, respond: (r) => ({ ...(answer(r) as object), delayMs: 10 }) })));
    let killed = false;
    const watcher = setInterval(() => {
      if (!killed && servers[1].requests.length >= 5) {
        killed = true;
        void servers[1].close();
      }
    }, 1);
    try {
      const out = tempDir();
      const { record, dir } = await evaluate({
        overrides: { modelUrl: servers.map((s) => s.url), servedModel: "fake-model", params: { max_tokens: 256 } },
        modelsFile: join(out, "none.yaml"), tasks: ["medqa.en"], setting: "zero-shot", promptStyle: "cot", scoring: "generative",
        limit: 60, concurrency: 6, seed: 7, dataDir: SHARED_DATASETS, out, cache: false, bootstrap: 500, progress: "none",
        signal: new AbortController().signal,
      });
      expect(killed).toBe(true);
      expect(record.tasks[0]).toMatchObject({ n: 60, errors: 0, accuracy: 1 });
      const endpoints = new Set([...readJournal(join(dir, "samples.jsonl")).samples.values()].map((s) => s.endpoint));
      expect(endpoints.has(servers[0].url) && endpoints.has(servers[2].url)).toBe(true);
    } finally {
      clearInterval(watcher);
      await Promise.all([servers[0].close(), servers[2].close()]);
    }
  }, 60_000);
});
