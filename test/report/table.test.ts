import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { loadScores, tableFor } from "../../harness/report/build.ts";
import { renderCsv } from "../../harness/report/render-data.ts";
import { renderLatex } from "../../harness/report/render-latex.ts";
import { renderMarkdown, renderTerminal } from "../../harness/report/render-text.ts";
import { tempDir } from "../helpers.ts";
import { makeRun, outcomes } from "./make-run.ts";

const CLI = resolve(import.meta.dirname, "..", "..", "bin", "medeval.js");

function which(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}
const hasPdflatex = which("pdflatex");
const hasChromium = which("chromium");

/** Two systems: "base" and "better" (+20 points on MedQA EN, the same elsewhere). */
function results(): string {
  const dir = tempDir();
  const tasks = (extra: number) => ({
    "medqa.en": Array.from({ length: 200 }, (_, i) => i < 100 + extra),
    "medqa.it": outcomes(200, 90),
    "mmlu_medical.anatomy.en": outcomes(100, 60),
    "mmlu_medical.clinical_knowledge.en": outcomes(100, 70),
    "headqa.es": outcomes(150, 75),
  });
  makeRun(dir, { model: "base_model", setting: "zero-shot", tasks: tasks(0) });
  makeRun(dir, { model: "better", setting: "few-shot-traces", tasks: { "medqa.en": tasks(40)["medqa.en"], "medqa.it": tasks(0)["medqa.it"] } });
  makeRun(dir, { model: "better", setting: "few-shot-traces", runId: "better-rest", tasks: { "mmlu_medical.anatomy.en": outcomes(100, 60), "mmlu_medical.clinical_knowledge.en": outcomes(100, 70), "headqa.es": outcomes(150, 75) } });
  return dir;
}

const build = { resamples: 1000, seed: "1", level: 0.95, alpha: 0.05, subjects: "group" as const };

