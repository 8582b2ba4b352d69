// CSV (one row per system × column: every task, every group and the averages, with all
// figures) and JSON renderings of a results table.
import { stringify } from "csv-stringify/sync";
import type { SystemScores } from "./scores.ts";
import type { TableModel } from "./table-model.ts";

const round = (x: number | null | undefined, digits = 6): number | "" => (x === null || x === undefined ? "" : Number(x.toFixed(digits)));

const sig = (p: number | undefined): number | "" => (p === undefined ? "" : Number(p.toPrecision(6)));

/** `model` should be built with subjects "both" so every task and group has a column. */
export function renderCsv(model: TableModel, scores: readonly SystemScores[]): string {
  const header = [
    "model", "setting", "scoring", "prompt_style", "row", "runs", "kind", "domain", "benchmark", "task", "lang",
    "n_total", "n_scored", "correct", "errors", "unparsed", "truncated", "context_overflow",
    "accuracy", "ci_low", "ci_high", "ci_level", "best",
    "baseline", "delta", "delta_low", "delta_high", "discordant_b", "discordant_c", "p", "p_test", "p_holm", "significant", "complete",
    "fewer_items",
  ];
  const records: (string | number | boolean)[][] = [header];
  model.rows.forEach((row, r) => {
    const tasks = scores[r].tasks;
    model.columns.forEach((col, i) => {
      const cell = row.cells[i];
      if (!cell) return;
      const t = col.kind === "task" ? tasks.get(col.tasks[0]) : undefined;
      const d = cell.delta;
      records.push([
        row.model, row.setting, row.scoring, row.prompt_style, row.label, row.runs.join(" "), col.kind, col.domain, col.benchmark,
        col.kind === "task" ? col.tasks[0] : col.id, col.lang ?? "all",
        cell.total, cell.n, cell.correct, t?.errors ?? "", t?.unparsed ?? "", t?.truncated ?? "", t?.context_overflow ?? "",
        round(cell.value), round(cell.low), round(cell.high), model.level, cell.best,
        model.baseline ?? "", round(d?.diff), round(d?.low), round(d?.high), d?.b ?? "", d?.c ?? "", sig(d?.p), d?.test ?? "", sig(d?.pHolm), d ? d.significant : "", !row.incomplete,
        cell.n < cell.total,
      ]);
    });
  });
  return stringify(records, { cast: { boolean: (v) => String(v) } });
}

export function renderJson(model: TableModel, scores: readonly SystemScores[]): string {
  const systems = scores.map((s) => ({
    label: s.system.label,
    ...s.system.key,
    runs: s.system.runs.map((r) => ({ run_id: r.record.run_id, dir: r.dir })),
    tasks: [...s.tasks.values()],
    aggregates: s.aggregates,
    notes: s.system.notes,
  }));
  return `${JSON.stringify({ format: "medeval-table", version: 1, table: model, systems }, null, 2)}\n`;
}
