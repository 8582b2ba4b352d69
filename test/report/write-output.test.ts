// Output paths that cannot be written and out-of-range flags are the user's to fix: every
// command says so in one line (exit 2), never "unexpected error", and leaves no half file.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { writeOutputFile } from "../../harness/report/write-output.ts";
import { UserError } from "../../harness/types.ts";
import { tempDir } from "../helpers.ts";
import { makeRun, outcomes } from "./make-run.ts";

const CLI = resolve(import.meta.dirname, "..", "..", "bin", "medeval.js");

function medeval(args: string[]) {
  return spawnSync(CLI, args, { encoding: "utf8" });
}

describe("writing command outputs", () => {
  it("makes the folder, writes whole, and names the flag when the path cannot be written", () => {
    const dir = tempDir();
    writeOutputFile(join(dir, "new", "t.md"), "hello\n");
    expect(readdirSync(join(dir, "new"))).toEqual(["t.md"]);
    writeFileSync(join(dir, "file"), "x");
    expect(() => writeOutputFile(join(dir, "file", "t.md"), "x", "--svg")).toThrow(UserError);
    expect(() => writeOutputFile(join(dir, "file", "t.md"), "x", "--svg")).toThrow(/^--svg .*file\/t\.md: cannot write it/);
    mkdirSync(join(dir, "folder"));
    expect(() => writeOutputFile(join(dir, "folder"), "x")).toThrow(/it is a folder/);
    expect(readdirSync(dir).sort()).toEqual(["file", "folder", "new"]);
  });

  it("table, report, compare, check and extract answer bad paths and flags with exit 2", () => {
    const dir = tempDir();
    const run = makeRun(join(dir, "results"), { model: "m", setting: "zero-shot", tasks: { "medqa.en": outcomes(20, 10) } });
    writeFileSync(join(dir, "file"), "x");
    const blocked = join(dir, "file", "out.txt");
    const cases: [string[], RegExp][] = [
      [["table", run, "--bootstrap", "100", "--out", blocked], /--out .*: cannot write it/],
      [["report", run, "--bootstrap", "100", "--out", blocked], /--out .*: cannot write it/],
      [["report", run, "--level", "2"], /--level must be in \(0, 1\)/],
      [["compare", run, run, "--bootstrap", "100", "--out", blocked], /--out .*: cannot write it/],
      [["check", "--baseline", run, "--candidate", run, "--bootstrap", "100", "--junit", dir], /--junit .*: cannot write it \(it is a folder\)/],
      [["extract", "--input", dir], /--input .*: is a folder/],
      [["table", run, "--bootstrap", "5"], /--bootstrap must be a whole number ≥ 100, got 5/],
      [["compare", run, run, "--bootstrap", "5"], /--bootstrap must be a whole number ≥ 100, got 5/],
    ];
    for (const [args, message] of cases) {
      const res = medeval(args);
      expect(res.stderr, args.join(" ")).toMatch(message);
      expect(res.stderr).not.toMatch(/unexpected error/);
      expect(res.status, args.join(" ")).toBe(2);
    }
    expect(existsSync(join(dir, "report.html"))).toBe(false);
  });
});
