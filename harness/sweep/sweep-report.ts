// The end of a sweep: the tables its file asks for (and the HTML report), over the run folders
// of its complete cells, written next to the results. Rendered by the functions `medeval table`
// and `medeval report` use, so the files equal what those commands print over the same folders.
import { basename, extname, join } from "node:path";
import { loadScores, tableFor, type BuildOptions } from "../report/build.ts";
import { renderHtmlReport } from "../report/render-html.ts";
import { renderTable, type TableFormat } from "../report/render-table.ts";
import { writeOutputFile } from "../report/write-output.ts";
import { DEFAULT_COMPARISON } from "../stats/paired-compare.ts";
import type { SweepPlan } from "./plan.ts";

/** What the sweep file leaves out of `report:`: a Markdown table, no HTML. */
export const DEFAULT_SWEEP_FORMATS: TableFormat[] = ["markdown"];
export const DEFAULT_SWEEP_CI = "halfwidth" as const;

const EXTENSION: Record<TableFormat, string> = { markdown: "md", csv: "csv", latex: "tex", json: "json", terminal: "txt" };

/** The statistics options of the sweep's tables: `medeval table`'s defaults, with the file's baseline. */
export function sweepTableOptions(plan: SweepPlan): BuildOptions {
  const baseline = plan.sweep.report?.baseline;
  return { level: DEFAULT_COMPARISON.level, alpha: DEFAULT_COMPARISON.alpha, subjects: "group", ...(baseline ? { baseline } : {}) };
}

/** `<out>/<sweep file's name>.table.<ext>` (and `.report.html`): the files written. */
export function writeSweepReport(plan: SweepPlan, runDirs: string[], out: string): string[] {
  const stem = join(out, basename(plan.file, extname(plan.file)));
  const opts = sweepTableOptions(plan);
  const report = plan.sweep.report ?? {};
  const ci = report.ci ?? DEFAULT_SWEEP_CI;
  const scores = loadScores(runDirs, opts);
  const written: string[] = [];
  for (const format of report.formats ?? DEFAULT_SWEEP_FORMATS) {
    const file = `${stem}.table.${EXTENSION[format]}`;
    writeOutputFile(file, renderTable(scores, opts, format, { ci }));
    written.push(file);
  }
  if (report.html) {
    const file = `${stem}.report.html`;
    writeOutputFile(file, renderHtmlReport(tableFor(scores, opts), scores, { ci, source: plan.file }));
    written.push(file);
  }
  return written;
}
