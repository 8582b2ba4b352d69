// The vLLM child must not outlive medeval: Ctrl-C, SIGTERM and a plain exit all end it.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir, waitGone } from "../helpers.ts";

const SCRIPT = join(import.meta.dirname, "_serve-then-wait.ts");
const BIN_DIR = resolve(import.meta.dirname, "..", "fixtures", "fake-vllm-bin");
const READY_BIN = join(BIN_DIR, "vllm-ready.mjs");

async function runParent(mode: "SIGINT" | "SIGTERM" | "exit", bin = READY_BIN) {
  const logFile = join(tempDir("medeval-serve-parent-"), "vllm.log");
  const parent = spawn(process.execPath, ["--import", "tsx", SCRIPT, bin, logFile, mode], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  parent.stderr.on("data", (c) => (err += c));
  const serverPid = await new Promise<number>((resolvePid, reject) => {
    parent.stdout.on("data", (c) => {
      out += c;
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) resolvePid((JSON.parse(line) as { serverPid: number }).serverPid);
    });
    parent.once("exit", () => (out.includes("serverPid") ? undefined : reject(new Error(`parent exited early: ${err}`))));
  });
  const parentExit = new Promise<{ code: number | null; signal: string | null }>((r) =>
    parent.once("exit", (code, signal) => r({ code, signal })),
  );
  if (mode !== "exit") parent.kill(mode);
  return { serverPid, parentExit: await parentExit, logFile };
}

describe("vLLM child and the parent's end", () => {
  it.each(["SIGINT", "SIGTERM"] as const)("%s to medeval stops the server, then ends medeval by that signal", async (sig) => {
    const { serverPid, parentExit } = await runParent(sig);
    expect(parentExit.signal).toBe(sig);
    expect(await waitGone(serverPid)).toBe(true);
  });

  it("a server that ignores SIGTERM is killed even when medeval is being stopped by a signal", async () => {
    // The default grace is 15 s; on a signal medeval waits at most 5 s, since CI runners
    // kill a cancelled job soon after their first signal.
    const { serverPid, parentExit, logFile } = await runParent("SIGTERM", join(BIN_DIR, "vllm-ignores-sigterm.mjs"));
    expect(parentExit.signal).toBe("SIGTERM");
    expect(await waitGone(serverPid)).toBe(true);
    expect(readFileSync(logFile, "utf8")).toContain("got SIGTERM, ignoring it");
  });

  it("a plain exit without stop() still ends the server", async () => {
    const { serverPid, parentExit } = await runParent("exit");
    expect(parentExit.code).toBe(0);
    expect(await waitGone(serverPid)).toBe(true);
  });
});
