// Runs whose items do not all get an answer: a server killed mid-run, a server that always
// fails the same few prompts. Neither may end as a complete run with a clean exit, and every
// table must say on how many items a figure rests.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEnd } from "../../harness/commands/run.ts";
import { evaluate, type EvaluateOptions } from "../../harness/runner/evaluate.ts";
import { readJournal } from "../../harness/record/journal.ts";
import { EXIT_UNANSWERED_ITEMS, FAILURE_WINDOW } from "../../harness/runner/run.ts";
import type { RunRecord } from "../../harness/types.ts";
import { lastUserText } from "../fake-vllm/helpers.ts";
import { startFakeVllm, type FakeVllm } from "../fake-vllm/server.ts";
import { hasSharedDatasets, SHARED_DATASETS, SKIP_SHARED_REASON, tempDir } from "../helpers.ts";
import { buildOracle, oracleBehavior, type OracleTask } from "./oracle.ts";
import { fakeRunOptions } from "./fake-run-options.ts";

const ROOT = resolve(import.meta.dirname, "..", "..");
const TASKS = "medqa.en,headqa.es";
const LIMIT = 40;

function options(server: FakeVllm, out: string, extra: Partial<EvaluateOptions> = {}): EvaluateOptions {
  return fakeRunOptions({ url: server.url, out, tasks: TASKS.split(","), limit: LIMIT }, { maxRetries: 1, unavailableWaitMs: 300, ...extra });
}

interface CliResult { code: number | null; stdout: string; stderr: string }

