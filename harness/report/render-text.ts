// Terminal (cli-table3) and Markdown renderings of a results table.
import Table from "cli-table3";
import { benchmarkSpans, domainSpans } from "./header-spans.ts";
import { cellCoverage, type CiStyle, deltaText, estimateText, footnotes, rowTitle } from "./format.ts";
import type { Cell, TableModel } from "./table-model.ts";

export interface TextOptions {
  ci: CiStyle;
  /** ANSI bold for the best value per column; without it the best value is wrapped in ** **. */
  color?: boolean;
}

function cellText(cell: Cell | null, opts: TextOptions, bold: (s: string) => string): string {
  if (!cell) return "–";
  const { value, ci } = estimateText(cell, opts.ci);
  const text = ci ? `${value} ${ci}` : value;
  const coverage = cellCoverage(cell);
  return `${cell.best ? bold(text) : text}${coverage ? ` ${coverage}` : ""}`;
}

function deltaCell(cell: Cell | null): string {
  if (!cell?.delta) return "";
  return `${deltaText(cell.delta)}${cell.delta.significant ? "*" : ""}`;
}

export function renderTerminal(model: TableModel, opts: TextOptions): string {
  const bold = opts.color ? (s: string) => `\x1b[1m${s}\x1b[22m` : (s: string) => `**${s}**`;
  const table = new Table({ style: { head: [], border: [], compact: false }, wordWrap: false });
  table.push([{ content: "Model · setting", rowSpan: 3, vAlign: "bottom" }, ...domainSpans(model.columns).map((s) => ({ content: s.label, colSpan: s.span, hAlign: "center" as const }))]);
  table.push(benchmarkSpans(model.columns).map((s) => ({ content: s.label, colSpan: s.span, hAlign: "center" as const })));
  table.push(model.columns.map((c) => ({ content: c.langLabel, hAlign: "center" as const })));
  for (const row of model.rows) {
    table.push([rowTitle(row), ...row.cells.map((c) => cellText(c, opts, bold))]);
    if (row.cells.some((c) => c?.delta)) table.push([`  Δ vs baseline`, ...row.cells.map(deltaCell)]);
  }
  return `${table.toString()}\n${footnotes(model, opts.ci).join("\n")}\n`;
}

function mdEscape(s: string): string {
  return s.replace(/([|\\*_`])/g, "\\$1");
}

export function renderMarkdown(model: TableModel, opts: TextOptions): string {
  const bold = (s: string) => `**${s}**`;
  const header = ["Model · setting", ...model.columns.map((c) => `${mdEscape(c.benchmarkLabel)} ${c.langLabel}`)];
  const domainRow = ["", ...model.columns.map(() => "")];
  for (const s of domainSpans(model.columns)) domainRow[s.start + 1] = `*${s.label}*`;
  const lines = [
    `| ${header.join(" | ")} |`,
    `| ${["---", ...model.columns.map(() => "---:")].join(" | ")} |`,
    `| ${domainRow.join(" | ")} |`,
  ];
  for (const row of model.rows) {
    const label = mdEscape(rowTitle(row));
    lines.push(`| ${[label, ...row.cells.map((c) => cellText(c, opts, bold))].join(" | ")} |`);
    if (row.cells.some((c) => c?.delta)) lines.push(`| ${["Δ vs baseline", ...row.cells.map((c) => deltaCell(c).replace("*", "\\*"))].join(" | ")} |`);
  }
  return `${lines.join("\n")}\n\n${footnotes(model, opts.ci)
    .map((l) => mdEscape(l))
    .join("  \n")}\n`;
}
