// The install step builds dist/ (`npm ci` runs `prepare`, which is `npm run build`), and
// bin/medeval.js runs it: from a clean copy of the package the build works, the compiled
// harness finds tasks/*.yaml and package.json from dist/, and a source newer than its build
// is run through tsx with a note instead of the stale build.
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../helpers.ts";
import { makeViewRun } from "../view/make-view-run.ts";

const ROOT = resolve(import.meta.dirname, "..", "..");
const PACKAGE_FILES = ["package.json", "tsconfig.json", "bin", "harness", "tasks"];

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
  const medevalFromSources = (...args: string[]) =>
    spawnSync(process.execPath, [join(copy, "bin", "medeval.js"), ...args], { cwd: tempDir(), env: { ...process.env, MEDEVAL_FROM_SOURCE: "1" }, encoding: "utf8" });

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

  it("the build lists the tasks the sources do, from the task files it checked at build time", () => {
    expect(existsSync(join(copy, "dist", "task-files.json"))).toBe(true);
    const built = medeval("tasks");
    const sources = medevalFromSources("tasks");
    expect(sources.status, sources.stderr).toBe(0);
    expect(built.stdout).toBe(sources.stdout);
  });

  it("a task file edited after the build is read afresh, not taken from the build's copy", () => {
    const file = join(copy, "tasks", "medqa.yaml");
    const original = readFileSync(file, "utf8");
    try {
      writeFileSync(file, original.replace(/^family: medqa$/m, "family: medqax"));
      const r = medeval("tasks");
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/medqax\.en/);
      expect(r.stdout).not.toMatch(/medqa\.en /);
    } finally {
      writeFileSync(file, original);
    }
  });

  it("the build's viewer serves its page and scripts (they are read from harness/view/assets)", async () => {
    const runs = tempDir();
    makeViewRun(runs, { runId: "r1", model: "alpha", task: "medqa.en", n: 3 });
    const { MEDEVAL_FROM_SOURCE: _, ...env } = process.env;
    const child = spawn(process.execPath, [join(copy, "bin", "medeval.js"), "view", runs], { env, stdio: ["ignore", "pipe", "pipe"] });
    try {
      let out = "";
      const url = await new Promise<string>((done, fail) => {
        child.stdout.on("data", (d) => {
          out += d;
          const m = /at (http:\/\/\S+?)\/?\s/.exec(out);
          if (m) done(m[1]);
        });
        child.stderr.on("data", (d) => (out += d));
        child.on("close", (code) => fail(new Error(`view exited (${code}): ${out}`)));
      });
      for (const path of ["/", "/assets/app.js", "/assets/style.css", "/vendor/preact.mjs"]) {
        const r = await fetch(url + path);
        expect(r.status, path).toBe(200);
      }
    } finally {
      child.kill("SIGTERM");
    }
  });

  it("the build imports traces and ranks them with the stemmed BM25 index (LanceDB and the stemmer load from node_modules)", () => {
    const work = tempDir("medeval-build-traces-");
    const file = join(work, "t.jsonl");
    const row = (id: string, question: string) =>
      JSON.stringify({ id, lang: "it", source_dataset: "medqa", source_question_id: `train-${id}`, question, options: ["a", "b", "c", "d"], answer: "B", reasoning: "r" });
    writeFileSync(file, `${row("pain", "Il paziente presenta dolori addominali")}\n${row("femur", "Frattura del femore")}\n`);
    const store = join(work, "store");
    const imported = medeval("traces", "import", file, "--store", store);
    expect(imported.status, imported.stderr).toBe(0);
    const search = medeval("traces", "search", "pazienti con dolore", "--lang", "it", "--store", store);
    expect(search.status, search.stderr).toBe(0);
    expect(search.stdout).toMatch(/pain/);
    expect(search.stdout).not.toMatch(/femur/);
  });

  it("a source edited after the build runs from the sources, with a note", () => {
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(copy, "harness", "types.ts"), later, later);
    const r = medeval("--version");
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^medeval: running the TypeScript sources \(harness\/types\.ts is newer than the build in dist\/; `npm run build`/);
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
