// Two processes on one run folder, as a user (two terminals) or a scheduler (a retry while the
// first attempt lives) starts them: one writes, the other is refused naming it; a lock left by
// a process killed with -9 is taken over by the next run, which says so.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeVllm, type FakeVllm } from "../fake-vllm/server.ts";
import { answerWith } from "../fake-vllm/helpers.ts";
import { hasSharedDatasets, SHARED_DATASETS, SKIP_SHARED_REASON, tempDir, waitGone } from "../helpers.ts";

const ROOT = resolve(import.meta.dirname, "..", "..");
const LIMIT = 12;

interface Started { child: ChildProcess; done: Promise<{ code: number | null; stderr: string; stdout: string }> }

function startCli(url: string, out: string, home: string): Started {
  const args = [
    join(ROOT, "bin", "medeval.js"), "run", "--model-url", url, "--served-model", "fake-model", "--tasks", "medqa.en",
    "--limit", String(LIMIT), "--data-dir", SHARED_DATASETS, "--out", out, "--run-id", "shared", "--max-tokens", "64",
    "--concurrency", "2", "--bootstrap", "200", "--progress", "none", "--no-cache",
  ];
  const child = spawn(process.execPath, args, { env: { ...process.env, MEDEVAL_HOME: home }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  return { child, done: new Promise((r) => child.on("close", (code) => r({ code, stderr, stdout }))) };
}

async function until(condition: () => boolean, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!hasSharedDatasets)(`one writer per run folder (${hasSharedDatasets ? "" : SKIP_SHARED_REASON})`, () => {
  let server: FakeVllm;
  let open: () => void = () => {};
  let gate: Promise<void> = Promise.resolve();
  const hold = () => (gate = new Promise((r) => (open = r)));
  const chats = () => server.requests.filter((r) => r.path.endsWith("/chat/completions")).length;

  beforeAll(async () => {
    const answer = answerWith(() => "A", "direct");
    // Answers wait for the gate: the first process is mid-run for as long as the test needs.
    server = await startFakeVllm({ servedModelName: "fake-model", maxModelLen: 8192, respond: async (req) => (await gate, answer(req)) });
  });
  afterAll(() => server?.close());

  it("a second process on the same run is refused, naming the first; the first alone writes the run", async () => {
    const out = tempDir();
    const home = tempDir();
    hold();
    server.reset();
    const first = startCli(server.url, out, home);
    await until(() => chats() > 0);
    const second = await startCli(server.url, out, home).done;
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(new RegExp(`is in use: medeval run \\(pid ${first.child.pid} on .*, since .*\\) is writing into it`));
    open();
    const result = await first.done;
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(join(out, "shared", "samples.jsonl"), "utf8").trim().split("\n")).toHaveLength(LIMIT);
    expect(chats()).toBe(LIMIT);
  }, 300_000);

  it("a lock left by a killed run is taken over by the next, which says so and finishes the run", async () => {
    const out = tempDir();
    const home = tempDir();
    hold();
    server.reset();
    const killed = startCli(server.url, out, home);
    await until(() => chats() > 0);
    killed.child.kill("SIGKILL");
    await killed.done;
    expect(await waitGone(killed.child.pid!)).toBe(true);
    open();
    const next = await startCli(server.url, out, home).done;
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toMatch(new RegExp(`took over the lock of .*shared from medeval run \\(pid ${killed.child.pid} on .*\\), which is no longer running`));
  }, 300_000);
});
