// How figures are written in tables: accuracies in percent with one decimal.
import { FEWER_ITEMS_NOTE, fewerItemsText } from "../record/coverage.ts";
import type { Cell, Delta, Row, TableModel } from "./table-model.ts";
import { printedCommand } from "../invocation.ts";

export type CiStyle = "halfwidth" | "interval";

export function pct(x: number | null, digits = 1): string {
  return x === null ? "–" : (100 * x).toFixed(digits);
}

export function signedPct(x: number | null, digits = 1): string {
  if (x === null) return "–";
  const s = (100 * x).toFixed(digits);
  return x > 0 && Number(s) !== 0 ? `+${s}` : s === `-${(0).toFixed(digits)}` ? (0).toFixed(digits) : s;
}

/** `71.3 ± 1.2` (half the interval's width) or `71.3 [70.1, 72.5]`. */
export function estimateText(cell: Pick<Cell, "value" | "low" | "high">, style: CiStyle): { value: string; ci: string } {
  if (cell.value === null) return { value: "–", ci: "" };
  if (cell.low === null || cell.high === null) return { value: pct(cell.value), ci: "" };
  if (style === "halfwidth") return { value: pct(cell.value), ci: `± ${pct((cell.high - cell.low) / 2)}` };
  return { value: pct(cell.value), ci: `[${pct(cell.low)}, ${pct(cell.high)}]` };
}

/** "(38/40)†" beside a cell whose figure rests on fewer items than planned, else "". */
export function cellCoverage(cell: Pick<Cell, "n" | "total">): string {
  return fewerItemsText(cell.n, cell.total);
}

/** A row's name as tables print it: whether it is the baseline, and whether its runs are unfinished. */
export function rowTitle(row: Pick<Row, "label" | "isBaseline" | "incomplete">): string {
  return `${row.label}${row.isBaseline ? " (baseline)" : ""}${row.incomplete ? " (incomplete)" : ""}`;
}

export function deltaText(d: Delta): string {
  return signedPct(d.diff);
}

export function ciStyleName(style: CiStyle, level: number): string {
  const l = `${Math.round(level * 1000) / 10}%`;
  return style === "halfwidth" ? `± half-width of the ${l} bootstrap CI` : `[low, high] of the ${l} bootstrap CI`;
}

export function footnotes(model: TableModel, ci: CiStyle): string[] {
  const lines = [`Accuracy (%) ${ciStyleName(ci, model.level)}; best per column in bold (among rows with every item scored).`];
  if (model.baseline) {
    lines.push(
      `Δ: paired difference against ${model.baseline} on the items both scored; * = significant at α=${model.alpha} ` +
        "(p: exact McNemar for a task, the paired bootstrap for an average or group; Holm-adjusted across every task and distinct average of the row's comparison, as in `medeval compare`).",
    );
  }
  if (model.rows.some((r) => r.incomplete)) {
    lines.push(`(incomplete): a run behind the row did not finish (run.json "complete": false); its figures cover only the items done so far. Resume it with \`${printedCommand(["run", "--resume", "RUN_ID"])}\`.`);
  }
  if (model.rows.some((r) => r.cells.some((c) => c !== null && c.n < c.total))) lines.push(FEWER_ITEMS_NOTE);
  if (model.mixedScoring) lines.push("MIXED SCORING: rows differ in scoring mode (generative / loglikelihood / first-token; see the row labels), shown together because --allow-mixed-scoring was given.");
  return [...lines, ...model.notes];
}
