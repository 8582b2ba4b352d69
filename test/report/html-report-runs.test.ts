// The HTML report shows each run's settings and item counts, spells nested parameters in words,
// and gives long row labels the room they need (issue 12: they were clipped, a fine-tuned row
// printed raw JSON, and no error/unparsed/truncated count or endpoint was shown).
import { describe, expect, it } from "vitest";
import { loadScores, tableFor } from "../../harness/report/build.ts";
import { renderHtmlReport } from "../../harness/report/render-html.ts";
import { forestPlotSvg } from "../../harness/report/render-svg.ts";
import { tempDir } from "../helpers.ts";
import { makeRun } from "./make-run.ts";

describe("HTML report", () => {
  it("shows every run's endpoint, settings, dates and per-task counts, without raw JSON", () => {
    const dir = tempDir();
    const model = "a-rather-long-fine-tuned-checkpoint-name-for-the-medical-traces-8b-v2";
    makeRun(dir, {
      model,
      setting: "fine-tuned",
      tasks: { "medqa.en": [true, false, true, true, false, true] },
      statuses: { "medqa.en": { 1: "unparsed", 4: "error", 5: "truncated" } },
      params: { temperature: 0, chat_template_kwargs: { enable_thinking: false } },
    });
    const scores = loadScores([dir], { level: 0.95 });
    const table = tableFor(scores, { level: 0.95, alpha: 0.05, subjects: "group" });
    const html = renderHtmlReport(table, scores, { ci: "interval", source: dir });
    expect(html).toMatch(/Run <code>[^<]+<\/code>: endpoint \S+ as \S+; fine-tuned, cot, generative; /);
    expect(html).toContain("chat_template_kwargs.enable_thinking false");
    expect(html).not.toMatch(/\{&quot;|\{"enable_thinking/);
    expect(html).toMatch(/started [^;]+(finished|not finished)/);
    // planned, scored, correct, unparsed, reasoning only, truncated, context overflow, errors
    expect(html).toMatch(/<tr><td>medqa\.en<\/td><td>6<\/td><td>5<\/td><td>\d+<\/td><td>1<\/td><td>0<\/td><td>1<\/td><td>0<\/td><td>1<\/td><\/tr>/);
    expect(html).toContain("th.row{white-space:nowrap}");

    const svg = forestPlotSvg(table);
    const labelWidth = Number(/<text x="(\d+)" y="\d+" class="label"/.exec(svg)![1]);
    // Helvetica at 12px is under 7px a character on average: the label's start stays in view.
    expect(labelWidth).toBeGreaterThanOrEqual(7 * table.rows[0].label.length);
  });
});
