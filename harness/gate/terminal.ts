// The check's result in the terminal.
import Table from "cli-table3";
import { formatP, type GateRow } from "./decide.ts";
import { type CheckReport, pairedCount, pairedCountNote, percent, points, ruleText, verdictWord } from "./report.ts";

function rowsTable(rows: GateRow[], level: number): string {
  const table = new Table({
    head: ["", "n", "baseline %", "candidate %", "Δ pts", `${Math.round(level * 100)}% CI`, "p (Holm)", "+/− items", "verdict"],
    colAligns: ["left", "right", "right", "right", "right", "left", "right", "right", "left"],
    style: { head: [], border: [] },
  });
  for (const r of rows) {
    table.push([
      r.name,
      pairedCount(r),
      percent(r.baseline),
      percent(r.candidate),
      points(r.diff),
      `[${points(r.ci.low)}, ${points(r.ci.high)}]`,
      formatP(r.pHolm),
      `+${r.gained} / −${r.lost}`,
      r.verdict === "regression" ? "REGRESSION" : r.verdict,
    ]);
  }
  return table.toString();
}

export function renderTerminal(report: CheckReport): string {
  const out: string[] = [
    `baseline:  ${report.baseline.model} (run ${report.baseline.runId}) from ${report.baseline.origin}`,
    `candidate: ${report.candidate.model} (run ${report.candidate.runId}) from ${report.candidate.origin}`,
  ];
  const d = report.decision;
  if (d) {
    out.push(`rule: ${ruleText(d)}`, rowsTable(d.rows, d.options.level));
    const note = pairedCountNote(d);
    if (note) out.push(note);
    for (const r of d.regressions) out.push(`REGRESSION ${r.name}: ${r.reason}`);
  }
  for (const w of report.warnings) out.push(`warning: ${w}`);
  // Problems (exit 2) go to stderr as the command's error message, not here.
  out.push(`medeval check: ${verdictWord(report)} (exit ${report.exitCode})`);
  return `${out.join("\n")}\n`;
}
