// The table printed at the end of a run: one row per task, straight from run.json.
import Table from "cli-table3";
import type { TaskSummary } from "../types.ts";
import { coverageOf, FEWER_ITEMS_MARK, FEWER_ITEMS_NOTE } from "../record/coverage.ts";
import { DEFAULT_LEVEL } from "../stats/bootstrap.ts";

function pct(x: number | null): string {
  return x === null ? "–" : (100 * x).toFixed(1);
}

function interval(low: number | null | undefined, high: number | null | undefined): string {
  return low === null || low === undefined ? "–" : `[${pct(low)}, ${pct(high ?? null)}]`;
}

export function renderLeaderboard(tasks: TaskSummary[], level = DEFAULT_LEVEL): string {
  const ci = `${Math.round(level * 100)}% CI`;
  // Columns only the logprob scoring modes fill: shown when some task has them.
  const withNorm = tasks.some((t) => t.acc_norm !== undefined && t.acc_norm !== null);
  const withMass = tasks.some((t) => t.letter_mass !== undefined && t.letter_mass !== null);
  // A prompt longer than the context is not a reply cut short: its own column, when there is one.
  const withOverflow = tasks.some((t) => t.context_overflow > 0);
  // Answers left in `reasoning` (content null): shown whenever there are any, apart from unparsed.
  const withReasoningOnly = tasks.some((t) => (t.reasoning_only ?? 0) > 0);
  const table = new Table({
    head: ["task", "lang", "n", "accuracy", ci, ...(withNorm ? ["acc_norm", `acc_norm ${ci}`] : []), ...(withMass ? ["letter mass"] : []), "unparsed", ...(withReasoningOnly ? ["in reasoning"] : []), "truncated", ...(withOverflow ? ["overflow"] : []), "errors"],
    colAligns: ["left", "left", "right", "right", "right", ...(withNorm ? (["right", "right"] as const) : []), ...(withMass ? (["right"] as const) : []), "right", ...(withReasoningOnly ? (["right"] as const) : []), "right", ...(withOverflow ? (["right"] as const) : []), "right"],
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
      ...(withReasoningOnly ? [String(t.reasoning_only ?? 0)] : []),
      String(t.truncated),
      ...(withOverflow ? [String(t.context_overflow)] : []),
      String(t.errors),
    ]);
  }
  return short ? `${table.toString()}\n${FEWER_ITEMS_NOTE}` : table.toString();
}

/**
 * What to do about replies whose answer sits in `reasoning` with no content: said after the
 * table, since they are scored wrong and a reader might take them for the model's mistakes.
 */
export function reasoningOnlyNote(tasks: TaskSummary[]): string | null {
  const n = tasks.reduce((sum, t) => sum + (t.reasoning_only ?? 0), 0);
  if (n === 0) return null;
  return (
    `${n} item(s) came back with no content and the whole reply in \`reasoning\` (the "in reasoning" column; scored wrong, not read): ` +
    `the server's --reasoning-parser saw no </think> (thinking skipped or switched off, or a parser on a model that does not think). ` +
    `Serve without --reasoning-parser, or set answer_from_reasoning: true for this model in models.yaml to read the answer there (a new run: it is in the spec).`
  );
}
