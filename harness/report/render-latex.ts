// LaTeX rendering: a booktabs table in a standalone document that compiles with pdflatex.
import { benchmarkSpans, domainSpans } from "./header-spans.ts";
import { cellCoverage, type CiStyle, deltaText, estimateText, footnotes, rowTitle } from "./format.ts";
import type { Cell, TableModel } from "./table-model.ts";

export function latexEscape(s: string): string {
  return s.replace(/[\\{}$&#^_%~]/g, (ch) =>
    ch === "\\" ? "\\textbackslash{}" : ch === "^" ? "\\textasciicircum{}" : ch === "~" ? "\\textasciitilde{}" : `\\${ch}`,
  ).replace(/Δ/g, "$\\Delta$").replace(/±/g, "$\\pm$").replace(/α/g, "$\\alpha$").replace(/·/g, "$\\cdot$").replace(/–/g, "--").replace(/†/g, "$^{\\dagger}$");
}

function cellTex(cell: Cell | null, ci: CiStyle): string {
  if (!cell) return "--";
  const { value, ci: interval } = estimateText(cell, ci);
  const v = cell.best ? `\\textbf{${value}}` : value;
  const coverage = cellCoverage(cell);
  const mark = coverage ? `\\,{\\scriptsize${latexEscape(coverage)}}` : "";
  if (!interval) return `${v}${mark}`;
  const small = ci === "halfwidth" ? `{\\scriptsize$\\pm$${interval.replace("± ", "")}}` : `{\\scriptsize${interval}}`;
  return `${v}\\,${small}${mark}`;
}

function deltaTex(cell: Cell | null): string {
  if (!cell?.delta) return "";
  const t = deltaText(cell.delta).replace("-", "$-$");
  return cell.delta.significant ? `${t}$^{*}$` : t;
}

export function renderLatex(model: TableModel, opts: { ci: CiStyle; caption?: string }): string {
  const n = model.columns.length;
  const out: string[] = [];
  out.push(
    "\\documentclass{article}",
    "\\usepackage[T1]{fontenc}",
    "\\usepackage[utf8]{inputenc}",
    "\\usepackage{booktabs}",
    "\\usepackage{graphicx}",
    "\\usepackage[landscape,margin=1.5cm]{geometry}",
    "\\begin{document}",
    "\\begin{table}[ht]",
    "\\centering",
    "\\resizebox{\\linewidth}{!}{%",
    `\\begin{tabular}{l${"c".repeat(n)}}`,
    "\\toprule",
  );
  const domains = domainSpans(model.columns);
  out.push(` & ${domains.map((s) => `\\multicolumn{${s.span}}{c}{${latexEscape(s.label)}}`).join(" & ")} \\\\`);
  out.push(domains.map((s) => `\\cmidrule(lr){${s.start + 2}-${s.start + s.span + 1}}`).join(" "));
  const benches = benchmarkSpans(model.columns);
  out.push(` & ${benches.map((s) => `\\multicolumn{${s.span}}{c}{${latexEscape(s.label)}}`).join(" & ")} \\\\`);
  out.push(benches.map((s) => `\\cmidrule(lr){${s.start + 2}-${s.start + s.span + 1}}`).join(" "));
  out.push(`Model & ${model.columns.map((c) => latexEscape(c.langLabel)).join(" & ")} \\\\`);
  out.push("\\midrule");
  for (const row of model.rows) {
    const label = latexEscape(rowTitle(row));
    out.push(`${label} & ${row.cells.map((c) => cellTex(c, opts.ci)).join(" & ")} \\\\`);
    if (row.cells.some((c) => c?.delta)) out.push(`\\quad $\\Delta$ & ${row.cells.map(deltaTex).join(" & ")} \\\\`);
  }
  out.push("\\bottomrule", "\\end{tabular}}");
  const caption = opts.caption ?? footnotes(model, opts.ci).join(" ");
  out.push(`\\caption{${latexEscape(caption).replace(/\*/g, "$^{*}$")}}`, "\\end{table}", "\\end{document}", "");
  return out.join("\n");
}