function medeval(args: string[], home: string): Promise<CliResult> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(ROOT, "bin", "medeval.js"), ...args], { env: { ...process.env, MEDEVAL_HOME: home }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

const readRecord = (dir: string) => JSON.parse(readFileSync(join(dir, "run.json"), "utf8")) as RunRecord;

describe.skipIf(!hasSharedDatasets)(`runs with items that have no answer (${hasSharedDatasets ? "" : SKIP_SHARED_REASON})`, () => {
  let oracle: OracleTask[];

  beforeAll(async () => {
    oracle = await buildOracle(TASKS, SHARED_DATASETS, LIMIT, (_item, i) => i % 2 === 0);
  });

  it("a server killed mid-run: the run stops early, is not complete, exits with its own code, and resumes once the server is back", async () => {
    const answer = oracleBehavior(oracle);
    const server = await startFakeVllm({ servedModelName: "fake-model", maxModelLen: 8192, respond: (r) => ({ ...(answer(r) as object), delayMs: 5 }) });
    let killed = false;
    const watcher = setInterval(() => {
      if (!killed && server.generationRequests().length >= 12) {
        killed = true;
        void server.kill();
      }
    }, 1);
    try {
      const out = tempDir();
      const outcome = await evaluate(options(server, out, { runId: "killed" }));
      clearInterval(watcher);
      expect(killed).toBe(true);
      expect(outcome.record.complete).toBe(false);
      expect(outcome.endpointDown?.lastError).toMatch(/no endpoint answered|connection/);
      const samples = readJournal(join(out, "killed", "samples.jsonl")).samples.size;
      // Stopped early: far fewer items were tried than planned, instead of every item spending its retries.
      expect(samples).toBeLessThan(12 + FAILURE_WINDOW + 8);
      const planned = outcome.record.tasks.reduce((n, t) => n + (t.planned ?? 0), 0);
      expect(planned).toBe(2 * LIMIT);
      const end = runEnd(outcome, "medeval run --resume killed --out OUT");
      expect(end.exitCode).toBe(EXIT_UNANSWERED_ITEMS);
      expect(end.message).toMatch(/endpoint stopped answering[\s\S]*last error[\s\S]*medqa\.en: \d+ of 40 items have no answer[\s\S]*headqa\.es: \d+ of 40 items have no answer[\s\S]*medeval run --resume killed --out OUT/);

      await server.revive();
      const resumed = await evaluate(options(server, out, { resume: "killed" }));
      expect(resumed.endpointDown).toBeNull();
      expect(resumed.record.complete).toBe(true);
      for (const t of resumed.record.tasks) expect(t).toMatchObject({ n: LIMIT, planned: LIMIT, scored: LIMIT, errors: 0 });
      expect(runEnd(resumed, "…").exitCode).toBe(0);
    } finally {
      clearInterval(watcher);
      await server.close();
    }
  }, 60_000);

  describe("a server that always fails the same 5% of prompts", () => {
    let faulty: FakeVllm;
    let weaker: FakeVllm;
    const hopeless = new Set<string>();

    beforeAll(async () => {
      // Every 20th item's prompt always fails; the rest are answered, half of them right.
      for (const t of oracle) t.items.forEach((item, i) => i % 20 === 7 && hopeless.add(item.question.trim()));
      const answer = oracleBehavior(oracle);
      faulty = await startFakeVllm({
        servedModelName: "fake-model",
        maxModelLen: 8192,
        respond: (req) => ([...hopeless].some((q) => lastUserText(req.messages).includes(q)) ? { fault: "http", status: 500, message: "CUDA out of memory" } : answer(req)),
      });
      // A second model answering a third right: without the errors the faulty row would be best.
      const worse = await buildOracle(TASKS, SHARED_DATASETS, LIMIT, (_item, i) => i % 3 === 0);
      weaker = await startFakeVllm({ servedModelName: "weaker", maxModelLen: 8192, respond: oracleBehavior(worse) });
    });
    afterAll(async () => {
      await faulty?.close();
      await weaker?.close();
    });

    const args = (url: string, served: string, out: string) => [
      "run", "--model-url", url, "--served-model", served, "--tasks", TASKS, "--limit", String(LIMIT), "--data-dir", SHARED_DATASETS,
      "--out", out, "--max-tokens", "256", "--concurrency", "4", "--bootstrap", "200", "--seed", "7", "--no-cache", "--progress", "none", "--max-retries", "0",
    ];

    it("exits with its own code, prints the errors per task and the resume command; tables mark the row and never bold it", async () => {
      const home = tempDir();
      const out = tempDir();
      const run = await medeval(args(faulty.url, "fake-model", out), home);
      expect(run.code, run.stderr).toBe(EXIT_UNANSWERED_ITEMS);
      expect(run.stderr).toMatch(/medqa\.en: 2 of 40 items have no answer \(2 failed after retries\)/);
      expect(run.stderr).toMatch(/headqa\.es: 2 of 40 items have no answer/);
      const resume = /\S+ run --resume .*/.exec(run.stderr)![0];
      expect(resume).toContain(`--data-dir ${SHARED_DATASETS}`);
      expect(run.stdout).toMatch(/38 of 40†/);
      const runId = /--resume (\S+)/.exec(resume)![1];
      expect(readRecord(join(out, runId)).complete).toBe(false);

      const other = await medeval(args(weaker.url, "weaker", out), home);
      expect(other.code, other.stderr).toBe(0);

      const table = await medeval(["table", out], home);
      expect(table.code, table.stderr).toBe(0);
      const faultyRow = table.stdout.split("\n").find((l) => l.includes("fake-model"))!;
      expect(faultyRow).toContain("(38/40)†");
      expect(faultyRow).not.toContain("**");
      expect(table.stdout).toMatch(/† \(scored\/total\)/);

      // The retry fails again; accepting the errors finishes the run, and they stay marked.
      const again = await medeval([...resume.split(" ").slice(1), "--progress", "none"], home);
      expect(again.code, again.stderr).toBe(EXIT_UNANSWERED_ITEMS);
      const accepted = await medeval([...resume.split(" ").slice(1), "--progress", "none", "--accept-errors"], home);
      expect(accepted.code, accepted.stderr).toBe(0);
      expect(accepted.stderr).toMatch(/errors accepted/);
      expect(readRecord(join(out, runId))).toMatchObject({ complete: true, errors_accepted: true });
      const after = await medeval(["table", out, "--format", "markdown"], home);
      const row = after.stdout.split("\n").find((l) => l.includes("fake-model"))!;
      expect(row).toContain("(38/40)†");
      expect(row).not.toMatch(/\*\*\d/);
    }, 120_000);
  });
});
