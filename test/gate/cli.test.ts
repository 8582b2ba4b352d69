// `medeval check` and `medeval baseline` through the real CLI: exit codes, messages, files,
// and $GITHUB_STEP_SUMMARY.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { XMLValidator } from "fast-xml-parser";
import { beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../helpers.ts";
import { changed, outcomes, writeRun } from "./run-fixture.ts";

const ROOT = resolve(import.meta.dirname, "..", "..");

function medeval(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "harness", "cli.ts"), ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, GITHUB_STEP_SUMMARY: "", ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const BASE = outcomes(800, 560);
let dir: string;
let baselineRun: string;
let baselineFile: string;

beforeAll(() => {
  dir = tempDir("medeval-check-cli-");
  baselineRun = writeRun(dir, {
    runId: "release-3",
    tasks: [
      { task: "medqa.en", outcomes: BASE },
      { task: "medmcqa.en", outcomes: outcomes(400, 220) },
    ],
  });
  baselineFile = join(dir, "ci", "baseline.json");
});

describe("medeval baseline save / show", () => {
  it("writes the baseline and reads it back", () => {
    const save = medeval(["baseline", "save", baselineRun, "--out", join(dir, "baseline.json")]);
    expect(save.stderr).toBe("");
    expect(save.code).toBe(0);
    expect(save.stdout).toMatch(/wrote .*baseline\.json: 2 tasks, 1200 items, [\d.]+ KiB/);
    // Saved into a folder that does not exist yet, as CI setups often do.
    expect(medeval(["baseline", "save", baselineRun, "--out", baselineFile]).code).toBe(0);
    const show = medeval(["baseline", "show", baselineFile]);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/medqa\.en\s+n=\s+800\s+accuracy 70\.00%/);
    expect(medeval(["baseline", "show", baselineFile, "--tasks-only"]).stdout).toBe("medqa.en,medmcqa.en\n");
  });

  it("refuses an incomplete run unless forced", () => {
    const partial = writeRun(dir, { runId: "partial", tasks: [{ task: "medqa.en", outcomes: BASE }], complete: false });
    const r = medeval(["baseline", "save", partial, "--out", join(dir, "partial.json")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("not complete");
  });
});

describe("medeval check exit codes", () => {
  it("0 for a pass, with JUnit, Markdown and the step summary written", () => {
    const cand = writeRun(dir, {
      runId: "release-4-ok",
      tasks: [
        { task: "medqa.en", outcomes: changed(BASE, 6, 4) },
        { task: "medmcqa.en", outcomes: outcomes(400, 221) },
      ],
    });
    const summary = join(dir, "step-summary.md");
    writeFileSync(summary, "earlier step\n");
    const junit = join(dir, "out", "junit.xml");
    const md = join(dir, "out", "check.md");
    const r = medeval(["check", "--baseline", baselineFile, "--candidate", cand, "--junit", junit, "--markdown", md, "--bootstrap", "2000"], {
      GITHUB_STEP_SUMMARY: summary,
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("medeval check: pass (exit 0)");
    expect(r.stdout).toMatch(/medqa\.en .*800/);
    expect(XMLValidator.validate(readFileSync(junit, "utf8"))).toBe(true);
    expect(readFileSync(md, "utf8")).toContain("## ✅ medeval check: pass");
    const stepSummary = readFileSync(summary, "utf8");
    expect(stepSummary.startsWith("earlier step\n## ✅ medeval check: pass")).toBe(true);
  });

  it("1 for a regression, naming the task", () => {
    const cand = writeRun(dir, {
      runId: "release-4-bad",
      tasks: [
        { task: "medqa.en", outcomes: changed(BASE, 70, 5) },
        { task: "medmcqa.en", outcomes: outcomes(400, 220) },
      ],
    });
    const junit = join(dir, "bad.xml");
    const r = medeval(["check", "--baseline", baselineFile, "--candidate", cand, "--junit", junit, "--bootstrap", "2000"]);
    expect(r.code).toBe(1);
    // medqa.en drops 8 points; the macro over the two tasks drops 4.
    expect(r.stderr).toContain("medeval: regression: medqa.en, overall");
    expect(r.stdout).toContain("REGRESSION medqa.en");
    expect(readFileSync(junit, "utf8")).toContain('failures="2"');
  });

  it("2 for different items, saying which, and still writes the Markdown", () => {
    const cand = writeRun(dir, {
      runId: "release-4-limited",
      tasks: [
        { task: "medqa.en", outcomes: BASE.slice(0, 100) },
        { task: "medmcqa.en", outcomes: outcomes(400, 220) },
      ],
    });
    const md = join(dir, "limited.md");
    const r = medeval(["check", "--baseline", baselineFile, "--candidate", cand, "--markdown", md]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("cannot compare");
    expect(r.stderr).toContain("task medqa.en: different items: baseline has 800, candidate 100");
    expect(readFileSync(md, "utf8")).toContain("not comparable");
  });

  it("2 for a missing task", () => {
    const cand = writeRun(dir, { runId: "release-4-missing", tasks: [{ task: "medqa.en", outcomes: BASE }] });
    const r = medeval(["check", "--baseline", baselineRun, "--candidate", cand]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("missing tasks: the candidate did not evaluate medmcqa.en");
  });

  it("2 for bad input: a missing baseline, a bad flag value", () => {
    const missing = medeval(["check", "--baseline", join(dir, "nope.json"), "--candidate", baselineRun]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/baseline .*nope\.json does not exist/);
    const alpha = medeval(["check", "--baseline", baselineFile, "--candidate", baselineRun, "--alpha", "2"]);
    expect(alpha.code).toBe(2);
    expect(alpha.stderr).toContain("--alpha must lie between 0 and 1");
    const rate = medeval(["check", "--baseline", baselineFile, "--candidate", baselineRun, "--max-error-rate", "5"]);
    expect(rate.code).toBe(2);
    expect(rate.stderr).toContain("--max-error-rate must lie between 0 and 1");
    expect(existsSync(join(dir, "nope.json"))).toBe(false);
  });
});
