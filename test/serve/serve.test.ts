// startVllmServer against fake `vllm` executables: ready after a delay, crash on start,
// never ready, dies mid-run, ignores SIGTERM. Every test checks that no process is left.
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ServeConfigSchema, startVllmServer, withVllmServer, type VllmServer } from "../../harness/serve/serve.ts";
import { UserError } from "../../harness/types.ts";
import { tempDir, waitGone } from "../helpers.ts";

const BIN_DIR = resolve(import.meta.dirname, "..", "fixtures", "fake-vllm-bin");
const bin = (name: string): string => join(BIN_DIR, `vllm-${name}.mjs`);

function argsSeen(file: string): { argv: string[]; pid: number } {
  return JSON.parse(readFileSync(file, "utf8")) as { argv: string[]; pid: number };
}

const started: VllmServer[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

function setup() {
  const dir = tempDir("medeval-serve-");
  return { dir, logFile: join(dir, "run", "vllm.log"), argsFile: join(dir, "args.json") };
}

describe("startVllmServer", () => {
  it("starts the server with an argument list, waits for /health, serves, and stops it", async () => {
    const { logFile, argsFile } = setup();
    const server = await startVllmServer({
      model: "/checkpoints/release 3; rm -rf /", // spaces and shell syntax stay one argument
      servedName: "med-7b",
      extraArgs: ["--max-model-len", "4096", "--reasoning-parser", "qwen3"],
      vllmBin: bin("ready"),
      apiKey: "sk-test",
      logFile,
      readyTimeoutMs: 10_000,
      pollIntervalMs: 50,
      env: { FAKE_VLLM_ARGS_FILE: argsFile, FAKE_VLLM_READY_DELAY_MS: "400" },
    });
    started.push(server);

    const { argv, pid } = argsSeen(argsFile);
    expect(argv).toEqual([
      "serve",
      "/checkpoints/release 3; rm -rf /",
      "--host",
      "127.0.0.1",
      "--port",
      String(server.port),
      "--served-model-name",
      "med-7b",
      "--api-key",
      "sk-test",
      "--max-model-len",
      "4096",
      "--reasoning-parser",
      "qwen3",
    ]);
    expect(server.args).toEqual(argv);
    expect(pid).toBe(server.pid);
    expect(server.baseUrl).toBe(`http://127.0.0.1:${server.port}`);

    const models = await fetch(`${server.baseUrl}/v1/models`, { headers: { authorization: "Bearer sk-test" } });
    expect(models.status).toBe(200);
    expect(((await models.json()) as { data: { id: string }[] }).data[0].id).toBe("med-7b");
    const chat = await fetch(`${server.baseUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer sk-test", "content-type": "application/json" },
      body: JSON.stringify({ model: "med-7b", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(chat.status).toBe(200);

    await server.stop();
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(await waitGone(server.pid)).toBe(true);
    expect(server.died.aborted).toBe(false); // a requested stop is not a death

    const log = readFileSync(logFile, "utf8");
    expect(log).toContain("loading /checkpoints/release 3; rm -rf / (served as med-7b)");
    expect(log).toContain("stderr goes to the same log");
    expect(log).toContain("got SIGTERM, shutting down");
    expect(process.listenerCount("SIGINT")).toBe(0); // handlers removed after stop
  });

  it("reports a crash during start-up with the log's last lines and its path", async () => {
    const { logFile, argsFile } = setup();
    const err = await startVllmServer({
      model: "org/model",
      servedName: "m",
      extraArgs: [],
      vllmBin: bin("crash"),
      logFile,
      readyTimeoutMs: 10_000,
      pollIntervalMs: 50,
      env: { FAKE_VLLM_ARGS_FILE: argsFile },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    const message = (err as Error).message;
    expect(message).toContain("exited during start-up (exit code 1)");
    expect(message).toContain("CUDA out of memory while loading weights");
    expect(message).toContain(logFile);
    expect(await waitGone(argsSeen(argsFile).pid)).toBe(true);
    expect(process.listenerCount("SIGTERM")).toBe(0);
  });

  it("gives up on a server that never becomes ready, and kills it", async () => {
    const { logFile, argsFile } = setup();
    const err = await startVllmServer({
      model: "org/model",
      servedName: "m",
      extraArgs: [],
      vllmBin: bin("never-ready"),
      logFile,
      readyTimeoutMs: 3000,
      pollIntervalMs: 50,
      stopGraceMs: 2000,
      env: { FAKE_VLLM_ARGS_FILE: argsFile },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    const message = (err as Error).message;
    expect(message).toMatch(/did not become ready within 3 s/);
    expect(message).toContain("serve.ready_timeout_s");
    expect(message).toContain(logFile);
    expect(message).toContain("fake vllm: loading org/model"); // the log's tail is shown
    expect(await waitGone(argsSeen(argsFile).pid)).toBe(true);
  });

  it("names a missing executable and how to point at one", async () => {
    const { logFile } = setup();
    const err = await startVllmServer({
      model: "m",
      servedName: "m",
      extraArgs: [],
      vllmBin: join(BIN_DIR, "no-such-vllm"),
      logFile,
      readyTimeoutMs: 2000,
      pollIntervalMs: 50,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/could not start .*no-such-vllm.*ENOENT/);
    expect((err as Error).message).toContain("--vllm-bin");
  });

  it("surfaces a server that dies mid-run through died, guard() and exited", async () => {
    const { logFile } = setup();
    const server = await startVllmServer({
      model: "m",
      servedName: "m",
      extraArgs: [],
      vllmBin: bin("dies-midrun"),
      logFile,
      readyTimeoutMs: 10_000,
      pollIntervalMs: 50,
    });
    started.push(server);
    const complete = () =>
      fetch(`${server.baseUrl}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }),
      });
    expect((await complete()).status).toBe(200);

    // A run waiting on work that would otherwise never finish (a client retrying forever).
    const hanging = new Promise<never>(() => {});
    const guarded = server.guard(hanging).catch((e: unknown) => e);
    await complete().catch(() => undefined); // this request kills the engine
    const err = await guarded;
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toContain("exited during the run (exit code 137)");
    expect((err as Error).message).toContain("EngineCore died unexpectedly");
    expect(server.died.aborted).toBe(true);
    expect(await server.exited).toEqual({ code: 137, signal: null });
    // After death, guard rejects at once.
    await expect(server.guard(Promise.resolve(1))).rejects.toThrow(/exited during the run/);
    await server.stop(); // harmless after death
  });

  it("escalates to SIGKILL when the server ignores SIGTERM", async () => {
    const { logFile } = setup();
    const server = await startVllmServer({
      model: "m",
      servedName: "m",
      extraArgs: [],
      vllmBin: bin("ignores-sigterm"),
      logFile,
      readyTimeoutMs: 10_000,
      pollIntervalMs: 50,
      stopGraceMs: 300,
    });
    await server.stop();
    expect(await server.exited).toEqual({ code: null, signal: "SIGKILL" });
    expect(await waitGone(server.pid)).toBe(true);
    expect(readFileSync(logFile, "utf8")).toContain("got SIGTERM, ignoring it");
  });

  it("stops a starting server when the caller aborts", async () => {
    const { logFile, argsFile } = setup();
    const controller = new AbortController();
    // Abort once the fake has started (it writes its arguments first thing).
    const poll = setInterval(() => {
      if (existsSync(argsFile)) {
        clearInterval(poll);
        controller.abort();
      }
    }, 20);
    const err = await startVllmServer({
      model: "m",
      servedName: "m",
      extraArgs: [],
      vllmBin: bin("never-ready"),
      logFile,
      readyTimeoutMs: 30_000,
      pollIntervalMs: 50,
      signal: controller.signal,
      env: { FAKE_VLLM_ARGS_FILE: argsFile },
    }).catch((e: unknown) => e);
    clearInterval(poll);
    expect((err as Error).message).toContain("cancelled");
    expect(await waitGone(argsSeen(argsFile).pid)).toBe(true);
  });
});