describe("results table", () => {
  it("merges runs into rows, groups columns by domain, bolds the best and marks significant Δ", () => {
    const scores = loadScores([results()], build);
    const model = tableFor(scores, { ...build, baseline: "base_model:zero-shot" });
    expect(model.rows.map((r) => r.label)).toEqual(["base_model · zero-shot", "better · few-shot-traces"]);
    expect(model.columns.map((c) => c.id)).toEqual([
      "task:medqa.en",
      "task:medqa.it",
      "group:mmlu_medical.en",
      "task:headqa.es",
      "lang:en",
      "lang:it",
      "lang:es",
      "overall",
    ]);
    expect(model.columns.map((c) => c.domain).slice(0, 4)).toEqual(["in-domain", "in-domain", "out-of-domain", "out-of-domain"]);
    const better = model.rows[1];
    expect(better.cells[0]).toMatchObject({ value: 0.7, best: true, n: 200, correct: 140 });
    expect(model.rows[0].cells[0]!.best).toBe(false);
    expect(better.cells[2]!.value).toBeCloseTo(0.65, 15);
    // ties are best in both rows
    expect(model.rows[0].cells[1]!.best && better.cells[1]!.best).toBe(true);
    expect(better.cells[0]!.delta).toMatchObject({ b: 40, c: 0, significant: true });
    expect(better.cells[0]!.delta!.diff).toBeCloseTo(0.2, 15);
    expect(better.cells[1]!.delta).toMatchObject({ b: 0, c: 0, p: 1, significant: false });

    const md = renderMarkdown(model, { ci: "interval" });
    expect(md).toContain("| Model · setting | MedQA EN | MedQA IT | MMLU-med EN | HEAD-QA ES |");
    expect(md).toContain("**70.0 [");
    expect(md).toMatch(/\| Δ vs baseline \| \+20\.0\\\* \| 0\.0 \|/);
    const term = renderTerminal(model, { ci: "halfwidth", color: true });
    expect(term).toContain("\x1b[1m70.0 ± ");
    expect(term).toMatch(/In-domain/);
    expect(term).toMatch(/Out-of-domain/);
  });

  it("writes one CSV row per model × setting × task × language with all figures", () => {
    const scores = loadScores([results()], build);
    const csv = renderCsv(tableFor(scores, { ...build, baseline: "base_model:zero-shot" }, "both"), scores);
    const rows = parse(csv, { columns: true }) as Record<string, string>[];
    const tasks = rows.filter((r) => r.kind === "task");
    expect(tasks).toHaveLength(2 * 5);
    const r = tasks.find((x) => x.model === "better" && x.task === "medqa.en")!;
    expect(r).toMatchObject({ setting: "few-shot-traces", lang: "en", n_scored: "200", correct: "140", accuracy: "0.7", best: "true", delta: "0.2", discordant_b: "40", discordant_c: "0", significant: "true" });
    expect(Number(r.ci_low)).toBeLessThan(0.7);
    expect(rows.some((x) => x.kind === "group" && x.task === "group:mmlu_medical.en")).toBe(true);
    expect(rows.some((x) => x.kind === "average" && x.task === "overall")).toBe(true);
  });

  it("refuses an unknown baseline with the rows it knows", () => {
    const scores = loadScores([results()], build);
    expect(() => tableFor(scores, { ...build, baseline: "nope:zero-shot" })).toThrow(/no row is MODEL:SETTING nope:zero-shot. Rows: /);
  });

  it("refuses rows from different scoring modes unless --allow-mixed-scoring, and then says so", () => {
    const dir = tempDir();
    makeRun(dir, { model: "m", setting: "zero-shot", tasks: { "medqa.en": outcomes(100, 40) } });
    makeRun(dir, { model: "m", setting: "zero-shot", scoring: "loglikelihood", tasks: { "medqa.en": outcomes(100, 60) } });
    const scores = loadScores([dir], build);
    expect(() => tableFor(scores, build)).toThrow(/different modes.*--allow-mixed-scoring/);
    expect(() => tableFor(scores, { ...build, baseline: "m:zero-shot" })).toThrow(/--allow-mixed-scoring/);
    const refused = spawnSync(CLI, ["table", dir, "--bootstrap", "200"], { encoding: "utf8" });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/m · zero-shot: generative; m · zero-shot · cot · loglikelihood: loglikelihood/);
    const allowed = spawnSync(CLI, ["table", dir, "--bootstrap", "200", "--format", "markdown", "--allow-mixed-scoring"], { encoding: "utf8" });
    expect(allowed.status, allowed.stderr).toBe(0);
    expect(allowed.stdout).toMatch(/MIXED SCORING.*--allow-mixed-scoring/);
  });

  it("names rows whose runs did not finish, in every format", () => {
    const dir = tempDir();
    makeRun(dir, { model: "done", setting: "zero-shot", tasks: { "medqa.en": outcomes(100, 40) } });
    const partial = makeRun(dir, { model: "half", setting: "zero-shot", tasks: { "medqa.en": outcomes(8, 6) } });
    const record = JSON.parse(readFileSync(join(partial, "run.json"), "utf8"));
    writeFileSync(join(partial, "run.json"), JSON.stringify({ ...record, complete: false }));
    const model = tableFor(loadScores([dir], build), build);
    expect(model.rows.map((r) => [r.label, r.incomplete])).toEqual([["done · zero-shot", false], ["half · zero-shot", true]]);
    const md = renderMarkdown(model, { ci: "interval" });
    // Not bold: an unfinished run's figure is provisional, it cannot be the column's best.
    expect(md).toContain("| half · zero-shot (incomplete) | 75.0 [");
    expect(md).toContain("| done · zero-shot | 40.0 [");
    expect(md).toMatch(/\(incomplete\): a run behind the row did not finish/);
    expect(renderLatex(model, { ci: "interval" })).toMatch(/half.*zero-shot \(incomplete\)/);
    const csv = parse(renderCsv(tableFor(loadScores([dir], build), build, "both"), loadScores([dir], build)), { columns: true }) as Record<string, string>[];
    expect(csv.filter((r) => r.kind === "task").map((r) => [r.model, r.complete])).toEqual([["done", "true"], ["half", "false"]]);
  });

  it("says when a row's runs were served from different checkpoints under one model name", () => {
    const dir = tempDir();
    makeRun(dir, { model: "m", setting: "zero-shot", runId: "early", servedRoot: "/ckpt/step-1000", tasks: { "medqa.en": outcomes(100, 40) } });
    makeRun(dir, { model: "m", setting: "zero-shot", runId: "late", servedRoot: "/ckpt/step-2000", tasks: { "headqa.es": outcomes(100, 50) } });
    makeRun(dir, { model: "same", setting: "zero-shot", runId: "a", servedRoot: "/ckpt/x", tasks: { "medqa.en": outcomes(100, 40) } });
    makeRun(dir, { model: "same", setting: "zero-shot", runId: "b", servedRoot: "/ckpt/x", tasks: { "headqa.es": outcomes(100, 40) } });
    const md = renderMarkdown(tableFor(loadScores([dir], build), build), { ci: "interval" });
    expect(md).toMatch(/m · zero-shot: its runs were served from different checkpoints: \/ckpt\/step-1000 \(early\); \/ckpt\/step-2000 \(late\)/);
    expect(md).not.toMatch(/same · zero-shot: its runs were served/);
  });

  it("leaves an average empty where a row lacks a task, or has none scored in one, instead of averaging fewer tasks", () => {
    const dir = tempDir();
    makeRun(dir, { model: "full", setting: "zero-shot", tasks: { "medqa.en": outcomes(10, 5), "medmcqa.en": outcomes(10, 9) } });
    makeRun(dir, { model: "short", setting: "zero-shot", tasks: { "medqa.en": outcomes(10, 8) } });
    makeRun(dir, {
      model: "errored", setting: "zero-shot", tasks: { "medqa.en": outcomes(10, 8), "medmcqa.en": outcomes(10, 0) },
      statuses: { "medmcqa.en": Object.fromEntries(Array.from({ length: 10 }, (_, i) => [i, "error" as const])) },
    });
    const model = tableFor(loadScores([dir], build), build);
    const avg = model.columns.findIndex((c) => c.id === "overall");
    const cell = (label: string) => model.rows.find((r) => r.label === label)!.cells[avg];
    expect(cell("full · zero-shot")).toMatchObject({ value: 0.7, best: false });
    expect(cell("short · zero-shot")).toBeNull();
    expect(cell("errored · zero-shot")).toBeNull();
    expect(model.notes.join("\n")).toMatch(/average or group cell is left empty/);
  });

  it("an all-errored subject empties its group and the averages rather than reweighting them", () => {
    const dir = tempDir();
    makeRun(dir, {
      model: "m", setting: "zero-shot",
      tasks: { "medqa.en": outcomes(10, 2), "mmlu_medical.anatomy.en": outcomes(10, 0), "mmlu_medical.clinical_knowledge.en": outcomes(10, 6) },
      statuses: { "mmlu_medical.anatomy.en": Object.fromEntries(Array.from({ length: 10 }, (_, i) => [i, "error" as const])) },
    });
    const model = tableFor(loadScores([dir], build), build);
    const row = model.rows[0];
    for (const id of ["group:mmlu_medical.en", "lang:en", "overall"]) expect(row.cells[model.columns.findIndex((c) => c.id === id)], id).toBeNull();
  });

  it("bolds ties as printed, and agrees on significance across renderings", () => {
    const dir = tempDir();
    // Two rows equal to 0.1 points on a 10,000-item task: both are the best as printed.
    makeRun(dir, { model: "a", setting: "zero-shot", tasks: { "medqa.en": outcomes(10_000, 7134) } });
    makeRun(dir, { model: "b", setting: "zero-shot", tasks: { "medqa.en": outcomes(10_000, 7130) } });
    const tie = tableFor(loadScores([dir], build), build);
    expect(tie.rows.map((r) => r.cells[0]!.best)).toEqual([true, true]);

    // Six tied MMLU subjects and one clear medqa gain: the Holm family is the same in every output.
    const dir2 = tempDir();
    const subjects = ["anatomy", "clinical_knowledge", "college_biology", "college_medicine", "medical_genetics", "professional_medicine"];
    const tasks = (medqa: boolean[]) => ({ "medqa.en": medqa, ...Object.fromEntries(subjects.map((x) => [`mmlu_medical.${x}.en`, outcomes(20, 10)])) });
    makeRun(dir2, { model: "base", setting: "zero-shot", tasks: tasks([...Array(8).fill(false), ...outcomes(12, 6)]) });
    makeRun(dir2, { model: "new", setting: "zero-shot", tasks: tasks([...Array(8).fill(true), ...outcomes(12, 6)]) });
    const scores = loadScores([dir2], build);
    const shown = tableFor(scores, { ...build, baseline: "base:zero-shot" });
    const medqa = shown.columns.findIndex((c) => c.id === "task:medqa.en");
    const delta = shown.rows.find((r) => r.label === "new · zero-shot")!.cells[medqa]!.delta!;
    const csv = parse(renderCsv(tableFor(scores, { ...build, baseline: "base:zero-shot" }, "both"), scores), { columns: true }) as Record<string, string>[];
    const line = csv.find((r) => r.model === "new" && r.task === "medqa.en")!;
    expect(String(delta.significant)).toBe(line.significant);
    expect(Number(line.p_holm)).toBeCloseTo(delta.pHolm, 4);
  });

  it("never takes a shard for a whole task: shards alone are refused, shards beside a whole run are left out", () => {
    const dir = tempDir();
    makeRun(dir, { model: "m", setting: "zero-shot", runId: "s0", shard: { index: 0, count: 2 }, tasks: { "medqa.en": outcomes(10, 10) }, itemIds: { "medqa.en": Array.from({ length: 10 }, (_, i) => `a${i}`) } });
    makeRun(dir, { model: "m", setting: "zero-shot", runId: "s1", shard: { index: 1, count: 2 }, tasks: { "medqa.en": outcomes(10, 0) }, itemIds: { "medqa.en": Array.from({ length: 10 }, (_, i) => `b${i}`) } });
    expect(() => tableFor(loadScores([dir], build), build)).toThrow(/only shards .*medeval merge/);
    makeRun(dir, { model: "m", setting: "zero-shot", runId: "merged", tasks: { "medqa.en": outcomes(20, 10) } });
    const model = tableFor(loadScores([dir], build), build);
    expect(model.rows[0].cells[0]).toMatchObject({ value: 0.5, n: 20 });
    expect(model.notes.join("\n")).toMatch(/left out 2 shard run\(s\) \(s0, s1\)/);
  });

  it("marks an average's Δ by its own (macro) bootstrap, not by McNemar on the pooled items", () => {
    // MedQA EN: +3.0 points (b = 100, c = 40) on 2,000 items; MMLU-med EN: −6.0 (c = 6) on 100.
    // The EN macro average moves −1.5 with an interval that straddles 0, while the pooled
    // discordant counts (100 vs 46) favour the candidate: McNemar on them would call the drop
    // significant.
    const dir = tempDir();
    const range = (n: number, f: (i: number) => boolean) => Array.from({ length: n }, (_, i) => f(i));
    makeRun(dir, { model: "base", setting: "zero-shot", tasks: { "medqa.en": range(2000, (i) => i < 1000), "mmlu_medical.anatomy.en": range(100, (i) => i < 60) } });
    makeRun(dir, {
      model: "cand",
      setting: "zero-shot",
      tasks: { "medqa.en": range(2000, (i) => i < 960 || (i >= 1000 && i < 1100)), "mmlu_medical.anatomy.en": range(100, (i) => i < 54) },
    });
    const opts = { ...build, resamples: 2000 };
    const model = tableFor(loadScores([dir], opts), { ...opts, baseline: "base:zero-shot" });
    const cand = model.rows.find((r) => r.model === "cand")!;
    const en = cand.cells[model.columns.findIndex((c) => c.id === "lang:en")]!.delta!;
    expect(en.diff).toBeCloseTo(-0.015, 12);
    expect(en.low).toBeLessThan(0);
    expect(en.high).toBeGreaterThan(0);
    expect(en).toMatchObject({ b: 100, c: 46, test: "bootstrap", significant: false });
    expect(en.p).toBeGreaterThan(0.05);
    const medqa = cand.cells[model.columns.findIndex((c) => c.id === "task:medqa.en")]!.delta!;
    expect(medqa).toMatchObject({ test: "mcnemar", significant: true });
    // Every marked Δ has an interval that excludes 0.
    for (const cell of cand.cells) if (cell?.delta?.significant) expect(cell.delta.low! > 0 || cell.delta.high! < 0).toBe(true);
  });

  it("writes LaTeX with booktabs and grouped headers", () => {
    const scores = loadScores([results()], build);
    const tex = renderLatex(tableFor(scores, { ...build, baseline: "base_model:zero-shot" }), { ci: "halfwidth" });
    expect(tex).toContain("\\usepackage{booktabs}");
    expect(tex).toMatch(/\\toprule[\s\S]*\\midrule[\s\S]*\\bottomrule/);
    expect(tex).toContain("\\multicolumn{2}{c}{In-domain}");
    expect(tex).toContain("\\textbf{70.0}");
    expect(tex).toContain("base\\_model");
    expect(tex).toContain("+20.0$^{*}$");
  });

  // Debian: apt-get install texlive-latex-base texlive-latex-recommended
  it.skipIf(!hasPdflatex)("compiles as a standalone document with pdflatex", () => {
    const dir = results();
    const out = join(dir, "table.tex");
    execFileSync(CLI, ["table", dir, "--format", "latex", "--baseline", "base_model:zero-shot", "--bootstrap", "500", "--out", out]);
    const res = spawnSync("pdflatex", ["-interaction=nonstopmode", "-halt-on-error", "table.tex"], { cwd: dir, encoding: "utf8", timeout: 60_000 });
    expect(res.status, res.stdout.slice(-2000)).toBe(0);
    expect(existsSync(join(dir, "table.pdf"))).toBe(true);
  }, 90_000);
});

