// The table printed at the end of a run: one row per task, straight from run.json.
import Table from "cli-table3";
import type { TaskSummary } from "../types.ts";
import { coverageOf, FEWER_ITEMS_MARK, FEWER_ITEMS_NOTE } from "./coverage.ts";

function pct(x: number | null): string {
  return x === null ? "–" : (100 * x).toFixed(1);
}

function interval(low: number | null | undefined, high: number | null | undefined): string {
  return low === null || low === undefined ? "–" : `[${pct(low)}, ${pct(high ?? null)}]`;
}

export function renderLeaderboard(tasks: TaskSummary[], level = 0.95): string {
  const ci = `${Math.round(level * 100)}% CI`;
  // Columns only the logprob scoring modes fill: shown when some task has them.
  const withNorm = tasks.some((t) => t.acc_norm !== undefined && t.acc_norm !== null);
  const withMass = tasks.some((t) => t.letter_mass !== undefined && t.letter_mass !== null);
  const table = new Table({
    head: ["task", "lang", "n", "accuracy", ci, ...(withNorm ? ["acc_norm", `acc_norm ${ci}`] : []), ...(withMass ? ["letter mass"] : []), "unparsed", "truncated", "errors"],
    colAligns: ["left", "left", "right", "right", "right", ...(withNorm ? (["right", "right"] as const) : []), ...(withMass ? (["right"] as const) : []), "right", "right", "right"],
    style: { head: [], border: [] },
  });
  let short = false;
  for (const t of tasks) {
    const c = coverageOf(t);
    short ||= c.scored < c.planned;
    const unparsedRate = t.scored > 0 ? ` (${pct(t.unparsed / t.scored)}%)` : "";
    table.push([
      t.task,
      t.lang,
      c.scored < c.planned ? `${c.scored} of ${c.planned}${FEWER_ITEMS_MARK}` : String(c.planned),
      pct(t.accuracy),
      interval(t.ci_low, t.ci_high),
      ...(withNorm ? [pct(t.acc_norm ?? null), interval(t.acc_norm_ci_low, t.acc_norm_ci_high)] : []),
      ...(withMass ? [t.letter_mass === undefined || t.letter_mass === null ? "–" : t.letter_mass.toFixed(3)] : []),
      `${t.unparsed}${unparsedRate}`,
      String(t.truncated + t.context_overflow),
      String(t.errors),
    ]);
  }
  return short ? `${table.toString()}\n${FEWER_ITEMS_NOTE}` : table.toString();
}
