// Forest plot: for each column of the table (task × language, groups, averages), the
// accuracy and confidence interval of every system, as one self-contained SVG.
import { cellCoverage, pct } from "./format.ts";
import { esc } from "./html.ts";
import type { TableModel } from "./table-model.ts";

/** The label column's least width, and what one character of a 12px Helvetica label takes at most on average. */
const MIN_LABEL_W = 280;
const LABEL_CHAR_W = 7;
const PLOT_W = 400;
const VALUE_W = 170;
const ROW_H = 18;
const TITLE_H = 26;
const AXIS_H = 26;
const PAD = 10;

export function forestPlotSvg(model: TableModel): string {
  // Wide enough for the longest row label: text anchored at its end was cut off on the left.
  const LABEL_W = Math.max(MIN_LABEL_W, PAD + 8 + LABEL_CHAR_W * Math.max(0, ...model.rows.map((r) => r.label.length)));
  const values = model.rows.flatMap((r) => r.cells.flatMap((c) => (c ? [c.low ?? c.value ?? 0, c.high ?? c.value ?? 1] : [])));
  const lo = values.length ? Math.max(0, Math.floor(Math.min(...values) * 10) / 10) : 0;
  const hi = values.length ? Math.min(1, Math.ceil(Math.max(...values) * 10) / 10) : 1;
  const span = hi - lo || 1;
  const x = (v: number) => LABEL_W + ((v - lo) / span) * PLOT_W;
  const width = LABEL_W + PLOT_W + VALUE_W + PAD;
  const parts: string[] = [];
  let y = PAD;
  const palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"];
  model.columns.forEach((col, i) => {
    const title = `${col.domainLabel} · ${col.benchmarkLabel} · ${col.langLabel}`;
    parts.push(`<text x="${PAD}" y="${y + 17}" class="title">${esc(title)}</text>`);
    y += TITLE_H;
    const top = y;
    model.rows.forEach((row, r) => {
      const cell = row.cells[i];
      const cy = y + ROW_H / 2;
      parts.push(`<text x="${LABEL_W - 8}" y="${cy + 4}" class="label" text-anchor="end">${esc(row.label)}</text>`);
      if (cell && cell.value !== null) {
        const color = palette[r % palette.length];
        const tip = `${row.label}, ${title}: ${pct(cell.value)} [${pct(cell.low)}, ${pct(cell.high)}], n=${cell.n} of ${cell.total}`;
        parts.push(`<g><title>${esc(tip)}</title>`);
        if (cell.low !== null && cell.high !== null) {
          parts.push(`<line x1="${x(cell.low).toFixed(1)}" x2="${x(cell.high).toFixed(1)}" y1="${cy}" y2="${cy}" stroke="${color}" stroke-width="2"/>`);
        }
        parts.push(`<rect x="${(x(cell.value) - 4).toFixed(1)}" y="${cy - 4}" width="8" height="8" fill="${color}"/></g>`);
        const coverage = cellCoverage(cell);
        const text = `${pct(cell.value)} [${pct(cell.low)}, ${pct(cell.high)}]${coverage ? ` ${coverage}` : ""}`;
        parts.push(`<text x="${LABEL_W + PLOT_W + 10}" y="${cy + 4}" class="value${cell.best ? " best" : ""}">${esc(text)}</text>`);
      } else {
        parts.push(`<text x="${LABEL_W + PLOT_W + 10}" y="${cy + 4}" class="value">–</text>`);
      }
      y += ROW_H;
    });
    parts.push(`<rect x="${LABEL_W}" y="${top}" width="${PLOT_W}" height="${y - top}" class="frame"/>`);
    // lo and hi are whole tenths: a tick every 10 points (every 20 on a wide axis).
    const step = span > 0.5 ? 0.2 : 0.1;
    for (let k = 0; k <= Math.round(span / step); k++) {
      const v = lo + k * step;
      parts.push(`<line x1="${x(v).toFixed(1)}" x2="${x(v).toFixed(1)}" y1="${top}" y2="${y}" class="grid"/>`);
      parts.push(`<text x="${x(v).toFixed(1)}" y="${y + 14}" class="tick" text-anchor="middle">${pct(v, 0)}</text>`);
    }
    y += AXIS_H;
  });
  const height = y + PAD;
  const style =
    "<style>text{font-family:Helvetica,Arial,sans-serif;font-size:12px;fill:#222}.title{font-weight:bold;font-size:13px}" +
    ".tick{font-size:10px;fill:#555}.value{font-size:11px}.best{font-weight:bold}.frame{fill:none;stroke:#999}.grid{stroke:#e4e4e4}</style>";
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="Forest plot of accuracy with ${Math.round(model.level * 100)}% confidence intervals">` +
    `${style}<rect width="100%" height="100%" fill="#fff"/>${parts.join("")}</svg>\n`
  );
}