describe("medeval report", () => {
  // Debian: apt-get install chromium
  it.skipIf(!hasChromium)("renders in headless Chromium showing the numbers of its runs", () => {
    const dir = results();
    const html = join(dir, "report.html");
    const svg = join(dir, "forest.svg");
    execFileSync(CLI, ["report", dir, "--out", html, "--svg", svg, "--baseline", "base_model:zero-shot", "--bootstrap", "500"], { stdio: "pipe" });
    const page = readFileSync(html, "utf8");
    expect(page).not.toMatch(/<(script|link|img)[^>]+(src|href)=/);
    expect(readFileSync(svg, "utf8")).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    const profile = tempDir("medeval-chromium-");
    const res = spawnSync(
      "chromium",
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        `--user-data-dir=${profile}`,
        "--dump-dom",
        `file://${html}`,
      ],
      { encoding: "utf8", timeout: 60_000 },
    );
    expect(res.status, res.stderr.slice(-1000)).toBe(0);
    const dom = res.stdout;
    // The accuracies of the runs (MedQA EN: 50% and 70%), the row labels and the Δ.
    expect(dom).toContain("base_model · zero-shot (baseline)");
    expect(dom).toContain("better · few-shot-traces");
    expect(dom).toMatch(/<b>70\.0<\/b>/);
    expect(dom).toMatch(/>50\.0<\/a> <span class="ci">\[/);
    expect(dom).toContain("+20.0*");
    expect(dom).toContain("<svg");
    expect(dom).toMatch(/70\.0 \[\d+\.\d, \d+\.\d\]/);
    writeFileSync(join(dir, "dom.html"), dom);
  }, 90_000);
});
