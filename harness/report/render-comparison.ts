// Renderings of a paired comparison: terminal (cli-table3), Markdown and JSON.
import Table from "cli-table3";
import type { Comparison } from "./comparison.ts";
import { pct, signedPct } from "./format.ts";
import { FEWER_ITEMS_MARK } from "../record/coverage.ts";

export type ComparisonFormat = "terminal" | "markdown" | "json";

function pValue(p: number): string {
  if (p >= 0.001) return p.toFixed(3);
  return p.toExponential(1);
}

function interval(d: { diff: number | null; low: number | null; high: number | null }): string {
  return d.diff === null ? "–" : `${signedPct(d.diff)} [${signedPct(d.low)}, ${signedPct(d.high)}]`;
}

function taskRows(cmp: Comparison): string[][] {
  return cmp.tasks.map((t) => [
    t.task,
    t.n < t.total ? `${t.n}/${t.total}${FEWER_ITEMS_MARK}` : String(t.n),
    pct(t.accA),
    pct(t.accB),
    interval(t.diff),
    String(t.b),
    String(t.c),
    pValue(t.p),
    `${pValue(t.pHolm)}${t.significant ? " *" : ""}`,
    String(t.onlyA.length),
    String(t.onlyB.length),
  ]);
}

const TASK_HEAD = ["Task", "n", "A %", "B %", "Δ A−B [CI]", "b", "c", "p", "p Holm", "only A", "only B"];
const AGG_HEAD = ["Aggregate", "Tasks", "n", "Δ macro [CI]", "Δ micro [CI]", "b", "c", "p", "p Holm"];

function aggregateRows(cmp: Comparison): string[][] {
  return cmp.aggregates.map((a) => [
    a.label,
    String(a.tasks.length),
    String(a.n),
    interval(a.macro),
    interval(a.micro),
    String(a.b),
    String(a.c),
    pValue(a.p),
    `${pValue(a.pHolm)}${a.significant ? " *" : ""}`,
  ]);
}

function notes(cmp: Comparison): string[] {
  const lines = [
    `A: ${cmp.a.label} (${cmp.a.runs.map((r) => r.run_id).join(", ")})`,
    `B: ${cmp.b.label} (${cmp.b.runs.map((r) => r.run_id).join(", ")})`,
    `Δ in accuracy points on items scored on both sides, ${Math.round(cmp.level * 100)}% paired bootstrap CI (${cmp.resamples} resamples, seed ${cmp.seed}); ` +
      `b = only A right, c = only B right; p = exact McNemar for a task, for an aggregate (macro Δ) the smallest α at which its percentile interval excludes 0; ` +
      `* = Holm-adjusted p < ${cmp.alpha} across the tasks and aggregates.`,
  ];
  if (cmp.tasks.some((t) => t.n < t.total)) {
    lines.push(
      `${FEWER_ITEMS_MARK} n/total: items scored on both sides of the task's planned items; the others failed after retries or were never sent on a side ` +
        "(or are on one side only), so the difference rests on fewer items than planned. Resume the run(s) to retry them (medeval run --resume RUN_ID).",
    );
  }
  if (cmp.mixedScoring) lines.push(`MIXED SCORING: A is ${cmp.a.key.scoring}, B is ${cmp.b.key.scoring}; compared because --allow-mixed-scoring was given.`);
  if (cmp.tasksOnlyInA.length) lines.push(`Tasks only in A (not compared): ${cmp.tasksOnlyInA.join(", ")}`);
  if (cmp.tasksOnlyInB.length) lines.push(`Tasks only in B (not compared): ${cmp.tasksOnlyInB.join(", ")}`);
  for (const t of cmp.tasks) {
    if (t.onlyA.length || t.onlyB.length) lines.push(`${t.task}: ${t.onlyA.length} item(s) scored only in A, ${t.onlyB.length} only in B (ids in --format json)`);
    if (t.changed.length) lines.push(`${t.task}: ${t.changed.length} item(s) with the same id but different content (item_hash) were not paired`);
  }
  return [...lines, ...cmp.notes];
}

export function renderComparison(cmp: Comparison, format: ComparisonFormat): string {
  if (format === "json") return `${JSON.stringify({ format: "medeval-comparison", version: 1, ...cmp }, null, 2)}\n`;
  if (format === "markdown") {
    const md = (head: string[], rows: string[][]) =>
      [`| ${head.join(" | ")} |`, `| ${head.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
    return `${md(TASK_HEAD, taskRows(cmp))}\n\n${md(AGG_HEAD, aggregateRows(cmp))}\n\n${notes(cmp).join("  \n")}\n`;
  }
  const tasks = new Table({ head: TASK_HEAD, style: { head: [], border: [] } });
  tasks.push(...taskRows(cmp));
  const aggs = new Table({ head: AGG_HEAD, style: { head: [], border: [] } });
  aggs.push(...aggregateRows(cmp));
  return `${tasks.toString()}\n${aggs.toString()}\n${notes(cmp).join("\n")}\n`;
}
