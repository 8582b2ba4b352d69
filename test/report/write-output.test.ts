// Output paths that cannot be written and out-of-range flags are the user's to fix: every
// command says so in one line (exit 2), never "unexpected error", and leaves no half file.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, statSync, symlinkSync, writeFileSync } from "node:fs";
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

  it("writes through a FIFO, a device and symlinks instead of replacing them", async () => {
    const dir = tempDir();
    const fifo = join(dir, "pipe");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const reader = spawn("cat", [fifo]);
    let received = "";
    reader.stdout.on("data", (d: Buffer) => (received += d.toString()));
    const closed = new Promise((r) => reader.on("close", r));
    writeOutputFile(fifo, "through the pipe\n");
    await closed;
    expect(received).toBe("through the pipe\n");
    expect(statSync(fifo).isFIFO()).toBe(true);

    writeOutputFile("/dev/null", "gone\n");
    expect(statSync("/dev/null").isCharacterDevice()).toBe(true);
    const toDevice = join(dir, "null-link");
    symlinkSync("/dev/null", toDevice);
    writeOutputFile(toDevice, "gone\n");
    expect(lstatSync(toDevice).isSymbolicLink()).toBe(true);

    // A link to a file: the link stays, its target gets the text (and keeps its mode).
    mkdirSync(join(dir, "real"));
    const target = join(dir, "real", "table.md");
    writeFileSync(target, "old\n", { mode: 0o640 });
    const link = join(dir, "table.md");
    symlinkSync(join("real", "table.md"), link);
    writeOutputFile(link, "new\n");
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(join("real", "table.md"));
    expect(readFileSync(target, "utf8")).toBe("new\n");
    expect(statSync(target).mode & 0o777).toBe(0o640);
    expect(readdirSync(join(dir, "real"))).toEqual(["table.md"]);
    // A dangling link makes its target.
    const dangling = join(dir, "later.md");
    symlinkSync(join("real", "later.md"), dangling);
    writeOutputFile(dangling, "made\n");
    expect(readFileSync(join(dir, "real", "later.md"), "utf8")).toBe("made\n");
  });

  it("- writes to standard output, with the command's own notes kept off it", () => {
    const dir = tempDir();
    const run = makeRun(join(dir, "results"), { model: "m", setting: "zero-shot", tasks: { "medqa.en": outcomes(20, 10) } });
    const table = medeval(["table", run, "--bootstrap", "100", "--format", "csv", "--out", "-"]);
    expect(table.status, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/medqa/);
    expect(existsSync("-")).toBe(false);
    const saved = medeval(["baseline", "save", run, "--out", "-"]);
    expect(saved.status, saved.stderr).toBe(0);
    expect(JSON.parse(saved.stdout).format).toBe("medeval-baseline");
    expect(saved.stderr).toMatch(/^wrote -: 1 tasks/);
  }, 60_000);

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
  }, 180_000);
});
