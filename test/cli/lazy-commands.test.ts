// cli.ts imports only the command being run: a zero-shot `run` and `--version` never load
// LanceDB (a 155 MB native module) or apache-arrow, while `--help` still lists every command.
// What a process loaded is read back from test/cli/loaded-modules.cjs, preloaded with --require.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMANDS } from "../../harness/commands/_manifest.ts";
import { answerWith, guessLetter } from "../fake-vllm/helpers.ts";
import { startFakeVllm, type FakeVllm } from "../fake-vllm/server.ts";
import { tempDir } from "../helpers.ts";

const ROOT = resolve(import.meta.dirname, "..", "..");
const FIXTURES = join(ROOT, "test", "fixtures", "data");

interface Loaded {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Files of the CommonJS modules the process loaded. */
  modules: string[];
}

function medeval(args: string[]): Promise<Loaded> {
  const list = join(tempDir(), "loaded.txt");
  return new Promise((done) => {
    const child = spawn(process.execPath, ["--require", join(ROOT, "test", "cli", "loaded-modules.cjs"), join(ROOT, "bin", "medeval.js"), ...args], {
      cwd: ROOT,
      env: { ...process.env, MEDEVAL_FROM_SOURCE: "1", MEDEVAL_HOME: tempDir(), MEDEVAL_LOADED_MODULES_FILE: list },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => done({ code, stdout, stderr, modules: readFileSync(list, "utf8").split("\n") }));
  });
}

const lance = (r: Loaded) => r.modules.filter((m) => m.includes("/@lancedb/"));
const arrow = (r: Loaded) => r.modules.filter((m) => m.includes("/apache-arrow/"));

describe("lazy commands", { timeout: 120_000 }, () => {
  let server: FakeVllm;
  beforeAll(async () => {
    server = await startFakeVllm({ servedModelName: "fake-model", respond: answerWith(guessLetter, "cot") });
  });
  afterAll(() => server?.close());

  it("a zero-shot run loads neither LanceDB nor apache-arrow", async () => {
    const r = await medeval([
      "run", "--model-url", server.url, "--served-model", "fake-model", "--tasks", "demo.it", "--tasks-dir", join(FIXTURES, "tasks"),
      "--data-dir", join(FIXTURES, "datadir"), "--limit", "1", "--out", tempDir(), "--progress", "none", "--no-cache", "--max-tokens", "256",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(server.generationRequests().length).toBe(1);
    expect(r.modules.some((m) => m.includes("/yaml/")), "the hook sees what the run loads").toBe(true);
    expect(lance(r)).toEqual([]);
    expect(arrow(r)).toEqual([]);
  });

  it("a command that opens the trace store does load LanceDB (the check can see it)", async () => {
    const store = tempDir();
    mkdirSync(store, { recursive: true });
    const r = await medeval(["traces", "stats", "--store", store]);
    expect(r.code, r.stderr).toBe(0);
    expect(lance(r).some((m) => m.endsWith(".node"))).toBe(true);
  });

  it("--version loads no command's dependencies", async () => {
    const r = await medeval(["--version"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(lance(r)).toEqual([]);
    expect(r.modules.filter((m) => m.includes("/cli-table3/") || m.includes("/seedrandom/"))).toEqual([]);
  });

  it("--help lists every command with its description", async () => {
    const r = await medeval(["--help"]);
    expect(r.code, r.stderr).toBe(0);
    for (const entry of COMMANDS) {
      expect(r.stdout).toContain(`medeval ${entry.command}`);
      expect(r.stdout.replace(/\s+/g, " ")).toContain(entry.describe.slice(0, 40));
    }
    expect(lance(r)).toEqual([]);
  });

  it("a command's own --help shows its options (its module is loaded)", async () => {
    const r = await medeval(["run", "--help"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("--model-url");
  });

  it("a mistyped command still gets a suggestion", async () => {
    const r = await medeval(["rnu"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Did you mean run\?/);
  });
});
