// `medeval run --export-batch / --import-batch` through the real CLI: the files it names, the
// end summary with every count and line, exit 1 while items are missing or failed and 0 once
// complete, and the flag combinations it refuses (exit 2, one line).
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { batchMode } from "../../harness/commands/run.ts";
import { UserError } from "../../harness/types.ts";
import { fakeRunBatch } from "../fake-vllm/run-batch.ts";
import { guessingBehavior } from "../fake-vllm/helpers.ts";
import { hasSharedDatasets, medevalCli, SHARED_DATASETS, SKIP_SHARED_REASON, tempDir } from "../helpers.ts";

const SERVER = { servedModelName: "fake-model", maxModelLen: 16_384, respond: guessingBehavior };

describe("batch flags", () => {
  it("are checked together", () => {
    expect(batchMode({})).toEqual({ kind: "live" });
    expect(batchMode({ "export-batch": "r.jsonl", "batch-size": "10", "served-checkpoint": "org/m" })).toMatchObject({ kind: "export", batchSize: { lines: 10 }, servedCheckpoint: "org/m" });
    expect(batchMode({ "import-batch": ["a.jsonl", "b.jsonl"] })).toMatchObject({ kind: "import", servedCheckpoint: null });
    const refused: [Parameters<typeof batchMode>[0], string][] = [
      [{ "export-batch": "r", "import-batch": ["o"] }, "two steps"],
      [{ "batch-size": "5" }, "--batch-size splits the file --export-batch writes"],
      [{ "export-batch": "r", "batch-size": "0" }, '--batch-size takes a whole number of lines ≥ 1 (50000) or a size (190MB, 100MiB), got "0"'],
      [{ "export-batch": "r", "batch-size": "2.5" }, 'got "2.5"'],
      [{ "export-batch": "r", "batch-size": "12 parsecs" }, 'got "12 parsecs"'],
      [{ "served-checkpoint": "org/m" }, "a live run reads them from the server's /v1/models"],
      [{ "import-batch": [] }, "--import-batch needs the output files"],
    ];
    for (const [argv, message] of refused) {
      expect(() => batchMode(argv)).toThrow(UserError);
      expect(() => batchMode(argv)).toThrow(message);
    }
  });
});

describe.skipIf(!hasSharedDatasets)(`medeval run --export-batch / --import-batch${hasSharedDatasets ? "" : ` (${SKIP_SHARED_REASON})`}`, () => {
  it("exports in parts, reports an incomplete import (exit 1), re-exports what is left, completes (exit 0)", async () => {
    const dir = tempDir();
    const home = join(dir, "home");
    const out = join(dir, "results");
    const run = ["run", "--model-url", "http://127.0.0.1:9/v1", "--served-model", "fake-model", "--tasks", "medqa.en", "--limit", "7", "--data-dir", SHARED_DATASETS, "--out", out, "--progress", "none", "--no-cache"];

    const exported = medevalCli([...run, "--export-batch", join(dir, "requests.jsonl"), "--batch-size", "3"], home);
    expect(exported.stderr).toBe("");
    expect(exported.code).toBe(0);
    const parts = [1, 2, 3].map((n) => join(dir, `requests-0000${n}.jsonl`));
    expect(exported.stdout).toContain(`wrote 7 requests of run `);
    expect(exported.stdout).toContain(`3 files:\n  ${parts.join("\n  ")}`);

    const results = parts.map((p) => p.replace("requests-", "results-"));
    await fakeRunBatch({ input: parts[0], output: results[0], server: SERVER, fail: new Map([[1, { kind: "status", status: 503 }]]) });
    await fakeRunBatch({ input: parts[1], output: results[1], server: SERVER, drop: new Set([2]) });
    await fakeRunBatch({ input: parts[2], output: results[2], server: SERVER });

    const partial = medevalCli([...run, "--import-batch", ...results, "--served-checkpoint", "org/fake"], home);
    expect(partial.code).toBe(1);
    expect(partial.stdout).toContain("read 6 lines from 3 file(s); scored 6");
    expect(partial.stdout).toContain("missing 1, failed 1, duplicated 0, foreign 0");
    expect(partial.stdout).toContain("checkpoint: org/fake; not queried live");
    expect(partial.stdout).toMatch(/missing \(no line answers them; exported again by --export-batch\):\n {2}medqa\.en\/\S+\n/);
    expect(partial.stdout).toMatch(new RegExp(`failed \\(exported again by --export-batch\\):\\n  ${results[0].replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:1 medqa\\.en/\\S+: HTTP 503: fake 503 error\\n`));
    expect(partial.stderr).toContain("the run is not complete");

    const again = join(dir, "again.jsonl");
    const second = medevalCli([...run, "--export-batch", again], home);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`wrote 2 requests of run `);
    expect(second.stdout).toContain("skipped 5 already answered in its samples.jsonl");
    await fakeRunBatch({ input: again, output: join(dir, "again-results.jsonl"), server: SERVER });

    const done = medevalCli([...run, "--import-batch", join(dir, "again-results.jsonl"), "--served-checkpoint", "org/fake"], home);
    expect(done.stderr).toBe("");
    expect(done.code).toBe(0);
    expect(done.stdout).toContain("missing 0, failed 0, duplicated 0, foreign 0");
    expect(readdirSync(out)).toHaveLength(1);
  }, 120_000);

  it("names the file and line of a line that is not batch output (exit 2)", () => {
    const dir = tempDir();
    const bad = join(dir, "requests.jsonl");
    writeFileSync(bad, `${JSON.stringify({ custom_id: "x", method: "POST", url: "/v1/chat/completions", body: {} })}\n`);
    const r = medevalCli(["run", "--model-url", "http://127.0.0.1:9/v1", "--served-model", "fake-model", "--tasks", "medqa.en", "--limit", "2", "--data-dir", SHARED_DATASETS, "--out", join(dir, "results"), "--import-batch", bad], join(dir, "home"));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}:1: this is a request line`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
