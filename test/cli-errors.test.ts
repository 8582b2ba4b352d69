// File-system refusals are the environment, not bugs: the CLI names the path and what to do.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "./helpers.ts";

const CLI = resolve(import.meta.dirname, "..", "bin", "medeval.js");

describe("file-system errors", () => {
  it("a file where a folder is needed is a clear error (exit 2), not an unexpected one", () => {
    const dir = tempDir();
    const traces = join(dir, "traces.jsonl");
    writeFileSync(traces, `${JSON.stringify({ id: "t1", lang: "en", source_dataset: "medqa", source_question_id: "train-1", question: "Which vessel?", options: ["Aorta", "Vena cava"], answer: "A", reasoning: "Because." })}\n`);
    const file = join(dir, "not-a-folder.txt");
    writeFileSync(file, "x");
    const r = spawnSync(process.execPath, [CLI, "traces", "import", traces, "--store", file], { encoding: "utf8", env: { ...process.env, MEDEVAL_HOME: dir } });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(file);
    expect(r.stderr).not.toMatch(/unexpected error|at .*\.ts:\d+/);
    expect(r.stderr).toMatch(/(ENOTDIR|EEXIST)/);
  });

});
