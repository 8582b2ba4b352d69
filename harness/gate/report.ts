// What a check found, in one value every output (terminal, Markdown, JUnit) is made from.
import { FEWER_ITEMS_MARK } from "../record/coverage.ts";
import type { GateDecision, GateRow } from "./decide.ts";
import type { GateSide } from "./side.ts";

export interface SideSummary {
  origin: string;
  kind: GateSide["kind"];
  runId: string;
  model: string;
  servedModel: string;
  startedAt: string;
}

export interface CheckReport {
  baseline: SideSummary;
  candidate: SideSummary;
  /** 0 pass, 1 regression, 2 not comparable. */
  exitCode: 0 | 1 | 2;
  /** Why the runs could not be compared (exit 2). */
  problems: string[];
  warnings: string[];
  /** Absent when the runs could not be compared at all. */
  decision?: GateDecision;
}

export function summarizeSide(side: GateSide): SideSummary {
  return {
    origin: side.origin,
    kind: side.kind,
    runId: side.runId,
    model: side.spec.model,
    servedModel: side.spec.served_model,
    startedAt: side.startedAt,
  };
}

export function verdictWord(report: CheckReport): string {
  return report.exitCode === 0 ? "pass" : report.exitCode === 1 ? "regression" : "not comparable";
}

export function ruleText(decision: GateDecision): string {
  const o = decision.options;
  const tests = decision.rows.length;
  return o.strict
    ? `strict: a task or aggregate fails when the lower bound of its ${Math.round(o.level * 100)}% CI is below −${o.maxDrop} pts`
    : `a task or aggregate regresses when its drop is significant (Holm-adjusted p < ${o.alpha} across ${tests} tests) and larger than ${o.maxDrop} pts`;
}

/** Signed percentage points, e.g. "−1.23". */
export function points(x: number): string {
  if (Number.isNaN(x)) return "–";
  const text = Math.abs(x * 100).toFixed(2);
  if (Number(text) === 0) return "0.00";
  return `${x > 0 ? "+" : "−"}${text}`;
}

export function percent(x: number): string {
  return Number.isNaN(x) ? "–" : (x * 100).toFixed(2);
}

/** The n column: "998/1000†" where items were left out of the pairing (a failed request on either side). */
export function pairedCount(row: GateRow): string {
  return row.excluded > 0 ? `${row.n}/${row.n + row.excluded}${FEWER_ITEMS_MARK}` : String(row.n);
}

/** The footnote to pairedCount's mark, or null when no row left an item out. */
export function pairedCountNote(decision: GateDecision): string | null {
  if (!decision.rows.some((r) => r.excluded > 0)) return null;
  return (
    `${FEWER_ITEMS_MARK} n/total: items scored on both sides of all the task's items; the others failed on either side (accepted errors, ` +
    `within --max-error-rate ${decision.options.maxErrorRate}) and are left out, so the figures rest on fewer items than planned.`
  );
}
