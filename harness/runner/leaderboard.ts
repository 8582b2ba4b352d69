// The table printed at the end of a run: one row per task, straight from run.json.
import Table from "cli-table3";
import type { TaskSummary } from "../types.ts";

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
  // A prompt longer than the context is not a reply cut short: its own column, when there is one.
  const withOverflow = tasks.some((t) => t.context_overflow > 0);
  const table = new Table({
    head: ["task", "lang", "n", "accuracy", ci, ...(withNorm ? ["acc_norm", `acc_norm ${ci}`] : []), ...(withMass ? ["letter mass"] : []), "unparsed", "truncated", ...(withOverflow ? ["overflow"] : []), "errors"],
    colAligns: ["left", "left", "right", "right", "right", ...(withNorm ? (["right", "right"] as const) : []), ...(withMass ? (["right"] as const) : []), "right", "right", ...(withOverflow ? (["right"] as const) : []), "right"],
    style: { head: [], border: [] },
  });
  for (const t of tasks) {
    const unparsedRate = t.scored > 0 ? ` (${pct(t.unparsed / t.scored)}%)` : "";
    table.push([
      t.task,
      t.lang,
      String(t.n),
      pct(t.accuracy),
      interval(t.ci_low, t.ci_high),
      ...(withNorm ? [pct(t.acc_norm ?? null), interval(t.acc_norm_ci_low, t.acc_norm_ci_high)] : []),
      ...(withMass ? [t.letter_mass === undefined || t.letter_mass === null ? "–" : t.letter_mass.toFixed(3)] : []),
      `${t.unparsed}${unparsedRate}`,
      String(t.truncated),
      ...(withOverflow ? [String(t.context_overflow)] : []),
      String(t.errors),
    ]);
  }
  return table.toString();
}
