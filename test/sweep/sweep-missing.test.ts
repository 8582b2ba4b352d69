// What a cell lacks (a task that exists only once translated, the trace store), shown per cell by
// the dry run with the command that makes it, and refused by a real run with the same list while
// the other cells run; each cell that runs leaves its log, named at the end.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import sweepCommand from "../../harness/commands/sweep.ts";
import { planSweep } from "../../harness/sweep/plan.ts";
import { cellStatus } from "../../harness/sweep/run-sweep.ts";
import { hasSharedDatasets, SHARED_DATASETS, SKIP_SHARED_REASON, tempDir } from "../helpers.ts";
import { fakeServerFor, testBase } from "./sweep-helpers.ts";

const PAPER = resolve(import.meta.dirname, "..", "..", "sweeps", "paper.yaml");

/** The command's stdout and stderr, and its exit code. */
async function sweep(argv: Record<string, unknown>): Promise<{ stdout: string; stderr: string; code: number | undefined }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
  const e = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => (err.push(String(chunk)), true));
  try {
    await sweepCommand.handler({ "dry-run": false, "data-dir": SHARED_DATASETS, _: [], $0: "medeval", ...argv } as unknown as Parameters<typeof sweepCommand.handler>[0]);
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  const code = process.exitCode === undefined ? undefined : Number(process.exitCode);
  return { stdout: out.join(""), stderr: err.join(""), code };
}

afterEach(() => {
  delete process.env.MEDEVAL_HOME;
  process.exitCode = undefined;
});

const base = (out: string) => testBase(out, { offline: true });

describe.skipIf(!hasSharedDatasets)(`a sweep's missing tasks and trace store (${hasSharedDatasets ? "" : SKIP_SHARED_REASON})`, () => {
  const fake = fakeServerFor("m");

  it("sweeps/paper.yaml dry-runs: each cell lists the translations and the trace store it needs, with their commands", async () => {
    const dir = tempDir("medeval-sweep-paper-");
    process.env.MEDEVAL_HOME = join(dir, "home");
    const { stdout, code } = await sweep({ file: PAPER, out: join(dir, "results"), "dry-run": true });
    expect(code).toBeUndefined();
    expect(stdout).not.toContain("cannot be planned");
    const cells = stdout.split("\n  #").slice(1);
    expect(cells).toHaveLength(6);
    for (const cell of cells) {
      expect(cell).toMatch(/cannot run yet: \d+ items in the \d+ tasks that are here; it needs:/);
      expect(cell).toContain("- medqa.it, medqa.es: no test set (a machine translation of medqa.en is one)");
      expect(cell).toMatch(/make it: .*translate --tasks medqa\.en --to it,es --model-url URL --served-model MODEL --data-dir \S*shared\/datasets/);
    }
    const store = join(dir, "home", "traces");
    expect(cells.filter((c) => c.includes(`no trace store at ${store}`)).map((c) => c.slice(0, c.indexOf(" ")))).toEqual(["1", "3"]);
    expect(cells[1]).toContain(`traces import FILE --store ${store}`);
    expect(stdout).toContain("6 of 6 cells cannot run yet");
    expect(stdout).toContain("models medeval starts (serve:): llama-3.1-8b-med");
  }, 60_000);

  it("lists every missing thing of a cell with its status, and plans the tasks that are there", async () => {
    const dir = tempDir("medeval-sweep-missing-");
    process.env.MEDEVAL_HOME = join(dir, "home");
    const file = join(dir, "s.yaml");
    writeFileSync(file, `models:\n  - { name: m, base_urls: ["${fake().url}"], served_model: m }\nsettings:\n  traces: { setting: few-shot-traces }\ntasks: [medqa.en, medqa.it]\nlimit: 3\n`);
    const plan = planSweep(file);
    const s = await cellStatus(plan, plan.cells[0], base(join(dir, "results")));
    expect(s.runId).toBeNull();
    expect(s.planError).toBeUndefined();
    expect(s.items).toEqual([{ task: "medqa.en", n: 3, left: 3 }]);
    expect(s.missing.map((m) => m.what)).toEqual([
      "medqa.it: no test set (a machine translation of medqa.en is one)",
      `no trace store at ${join(dir, "home", "traces")} (few-shot-traces draws its shots from it)`,
    ]);
    expect(s.missing[0].fix).toMatch(/translate --tasks medqa\.en --to it .* or configure languages\.it\.test in \S+medqa\.yaml/);
  }, 60_000);

  it("a real run refuses the cell lacking the trace store with the same list, runs the other, logs both and exits 1 with the retry", async () => {
    const dir = tempDir("medeval-sweep-refuse-");
    process.env.MEDEVAL_HOME = join(dir, "home");
    const file = join(dir, "s.yaml");
    writeFileSync(
      file,
      `models:\n  - { name: m, base_urls: ["${fake().url}"], served_model: m }\nsettings:\n  zero: { setting: zero-shot }\n  traces: { setting: few-shot-traces }\ntasks: [medqa.en]\nlimit: 3\n`,
    );
    const out = join(dir, "results");
    fake().reset();
    const { stderr, code } = await sweep({ file, out });
    expect(code).toBe(1);
    expect(fake().generationRequests()).toHaveLength(3);
    // The cell that cannot run is refused as its model's cells are planned, before the other runs.
    expect(stderr).toMatch(/\[1\/2 cells\] #1 m × traces \(few-shot-traces\) × 1 tasks: failed: the cell cannot run yet: no trace store at \S+ \(few-shot-traces draws its shots from it\)\. \(log: /);
    expect(stderr).toMatch(/progress: \[1\/2 cells done\] #0 m × zero 3\/3 items/);
    expect(stderr).toMatch(/\[2\/2 cells\] #0 m × zero \(zero-shot\) × 1 tasks: done \(/);
    expect(stderr).toMatch(/--cells 1\n/);
    const logs = { zero: join(out, "sweep-logs", "s", "0-m-zero.log"), traces: join(out, "sweep-logs", "s", "1-m-traces.log") };
    expect(stderr).toContain(`#0: ${logs.zero}`);
    expect(stderr).toContain(`#1: ${logs.traces}`);
    const zero = readFileSync(logs.zero, "utf8");
    expect(zero).toMatch(/=== \S+ #0 m × zero \(zero-shot\) × 1 tasks\ntasks: medqa\.en\nrun: \S+ \(.*\); 3 of 3 items to do\n/);
    expect(zero).toMatch(/progress: 3\/3 items/);
    expect(zero).toMatch(/medqa\.en: accuracy [\d.]+ \(\d+\/3 scored of 3 items\)\ndone: .*; 3 requests sent, 0 retries\n/);
    const traces = readFileSync(logs.traces, "utf8");
    expect(traces).toContain(`the command that makes each:\n  - no trace store at ${join(dir, "home", "traces")}`);
    expect(traces).toContain("traces import FILE --store");
    // The table is made of the cell that finished.
    expect(existsSync(join(out, "s.table.md"))).toBe(true);
  }, 60_000);
});
