// docs/cluster.md's `vllm run-batch` route, run as written: its bash blocks in order, with the
// real medeval CLI and, for `vllm run-batch`, the fake one (test/fake-vllm/run-batch.ts) on
// PATH. Export → run-batch → import → table must give a complete run from the docs alone.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { readRunRecord } from "../../harness/record/run-files.ts";
import { hasSharedDatasets, SHARED_DATASETS, SKIP_SHARED_REASON, tempDir } from "../helpers.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const DOC = readFileSync(join(ROOT, "docs", "cluster.md"), "utf8");
const HEADING = "## The `vllm run-batch` route";

function sectionBlocks(): string[] {
  const start = DOC.indexOf(HEADING);
  expect(start).toBeGreaterThanOrEqual(0);
  const rest = DOC.slice(start + HEADING.length);
  const end = rest.search(/^## /m);
  const section = end < 0 ? rest : rest.slice(0, end);
  return [...section.matchAll(/^```bash\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

/** `medeval` (the CLI from the sources) and `vllm run-batch` (the fake) as commands on PATH. */
function shims(dir: string): string {
  const bin = join(dir, "bin");
  mkdirSync(bin);
  const tsx = pathToFileURL(join(ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;
  const node = `"${process.execPath}" --import "${tsx}"`;
  writeFileSync(join(bin, "medeval"), `#!/bin/sh\nexec ${node} "${join(ROOT, "harness", "cli.ts")}" "$@"\n`);
  writeFileSync(join(bin, "vllm"), `#!/bin/sh\n[ "$1" = run-batch ] || { echo "only run-batch is faked" >&2; exit 64; }\nshift\nexec ${node} "${join(ROOT, "test", "fake-vllm", "run-batch.ts")}" "$@"\n`);
  for (const f of ["medeval", "vllm"]) chmodSync(join(bin, f), 0o755);
  return bin;
}

describe.skipIf(!hasSharedDatasets)(`docs/cluster.md run-batch route${hasSharedDatasets ? "" : ` (${SKIP_SHARED_REASON})`}`, () => {
  it("runs as written: export in parts, run-batch each, import them all, table", () => {
    const blocks = sectionBlocks();
    expect(blocks).toHaveLength(3);
    const dir = tempDir();
    const env = { ...process.env, PATH: `${shims(dir)}:${process.env.PATH}`, MEDEVAL_DATA_DIR: SHARED_DATASETS, MEDEVAL_HOME: join(dir, "home") };
    const outputs = blocks.map((block, i) => {
      const file = join(dir, `block-${i}.sh`);
      writeFileSync(file, `set -e\n${block}`);
      const r = spawnSync("bash", [file], { cwd: dir, env, encoding: "utf8" });
      expect(r.status, `block ${i}:\n${block}\n${r.stdout}\n${r.stderr}`).toBe(0);
      return r.stdout;
    });
    // 2 tasks × 60 items in files of at most 50 lines, each answered.
    expect(outputs[0]).toContain("wrote 120 requests");
    expect(outputs[0]).toContain("3 files");
    const batch = readdirSync(join(dir, "batch")).sort();
    expect(batch).toEqual([1, 2, 3].flatMap((n) => [`requests-0000${n}.jsonl`, `results-0000${n}.jsonl`]).sort());
    expect(outputs[2]).toContain("read 120 lines from 3 file(s); scored 120");
    expect(outputs[2]).toContain("missing 0, failed 0, duplicated 0, foreign 0");
    const runs = readdirSync(join(dir, "results"));
    expect(runs).toHaveLength(1);
    const record = readRunRecord(join(dir, "results", runs[0], "run.json"));
    expect(record.complete).toBe(true);
    expect(record.server.queried_live).toBe(false);
    expect(existsSync(join(dir, "results", runs[0], "samples.jsonl"))).toBe(true);
    // The table (last command of the block) lists both tasks.
    expect(outputs[2]).toMatch(/medqa/i);
    expect(outputs[2]).toMatch(/headqa/i);
    // The table says where the checkpoint came from.
    expect(outputs[2]).toContain("answered from batch files; checkpoint Qwen/Qwen3-8B as given at import (--served-checkpoint), not queried live");
  }, 120_000);
});
