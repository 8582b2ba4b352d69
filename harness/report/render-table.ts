// One results table in one format, from scored systems: what `medeval table` prints and what
// `medeval sweep` writes at the end of a sweep.
import { tableFor, type BuildOptions } from "./build.ts";
import type { CiStyle } from "./format.ts";
import { renderCsv, renderJson } from "./render-data.ts";
import { renderLatex } from "./render-latex.ts";
import { renderMarkdown, renderTerminal } from "./render-text.ts";
import type { SystemScores } from "./scores.ts";

export const TABLE_FORMATS = ["terminal", "markdown", "latex", "csv", "json"] as const;
export type TableFormat = (typeof TABLE_FORMATS)[number];

export function renderTable(scores: readonly SystemScores[], opts: BuildOptions, format: TableFormat, view: { ci: CiStyle; color?: boolean }): string {
  switch (format) {
    case "csv":
      return renderCsv(tableFor(scores, opts, "both"), scores);
    case "json":
      return renderJson(tableFor(scores, opts, "both"), scores);
    case "latex":
      return renderLatex(tableFor(scores, opts), { ci: view.ci });
    case "markdown":
      return renderMarkdown(tableFor(scores, opts), { ci: view.ci });
    default:
      return renderTerminal(tableFor(scores, opts), { ci: view.ci, color: view.color === true });
  }
}