describe("withVllmServer", () => {
  it("returns the work's result and stops the server", async () => {
    const { logFile } = setup();
    let pid = 0;
    const models = await withVllmServer(
      { model: "m", servedName: "served", extraArgs: [], vllmBin: bin("ready"), logFile, readyTimeoutMs: 10_000, pollIntervalMs: 50 },
      async (server) => {
        pid = server.pid;
        const res = await fetch(`${server.baseUrl}/v1/models`);
        return ((await res.json()) as { data: { id: string }[] }).data.map((m) => m.id);
      },
    );
    expect(models).toEqual(["served"]);
    expect(await waitGone(pid)).toBe(true);
  });

  it("fails with the server's death, not a hang, when the server dies during the work", async () => {
    const { logFile } = setup();
    let pid = 0;
    const err = await withVllmServer(
      { model: "m", servedName: "m", extraArgs: [], vllmBin: bin("dies-midrun"), logFile, readyTimeoutMs: 10_000, pollIntervalMs: 50 },
      async (server) => {
        pid = server.pid;
        const body = JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] });
        const post = () => fetch(`${server.baseUrl}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body });
        await post();
        await post().catch(() => undefined);
        return new Promise<never>(() => {}); // a client that would keep retrying forever
      },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toContain("exited during the run");
    expect(await waitGone(pid)).toBe(true);
  });
});

describe("ServeConfigSchema", () => {
  it("fills defaults and rejects unknown fields", () => {
    expect(ServeConfigSchema.parse({ model: "org/m" })).toEqual({ model: "org/m", args: [], ready_timeout_s: 900, env: {} });
    expect(ServeConfigSchema.safeParse({ model: "org/m", extra_args: [] }).success).toBe(false);
    expect(ServeConfigSchema.safeParse({ model: "" }).success).toBe(false);
    expect(ServeConfigSchema.safeParse({ model: "m", args: "--x" }).success).toBe(false);
  });
});
