// The table printed at the end of a run: one row per task, straight from run.json.
import Table from "cli-table3";
import type { TaskSummary } from "../types.ts";

function pct(x: number | null): string {
  return x === null ? "–" : (100 * x).toFixed(1);
}

export function renderLeaderboard(tasks: TaskSummary[], level = 0.95): string {
  const table = new Table({
    head: ["task", "lang", "n", "accuracy", `${Math.round(level * 100)}% CI`, "unparsed", "truncated", "errors"],
    colAligns: ["left", "left", "right", "right", "right", "right", "right", "right"],
    style: { head: [], border: [] },
  });
  for (const t of tasks) {
    const unparsedRate = t.scored > 0 ? ` (${pct(t.unparsed / t.scored)}%)` : "";
    table.push([
      t.task,
      t.lang,
      String(t.n),
      pct(t.accuracy),
      t.ci_low === null ? "–" : `[${pct(t.ci_low)}, ${pct(t.ci_high)}]`,
      `${t.unparsed}${unparsedRate}`,
      String(t.truncated + t.context_overflow),
      String(t.errors),
    ]);
  }
  return table.toString();
}
