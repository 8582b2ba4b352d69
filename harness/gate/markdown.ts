// The Markdown summary: a pull-request comment or GitHub's step summary.
import type { GateRow } from "./decide.ts";
import { formatP } from "./decide.ts";
import { type CheckReport, pairedCount, pairedCountNote, percent, points, ruleText, verdictWord } from "./report.ts";

const cell = (text: string): string => text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
const code = (text: string): string => `\`${text.replace(/`/g, "'")}\``;

const VERDICT_MARK: Record<GateRow["verdict"], string> = {
  regression: "❌ regression",
  pass: "✅ pass",
  improved: "⬆️ improved",
};

function table(rows: GateRow[], level: number): string {
  const ci = `${Math.round(level * 100)}% CI`;
  const head = `| | n | baseline % | candidate % | Δ pts | ${ci} | p (Holm) | +/− items | verdict |\n|---|---:|---:|---:|---:|---|---:|---:|---|`;
  const body = rows.map(
    (r) =>
      `| ${cell(r.name)} | ${pairedCount(r)} | ${percent(r.baseline)} | ${percent(r.candidate)} | ` +
      `${points(r.diff)} | [${points(r.ci.low)}, ${points(r.ci.high)}] | ${formatP(r.pHolm)} | +${r.gained} / −${r.lost} | ${VERDICT_MARK[r.verdict]} |`,
  );
  return [head, ...body].join("\n");
}

export function renderMarkdown(report: CheckReport): string {
  const icon = report.exitCode === 0 ? "✅" : report.exitCode === 1 ? "❌" : "⚠️";
  const out: string[] = [`## ${icon} medeval check: ${verdictWord(report)}`, ""];
  out.push(
    `Candidate ${code(report.candidate.model)} (run ${code(report.candidate.runId)}) against baseline ` +
      `${code(report.baseline.model)} (run ${code(report.baseline.runId)}, ${report.baseline.startedAt.slice(0, 10)}).`,
    "",
  );
  if (report.problems.length > 0) {
    out.push("**The runs cannot be compared:**", "", ...report.problems.map((p) => `- ${p}`), "");
  }
  const d = report.decision;
  if (d) {
    out.push(`Rule: ${ruleText(d)}.`, "");
    const tasks = d.rows.filter((r) => r.kind === "task");
    const aggregates = d.rows.filter((r) => r.kind === "aggregate");
    out.push("### Tasks", "", table(tasks, d.options.level), "");
    if (aggregates.length > 0) out.push("### Aggregates (macro over tasks)", "", table(aggregates, d.options.level), "");
    const note = pairedCountNote(d);
    if (note) out.push(note, "");
    if (d.regressions.length > 0) {
      out.push("### Regressions", "", ...d.regressions.map((r) => `- **${cell(r.name)}**: ${r.reason}`), "");
    }
  }
  if (report.warnings.length > 0) out.push("### Warnings", "", ...report.warnings.map((w) => `- ${w}`), "");
  out.push(
    "<sub>Δ = candidate − baseline on items scored by both; +/− items: answered right only by the candidate / only by the baseline. " +
      "CI: paired bootstrap; p: exact McNemar per task, bootstrap for aggregates; Holm-adjusted across all rows.</sub>",
    "",
  );
  return out.join("\n");
}
