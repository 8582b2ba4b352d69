// The HTML report: one self-contained page (no external files or scripts) with the results
// table, the aggregates of every system and the forest plot.
import { benchmarkSpans, domainSpans } from "./header-spans.ts";
import { cellCoverage, type CiStyle, deltaText, estimateText, footnotes, pct, rowTitle } from "./format.ts";
import { esc } from "./html.ts";
import { forestPlotSvg } from "./render-svg.ts";
import type { SystemScores } from "./scores.ts";
import { fewshotLabel, paramsLabel } from "./systems.ts";
import type { Cell, TableModel } from "./table-model.ts";
import { viewLink, viewLinkHint } from "./view-link.ts";

/** Where the samples behind row r's cell in column c can be seen, or null. */
export type CellLink = (row: number, column: number) => string | null;

function cellHtml(cell: Cell | null, ci: CiStyle, link: string | null): string {
  if (!cell) return "<td>–</td>";
  const { value, ci: interval } = estimateText(cell, ci);
  const bold = cell.best ? `<b>${value}</b>` : value;
  const v = link ? `<a href="${esc(link)}">${bold}</a>` : bold;
  const coverage = cellCoverage(cell);
  const mark = coverage ? ` <span class="fewer">${esc(coverage)}</span>` : "";
  return `<td title="n=${cell.n} of ${cell.total}, correct=${cell.correct}">${v} <span class="ci">${esc(interval)}</span>${mark}</td>`;
}

/** Links to `medeval view`: each cell's tasks, in the run of the row's system that holds them. */
export function viewLinks(model: TableModel, scores: readonly SystemScores[]): CellLink {
  return (r, c) => {
    const tasks = scores[r]?.tasks;
    if (!tasks) return null;
    return viewLink(model.columns[c].tasks.flatMap((t) => (tasks.has(t) ? [{ run_id: tasks.get(t)!.run_id, task: t }] : [])));
  };
}

export function htmlTable(model: TableModel, ci: CiStyle, link: CellLink = () => null): string {
  const head = [
    `<tr><th rowspan="3">Model · setting</th>${domainSpans(model.columns).map((s) => `<th colspan="${s.span}">${esc(s.label)}</th>`).join("")}</tr>`,
    `<tr>${benchmarkSpans(model.columns).map((s) => `<th colspan="${s.span}">${esc(s.label)}</th>`).join("")}</tr>`,
    `<tr>${model.columns.map((c) => `<th>${esc(c.langLabel)}</th>`).join("")}</tr>`,
  ];
  const body: string[] = [];
  model.rows.forEach((row, r) => {
    const label = esc(rowTitle(row));
    body.push(`<tr><th class="row">${label}</th>${row.cells.map((c, i) => cellHtml(c, ci, link(r, i))).join("")}</tr>`);
    if (row.cells.some((c) => c?.delta)) {
      const deltas = row.cells.map((c) =>
        c?.delta ? `<td class="delta${c.delta.significant ? " sig" : ""}" title="p=${c.delta.p.toPrecision(3)}, Holm p=${c.delta.pHolm.toPrecision(3)}">${deltaText(c.delta)}${c.delta.significant ? "*" : ""}</td>` : "<td></td>",
      );
      body.push(`<tr class="delta"><th class="row">Δ vs baseline</th>${deltas.join("")}</tr>`);
    }
  });
  const notes = footnotes(model, ci).map((n) => `<li>${esc(n)}</li>`).join("");
  return `<table class="results"><thead>${head.join("")}</thead><tbody>${body.join("")}</tbody></table><ul class="notes">${notes}</ul>`;
}

function aggregatesHtml(scores: readonly SystemScores[]): string {
  return scores
    .map((s) => {
      const rows = s.aggregates
        .map(
          (a) =>
            `<tr><td>${esc(a.label)}</td><td>${a.tasks.length}</td><td>${a.n}</td>` +
            `<td>${pct(a.macro.value)} [${pct(a.macro.low)}, ${pct(a.macro.high)}]</td>` +
            `<td>${pct(a.micro.value)} [${pct(a.micro.low)}, ${pct(a.micro.high)}]</td></tr>`,
        )
        .join("");
      return (
        `<h3>${esc(s.system.label)}</h3>${runsHtml(s)}` +
        `<table class="aggregates"><thead><tr><th>Aggregate</th><th>Tasks</th><th>Items</th><th>Macro</th><th>Micro</th></tr></thead><tbody>${rows}</tbody></table>`
      );
    })
    .join("");
}

const TASK_COUNTS = ["planned", "scored", "correct", "unparsed", "reasoning_only", "truncated", "context_overflow", "errors"] as const;

/** Each run behind a row: where and how it was asked, when, and what became of every item of each task. */
function runsHtml(s: SystemScores): string {
  return s.system.runs
    .map(({ record }) => {
      const spec = record.spec;
      const settings = [
        `endpoint ${spec.base_urls.join(", ")} as ${spec.served_model}`,
        `${spec.setting}, ${spec.prompt_style}, ${spec.scoring}`,
        ...(spec.fewshot ? [fewshotLabel(spec.fewshot)] : []),
        paramsLabel(spec.params),
        `started ${record.timing.started_at}${record.timing.finished_at ? `, finished ${record.timing.finished_at}` : ", not finished"}`,
        record.complete ? "complete" : "not complete",
      ].filter((x) => x !== "");
      const head = `<tr><th>Task</th>${TASK_COUNTS.map((c) => `<th>${c.replace("_", " ")}</th>`).join("")}</tr>`;
      const rows = record.tasks
        .map((t) => `<tr><td>${esc(t.task)}</td>${TASK_COUNTS.map((c) => `<td>${c === "planned" ? (t.planned ?? t.n) : (t[c] ?? 0)}</td>`).join("")}</tr>`)
        .join("");
      return (
        `<p class="runs">Run <code>${esc(record.run_id)}</code>: ${settings.map(esc).join("; ")}</p>` +
        `<table class="counts"><thead>${head}</thead><tbody>${rows}</tbody></table>`
      );
    })
    .join("");
}

export function renderHtmlReport(model: TableModel, scores: readonly SystemScores[], opts: { ci: CiStyle; title?: string; source: string }): string {
  const title = opts.title ?? "medeval results";
  const css =
    "body{font-family:Helvetica,Arial,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:12px 0}" +
    "th,td{border:1px solid #ccc;padding:4px 8px;text-align:center;font-size:13px}th.row,td:first-child{text-align:left}th.row{white-space:nowrap}" +
    ".ci{color:#666;font-size:11px}tr.delta td{color:#555;font-size:12px}td.sig{color:#b00;font-weight:bold}" +
    ".fewer{color:#b00;font-size:11px}.notes{font-size:12px;color:#444}.runs{font-size:12px}code{font-size:12px}";
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${css}</style></head>
<body>
<h1>${esc(title)}</h1>
<p>From ${esc(opts.source)}: ${scores.length} model × setting combination(s), ${scores.reduce((a, s) => a + s.system.runs.length, 0)} run(s). Accuracy in percent; intervals are ${Math.round(model.level * 100)}% percentile bootstrap CIs.</p>
<h2>Accuracy</h2>
<p class="notes">${esc(viewLinkHint(opts.source))}</p>
${htmlTable(model, opts.ci, viewLinks(model, scores))}
<h2>Forest plot</h2>
${forestPlotSvg(model)}
<h2>Aggregates</h2>
<p>Macro: mean of task accuracies (a group such as MMLU-medical counts as one task per language); micro: all items pooled. Stratified bootstrap CIs.</p>
${aggregatesHtml(scores)}
</body></html>
`;
}
