// A row whose figures rest on fewer items than its run planned: every rendering says
// "scored/total" with a mark and a footnote, and such a row never takes the bold — also for a
// run.json written before errors made a run incomplete ("complete": true with 5% errors).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { loadScores, tableFor } from "../../harness/report/build.ts";
import { compareSystems } from "../../harness/report/comparison.ts";
import { loadRun } from "../../harness/report/load.ts";
import { renderComparison } from "../../harness/report/render-comparison.ts";
import { groupSystems } from "../../harness/report/systems.ts";
import { renderCsv, renderJson } from "../../harness/report/render-data.ts";
import { renderHtmlReport } from "../../harness/report/render-html.ts";
import { renderLatex } from "../../harness/report/render-latex.ts";
import { renderMarkdown, renderTerminal } from "../../harness/report/render-text.ts";
import type { RunRecord } from "../../harness/types.ts";
import { tempDir } from "../helpers.ts";
import { makeRun, outcomes } from "./make-run.ts";

const build = { resamples: 200, seed: "1", level: 0.95, alpha: 0.05, subjects: "group" as const };

/** "flaky" scores 70% on the 95 of 100 items its server answered; "steady" 60% on all 100. */
function results(): string {
  const dir = tempDir();
  const errors = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [95 + i, "error" as const]));
  makeRun(dir, { model: "flaky", setting: "zero-shot", tasks: { "medqa.en": Array.from({ length: 100 }, (_, i) => i < 66 || i >= 95) }, statuses: { "medqa.en": errors } });
  makeRun(dir, { model: "steady", setting: "zero-shot", tasks: { "medqa.en": outcomes(100, 60) } });
  makeRun(dir, { model: "third", setting: "zero-shot", tasks: { "medqa.en": outcomes(100, 50) } });
  return dir;
}

describe("figures from fewer items than planned", () => {
  it("are marked (scored/total)† with a footnote in every rendering, and never bold", () => {
    const scores = loadScores([results()], build);
    const model = tableFor(scores, build);
    const flaky = model.rows.find((r) => r.label.startsWith("flaky"))!;
    const steady = model.rows.find((r) => r.label.startsWith("steady"))!;
    expect(flaky.cells[0]).toMatchObject({ n: 95, total: 100, best: false });
    expect(flaky.cells[0]!.value).toBeCloseTo(66 / 95, 10);
    expect(flaky.fewerItems).toBe(true);
    // The best among rows with every item scored.
    expect(steady.cells[0]).toMatchObject({ n: 100, total: 100, best: true });

    const term = renderTerminal(model, { ci: "halfwidth" });
    const line = (text: string, label: string) => text.split("\n").find((l) => l.includes(label))!;
    expect(line(term, "flaky")).toContain("69.5 ± ");
    expect(line(term, "flaky")).toContain("(95/100)†");
    expect(line(term, "flaky")).not.toContain("**");
    expect(line(term, "steady")).toContain("**60.0");
    expect(line(term, "steady")).not.toContain("†");
    expect(term).toMatch(/† \(scored\/total\): the figure rests on fewer items than the run planned/);

    const md = renderMarkdown(model, { ci: "interval" });
    expect(line(md, "flaky")).toContain("(95/100)†");
    expect(line(md, "flaky")).not.toContain("**");
    expect(md).toMatch(/† \(scored\/total\)/);

    const tex = renderLatex(model, { ci: "halfwidth" });
    expect(line(tex, "flaky")).toContain("(95/100)$^{\\dagger}$");
    expect(line(tex, "flaky")).not.toContain("\\textbf");
    expect(tex).toMatch(/\$\^\{\\dagger\}\$ \(scored\/total\)/);

    const html = renderHtmlReport(model, scores, { ci: "halfwidth", source: "results" });
    const flakyRow = /<tr><th class="row">flaky[\s\S]*?<\/tr>/.exec(html)![0];
    expect(flakyRow).toContain("(95/100)†");
    expect(flakyRow).not.toContain("<b>");
    expect(html).toContain("† (scored/total)");

    const csv = parse(renderCsv(tableFor(scores, build, "both"), scores), { columns: true }) as Record<string, string>[];
    const flakyCsv = csv.find((r) => r.model === "flaky" && r.kind === "task")!;
    expect(flakyCsv).toMatchObject({ n_total: "100", n_scored: "95", errors: "5", best: "false", fewer_items: "true" });
    expect(csv.find((r) => r.model === "steady" && r.kind === "task")).toMatchObject({ fewer_items: "false", best: "true" });

    const json = JSON.parse(renderJson(model, scores)) as { table: { rows: { label: string; fewerItems: boolean; cells: { n: number; total: number }[] }[] } };
    const flakyJson = json.table.rows.find((r) => r.label.startsWith("flaky"))!;
    expect(flakyJson.fewerItems).toBe(true);
    expect(flakyJson.cells[0]).toMatchObject({ n: 95, total: 100 });
  });

  it("count items the run planned but never sent, from run.json", () => {
    const dir = tempDir();
    const runDir = makeRun(dir, { model: "stopped", setting: "zero-shot", tasks: { "medqa.en": outcomes(17, 9), "headqa.es": [] } });
    const file = join(runDir, "run.json");
    const record = JSON.parse(readFileSync(file, "utf8")) as RunRecord;
    // As the runner writes it after the endpoint stopped answering: 17 of 100 done, headqa.es never reached.
    record.complete = false;
    record.tasks = record.tasks.map((t) => ({ ...t, planned: 100 }));
    writeFileSync(file, JSON.stringify(record));
    const model = tableFor(loadScores([dir], build), build);
    const cells = new Map(model.columns.map((c, i) => [c.id, model.rows[0].cells[i]]));
    expect(cells.get("task:medqa.en")).toMatchObject({ n: 17, total: 100 });
    expect(cells.get("task:headqa.es")).toMatchObject({ n: 0, total: 100, value: null });
    const term = renderTerminal(model, { ci: "halfwidth" });
    expect(term).toContain("(17/100)†");
    expect(term).toContain("– (0/100)†");
  });

  it("are marked n/total† with a footnote in compare (terminal, Markdown, JSON)", () => {
    const dir = results();
    const side = (model: string) => groupSystems([loadRun(join(dir, `${model}-zero-shot-generative-medqa.en`))])[0];
    const cmp = compareSystems(side("flaky"), side("steady"), { resamples: 200, seed: 1, level: 0.95, alpha: 0.05 });
    expect(cmp.tasks[0]).toMatchObject({ task: "medqa.en", n: 95, total: 100 });
    const term = renderComparison(cmp, "terminal");
    expect(term).toMatch(/│ medqa\.en\s*│ 95\/100† │/);
    expect(term).toMatch(/† n\/total: items scored on both sides/);
    expect(renderComparison(cmp, "markdown")).toContain("| medqa.en | 95/100† |");
    expect(JSON.parse(renderComparison(cmp, "json")).tasks[0]).toMatchObject({ n: 95, total: 100 });
    const clean = compareSystems(side("steady"), side("third"), { resamples: 200, seed: 1, level: 0.95, alpha: 0.05 });
    expect(renderComparison(clean, "terminal")).not.toContain("†");
  });
});
