// The install step builds dist/ (`npm ci` runs `prepare`, which is `npm run build`), and
// bin/medeval.js runs it: from a clean copy of the package the build works, the compiled
// harness finds tasks/*.yaml and package.json from dist/, and a source newer than its build
// is run through tsx with a note instead of the stale build.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, utimesSync } from "node:fs";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../helpers.ts";

const ROOT = resolve(import.meta.dirname, "..", "..");
const PACKAGE_FILES = ["package.json", "tsconfig.json", "tsconfig.build.json", "bin", "harness", "tasks"];

describe("compiled start-up", { timeout: 300_000 }, () => {
  const copy = join(tempDir("medeval-build-"), "medeval");

  beforeAll(() => {
    mkdirSync(copy);
    for (const entry of PACKAGE_FILES) cpSync(join(ROOT, entry), join(copy, entry), { recursive: true });
    symlinkSync(join(ROOT, "node_modules"), join(copy, "node_modules"));
  });

  // Without MEDEVAL_FROM_SOURCE (the test run sets it), as a user runs it, from another folder.
  const medeval = (...args: string[]) => {
    const { MEDEVAL_FROM_SOURCE: _, ...env } = process.env;
    return spawnSync(process.execPath, [join(copy, "bin", "medeval.js"), ...args], { cwd: tempDir(), env, encoding: "utf8" });
  };

  it("builds from a clean state", () => {
    expect(existsSync(join(copy, "dist"))).toBe(false);
    const build = spawnSync("npm", ["run", "build"], { cwd: copy, encoding: "utf8" });
    expect(build.status, `${build.stdout}\n${build.stderr}`).toBe(0);
    expect(existsSync(join(copy, "dist", "cli.js"))).toBe(true);
  });

  it("runs the build: --version, and tasks/*.yaml found from dist/", () => {
    const version = medeval("--version");
    expect(version.stderr).toBe("");
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(copy, "package.json"), "utf8")).version);
    const tasks = medeval("tasks");
    expect(tasks.stderr).toBe("");
    expect(tasks.status).toBe(0);
    expect(tasks.stdout).toMatch(/medqa\.en/);
  });

  it("a source edited after the build runs from the sources, with a note", () => {
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(copy, "harness", "types.ts"), later, later);
    const r = medeval("--version");
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^medeval: running the TypeScript sources \(harness\/types\.ts is newer than its build in dist\/; `npm run build`/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("no build at all runs from the sources, with a note", () => {
    rmSync(join(copy, "dist"), { recursive: true });
    const r = medeval("--version");
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/dist\/ is not built/);
  });
});
