import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../helpers.ts";
import { makeViewRun } from "./make-view-run.ts";

const CLI = resolve(import.meta.dirname, "..", "..", "bin", "medeval.js");

describe("medeval view (command)", () => {
  it("serves on 127.0.0.1 at a free port it prints, and stops on Ctrl-C with exit 0", async () => {
    const dir = tempDir();
    makeViewRun(dir, { runId: "r1", model: "alpha", task: "medqa.en", n: 20 });
    const child = spawn(process.execPath, [CLI, "view", dir], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const url = await new Promise<string>((done, fail) => {
      child.stdout.on("data", (d) => {
        out += d;
        const m = out.match(/at (http:\/\/127\.0\.0\.1:\d+\/)/);
        if (m) done(m[1]);
      });
      child.on("exit", (code) => fail(new Error(`exited ${code}: ${out}`)));
    });
    expect(out).toContain("1 run(s)");
    const runs = (await (await fetch(new URL("/api/runs", url))).json()) as { runs: { key: string }[] };
    expect(runs.runs.map((r) => r.key)).toEqual(["r1"]);
    const code = await new Promise<number | null>((done) => {
      child.on("exit", (c) => done(c));
      child.kill("SIGINT");
    });
    expect(code).toBe(0);
  }, 60_000);

  it("refuses a folder without runs, and a port in use, with what to do", async () => {
    const empty = spawnSync(process.execPath, [CLI, "view", tempDir()], { encoding: "utf8", timeout: 60_000 });
    expect(empty.status).toBe(2);
    expect(empty.stderr).toMatch(/no run folders \(folders with run\.json\) found under it/);
    const dir = tempDir();
    makeViewRun(dir, { runId: "r1", model: "alpha", task: "medqa.en", n: 5 });
    const taken = createServer();
    await new Promise<void>((done) => taken.listen(0, "127.0.0.1", () => done()));
    const port = (taken.address() as { port: number }).port;
    try {
      const busy = spawnSync(process.execPath, [CLI, "view", dir, "--port", String(port)], { encoding: "utf8", timeout: 60_000 });
      expect(busy.status).toBe(2);
      expect(busy.stderr).toContain(`--port ${port}: already in use`);
    } finally {
      taken.close();
    }
  }, 120_000);
});
