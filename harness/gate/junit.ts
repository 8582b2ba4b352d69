// JUnit XML for CI systems: one test case per task (and per aggregate); a regression is a
// <failure>, a run that cannot be compared an <error>.
import type { GateRow } from "./decide.ts";
import { type CheckReport, points, ruleText } from "./report.ts";

// XML 1.0 forbids most control characters even when escaped; drop them.
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

export function escapeXml(text: string): string {
  return text
    .replace(INVALID_XML, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

const attrs = (values: Record<string, string | number>): string =>
  Object.entries(values)
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join("");

function testcase(row: GateRow): string {
  const classname = row.kind === "task" ? `medeval.check.${row.name.split(".")[0]}` : "medeval.check.aggregate";
  const open = `    <testcase${attrs({ classname, name: row.name, time: 0 })}>`;
  const detail = `${row.reason}\nn=${row.n} paired items, baseline ${(row.baseline * 100).toFixed(2)}%, candidate ${(row.candidate * 100).toFixed(2)}%, gained ${row.gained}, lost ${row.lost}, excluded ${row.excluded}`;
  const body =
    row.verdict === "regression"
      ? `      <failure${attrs({ type: "regression", message: `${row.name}: ${points(row.diff)} pts` })}>${escapeXml(detail)}</failure>\n`
      : "";
  return `${open}\n${body}      <system-out>${escapeXml(detail)}</system-out>\n    </testcase>`;
}

export function renderJUnit(report: CheckReport, timestamp = new Date().toISOString()): string {
  const suiteName = `medeval check: ${report.candidate.model} vs baseline ${report.baseline.model}`;
  const properties = [
    ["baseline", report.baseline.origin],
    ["baseline_run", report.baseline.runId],
    ["candidate", report.candidate.origin],
    ["candidate_run", report.candidate.runId],
    ...(report.decision ? [["rule", ruleText(report.decision)]] : []),
    ...report.warnings.map((w) => ["warning", w]),
  ]
    .map(([name, value]) => `      <property${attrs({ name, value })}/>`)
    .join("\n");

  let cases: string[];
  let failures = 0;
  let errors = 0;
  if (report.exitCode === 2) {
    errors = 1;
    const message = report.problems.join("\n");
    cases = [
      `    <testcase${attrs({ classname: "medeval.check", name: "comparable", time: 0 })}>\n` +
        `      <error${attrs({ type: "not-comparable", message: report.problems[0] ?? "not comparable" })}>${escapeXml(message)}</error>\n` +
        "    </testcase>",
    ];
  } else {
    const rows = report.decision?.rows ?? [];
    failures = rows.filter((r) => r.verdict === "regression").length;
    cases = rows.map(testcase);
  }
  const counts = { tests: cases.length, failures, errors, skipped: 0, time: 0 };
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites${attrs({ name: "medeval check", ...counts })}>\n` +
    `  <testsuite${attrs({ name: suiteName, ...counts, timestamp })}>\n` +
    `    <properties>\n${properties}\n    </properties>\n` +
    `${cases.join("\n")}\n` +
    "  </testsuite>\n" +
    "</testsuites>\n"
  );
}
