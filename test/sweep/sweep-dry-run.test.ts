// medeval sweep --dry-run: items per cell and which cells are already complete (their run.json
// under the cell's own run id), without a request or a server started.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import sweepCommand from "../../harness/commands/sweep.ts";
import { hasSharedDatasets, SHARED_DATASETS, SKIP_SHARED_REASON, tempDir } from "../helpers.ts";

const BIN = join(import.meta.dirname, "..", "fixtures", "fake-vllm-bin", "vllm-ready.mjs");

async function sweep(file: string, out: string, extra: { "dry-run"?: boolean; cells?: string } = {}): Promise<string> {
  const printed: string[] = [];
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => (printed.push(String(chunk)), true));
  const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    const argv = { file, out, "dry-run": false, "data-dir": SHARED_DATASETS, "vllm-bin": BIN, ...extra, _: [], $0: "medeval" };
    await sweepCommand.handler(argv as unknown as Parameters<typeof sweepCommand.handler>[0]);
  } finally {
    spy.mockRestore();
    err.mockRestore();
  }
  return printed.join("");
}

afterEach(() => {
  delete process.env.MEDEVAL_HOME;
  process.exitCode = undefined;
});

describe.skipIf(!hasSharedDatasets)(`medeval sweep --dry-run (${hasSharedDatasets ? "" : SKIP_SHARED_REASON})`, () => {
  it("lists each cell's items and whether it is complete, partial or not started", async () => {
    const dir = tempDir("medeval-sweep-dry-");
    process.env.MEDEVAL_HOME = join(dir, "home");
    writeFileSync(join(dir, "models.yaml"), `models:
  served:
    served_model: local-ckpt
    params: { max_tokens: 64 }
    serve:
      model: /checkpoints/step-1000
      ready_timeout_s: 20
`);
    const file = join(dir, "served.yaml");
    writeFileSync(file, `models: [served]
settings:
  cot: { setting: zero-shot, prompt_style: cot }
  direct: { setting: zero-shot, prompt_style: direct }
tasks: [medqa.en, headqa.es]
limit: 3
`);
    const out = join(dir, "results");
    const before = await sweep(file, out, { "dry-run": true });
    expect(before).toMatch(/#0 served × cot \(zero-shot\) × 2 tasks: 6 items \(medqa\.en 3, headqa\.es 3\); not started → \S+/);
    expect(before).toMatch(/#1 served × direct \(zero-shot\) × 2 tasks: 6 items .*; not started/);
    expect(before).toMatch(/#0 served × cot .*\n    6 requests \(1 per item, generative; at most 42 with 6 retries each\)/);
    expect(before).toContain("12 items in the 2 cells planned, 12 left → 12 requests (at most 84 with retries); 0 of 2 cells already complete");
    expect(before).toContain("models medeval starts (serve:): served");

    await sweep(file, out, { cells: "0" });
    expect(process.exitCode).toBeUndefined();
    const after = await sweep(file, out, { "dry-run": true });
    expect(after).toMatch(/#0 served × cot .*; complete → /);
    expect(after).toMatch(/#1 served × direct .*; not started → /);
    expect(after).toContain("12 items in the 2 cells planned, 6 left → 6 requests (at most 42 with retries); 1 of 2 cells already complete");

    // A partial run: its journal lacks two items; the dry run counts what is done and asks only for the rest.
    const runDir = join(out, readdirSync(out).find((d) => d.startsWith("served-zero-shot-cot"))!);
    const record = JSON.parse(readFileSync(join(runDir, "run.json"), "utf8")) as { complete: boolean };
    writeFileSync(join(runDir, "run.json"), JSON.stringify({ ...record, complete: false }));
    const lines = readFileSync(join(runDir, "samples.jsonl"), "utf8").trimEnd().split("\n");
    writeFileSync(join(runDir, "samples.jsonl"), `${lines.slice(0, -2).join("\n")}\n`);
    const partial = await sweep(file, out, { "dry-run": true });
    expect(partial).toMatch(/#0 served × cot .*; partial: 4 of 6 items done, 2 left, resumes → \S+\n    2 requests \(1 per item, generative; at most 14 with 6 retries each\)/);
    expect(partial).toContain("12 items in the 2 cells planned, 8 left → 8 requests (at most 56 with retries); 0 of 2 cells already complete");
  }, 60_000);
});
