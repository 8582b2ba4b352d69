// A results table independent of its output format: rows are systems (model × setting),
// columns are benchmark × language grouped by domain, then language averages. Renderers
// (terminal, Markdown, LaTeX, CSV, JSON) only lay this out.
import { comparePaired } from "../stats/paired-compare.ts";
import { UserError } from "../types.ts";
import { aggregateDefinitions } from "./aggregates.ts";
import { alignTask } from "./comparison.ts";
import { benchmarkName, benchmarkOf, compareLangs, DOMAIN_ORDER, domainName, familyName, langName } from "./names.ts";
import type { Estimate, SystemScores, TaskScore } from "./scores.ts";
import { mixedScoring, typedLabel, type System } from "./systems.ts";

export interface Column {
  id: string;
  kind: "task" | "group" | "average";
  /** Header level 1: "in-domain", "out-of-domain" or "average". */
  domain: string;
  domainLabel: string;
  /** Header level 2. */
  benchmark: string;
  benchmarkLabel: string;
  /** Header level 3 (null for the all-language average). */
  lang: string | null;
  langLabel: string;
  /** Tasks a full cell is made of. */
  tasks: string[];
}

export interface Delta {
  diff: number | null;
  low: number | null;
  high: number | null;
  b: number;
  c: number;
  p: number;
  /**
   * Where p comes from: exact McNemar for a task; for an average or group (a macro mean of
   * task differences, which McNemar on pooled items does not test) the same paired bootstrap
   * as the interval, so a Δ is marked only when its interval excludes 0.
   */
  test: "mcnemar" | "bootstrap";
  pHolm: number;
  significant: boolean;
}

export interface Cell extends Estimate {
  /** Scored items behind the cell. */
  n: number;
  /** Items the runs planned for the cell's tasks: more than n where requests failed or were never sent. */
  total: number;
  correct: number;
  best: boolean;
  delta?: Delta;
}

export interface Row {
  label: string;
  model: string;
  setting: string;
  scoring: string;
  prompt_style: string;
  runs: string[];
  isBaseline: boolean;
  /** Some run behind the row is not complete (run.json "complete": false): its figures cover only the items finished. */
  incomplete: boolean;
  /** Some task of the row scored fewer items than planned (errors, accepted or not, or items never sent): never bold. */
  fewerItems: boolean;
  /** Aligned with columns; null where the system has no (or not all) tasks of the column. */
  cells: (Cell | null)[];
}

export interface TableModel {
  columns: Column[];
  rows: Row[];
  baseline: string | null;
  alpha: number;
  level: number;
  mixedScoring: boolean;
  notes: string[];
}

export interface TableOptions {
  /** A group (MMLU-medical) as one score per language, its subjects, or both (default "group"). */
  subjects?: SubjectColumns;
  /** `MODEL:SETTING` (or a row label) to compute Δ against. */
  baseline?: string;
  alpha: number;
  resamples: number;
  seed: string | number;
  level: number;
  /** Rows scored in different modes are refused unless this is set (the footnotes then say so). */
  allowMixedScoring?: boolean;
}

export type SubjectColumns = "group" | "subjects" | "both";

const FAMILY_ORDER = ["medqa", "medmcqa", "mmlu_medical", "headqa", "medexpqa"];
function familyRank(f: string): number {
  const i = FAMILY_ORDER.indexOf(f);
  return i === -1 ? FAMILY_ORDER.length : i;
}

/** The columns for every task any system has. */
export function tableColumns(scores: readonly SystemScores[], subjects: SubjectColumns): Column[] {
  const infos = new Map<string, TaskScore>();
  for (const s of scores) for (const t of s.tasks.values()) if (!infos.has(t.task)) infos.set(t.task, t);
  const cols = new Map<string, Column & { family: string }>();
  const placements = (t: TaskScore): boolean[] =>
    t.group === undefined ? [false] : subjects === "group" ? [true] : subjects === "subjects" ? [false] : [false, true];
  for (const t of infos.values()) for (const grouped of placements(t)) {
    const benchmark = grouped ? t.group! : benchmarkOf(t);
    const id = grouped ? `group:${t.group}.${t.lang}` : `task:${t.task}`;
    const col = cols.get(id) ?? {
      id,
      kind: grouped ? ("group" as const) : ("task" as const),
      domain: t.domain,
      domainLabel: domainName(t.domain),
      benchmark,
      benchmarkLabel: grouped ? familyName(t.group!) : benchmarkName(benchmark, t.family),
      lang: t.lang,
      langLabel: langName(t.lang),
      tasks: [],
      family: t.family,
    };
    col.tasks.push(t.task);
    cols.set(id, col);
  }
  const ordered = [...cols.values()].sort(
    (x, y) =>
      DOMAIN_ORDER.indexOf(x.domain) - DOMAIN_ORDER.indexOf(y.domain) ||
      familyRank(x.family) - familyRank(y.family) ||
      Number(x.kind === "task") - Number(y.kind === "task") ||
      x.benchmark.localeCompare(y.benchmark) ||
      compareLangs(x.lang!, y.lang!),
  );
  const langs = [...new Set([...infos.values()].map((t) => t.lang))].sort(compareLangs);
  const all = [...infos.keys()].sort();
  const averages: Column[] = langs.map((lang) => ({
    id: `lang:${lang}`,
    kind: "average",
    domain: "average",
    domainLabel: "Average",
    benchmark: "average",
    benchmarkLabel: "Macro avg.",
    lang,
    langLabel: langName(lang),
    tasks: all.filter((t) => infos.get(t)!.lang === lang),
  }));
  if (infos.size > 0) {
    averages.push({ id: "overall", kind: "average", domain: "average", domainLabel: "Average", benchmark: "average", benchmarkLabel: "Macro avg.", lang: null, langLabel: "All", tasks: all });
  }
  return [...ordered.map(({ family: _f, ...c }) => c), ...averages];
}

function cellOf(col: Column, s: SystemScores): Cell | null {
  if (col.kind === "task") {
    const t = s.tasks.get(col.tasks[0]);
    if (!t) return null;
    // A task none of whose items was scored still says so: "– (0/40)".
    if (t.scored === 0) return { value: null, low: null, high: null, n: 0, total: t.planned, correct: 0, best: false };
    return { ...t.accuracy, n: t.scored, total: t.planned, correct: t.correct, best: false };
  }
  const agg = s.aggregates.find((a) => a.id === col.id);
  if (!agg || agg.n === 0) return null;
  // A group score over some of its subjects is not the group score, and an average over some
  // of the column's tasks is not comparable with the rows that have them all (it would even
  // win the column's bold): leave it out. A task without a scored item counts as missing.
  if (!col.tasks.every((t) => (s.tasks.get(t)?.scored ?? 0) > 0)) return null;
  const total = col.tasks.reduce((acc, t) => acc + (s.tasks.get(t)?.planned ?? 0), 0);
  return { ...agg.macro, n: agg.n, total, correct: agg.correct, best: false };
}

/**
 * --baseline names a row by its label, by the label's parts joined with ":" or, as the README
 * shows, by MODEL:SETTING: that is the row of the model and setting with the default prompt
 * style and scoring, or the only row of them.
 */
export function findBaseline(scores: readonly SystemScores[], selector: string): SystemScores {
  const byLabel = scores.filter((s) => s.system.label === selector || typedLabel(s.system.label) === selector);
  if (byLabel.length === 1) return byLabel[0]!;
  const matches = scores.filter((s) => `${s.system.key.model}:${s.system.key.setting}` === selector);
  if (matches.length === 1) return matches[0]!;
  const rows = scores.map((s) => typedLabel(s.system.label)).join(", ");
  if (matches.length === 0) throw new UserError(`--baseline ${selector}: no row is MODEL:SETTING ${selector}. Rows: ${rows}`);
  throw new UserError(`--baseline ${selector} matches ${matches.length} rows; name one: ${matches.map((m) => typedLabel(m.system.label)).join(", ")}`);
}

function deltas(row: System, base: System, columns: readonly Column[], opts: TableOptions): (Delta | null)[] {
  const shared = [...row.tasks.keys()].filter((t) => base.tasks.has(t)).sort();
  const pairs = shared.map((task) => ({ task, ...alignTask(row.tasks.get(task)!, base.tasks.get(task)!) }));
  const result = comparePaired(pairs, aggregateDefinitions(shared.map((t) => row.tasks.get(t)!)), opts);
  const taskDelta = new Map(result.tasks.filter((t) => t.n > 0).map((t) => [t.task, t]));
  const aggDelta = new Map(result.aggregates.map((a) => [a.id, a]));
  const sameTasks = (x: readonly string[], y: readonly string[]) => x.length === y.length && new Set([...x, ...y]).size === x.length;
  return columns.map((col): Delta | null => {
    const d = col.kind === "task" ? taskDelta.get(col.tasks[0]) : aggDelta.get(col.id);
    // An average over fewer of the column's tasks than the row shows is another average.
    if (!d || ("tasks" in d && !sameTasks(d.tasks, col.tasks))) return null;
    return { diff: d.diff, low: d.ci.low, high: d.ci.high, b: d.b, c: d.c, p: d.p, test: d.test, pHolm: d.pHolm, significant: d.significant };
  });
}

/** Accuracies from different scoring modes are different measurements: one table needs consent. */
function checkScoringModes(scores: readonly SystemScores[], allowMixed: boolean | undefined): boolean {
  const systems = scores.map((s) => s.system);
  if (!mixedScoring(systems)) return false;
  if (!allowMixed) {
    const modes = systems.map((s) => `${s.label}: ${s.key.scoring}`).join("; ");
    throw new UserError(
      `the runs were scored in different modes (${modes}); accuracies from different scoring modes are not the same ` +
        "measurement, and a table ranks and compares its rows. Select runs with the same spec.scoring, or pass --allow-mixed-scoring.",
    );
  }
  return true;
}

export function buildTable(scores: readonly SystemScores[], opts: TableOptions): TableModel {
  const mixed = checkScoringModes(scores, opts.allowMixedScoring);
  const columns = tableColumns(scores, opts.subjects ?? "group");
  // Holm adjusts over the comparison's whole family (stats/paired-compare.ts), whichever
  // columns this rendering shows: the terminal, LaTeX, CSV and JSON agree, and with compare.
  const base = opts.baseline ? findBaseline(scores, opts.baseline) : null;
  const rows: Row[] = scores.map((s) => {
    const cells = columns.map((c) => cellOf(c, s));
    if (base && s !== base) {
      const rowDeltas = deltas(s.system, base.system, columns, opts);
      columns.forEach((_, i) => {
        const cell = cells[i];
        const d = rowDeltas[i];
        if (cell && d) cell.delta = d;
      });
    }
    return {
      label: s.system.label,
      ...s.system.key,
      runs: s.system.runs.map((r) => r.record.run_id),
      isBaseline: s === base,
      incomplete: s.system.runs.some((r) => !r.record.complete || r.tornFinalLine),
      fewerItems: [...s.tasks.values()].some((t) => t.scored < t.planned),
      cells,
    };
  });
  // Bold: the best as printed (0.1 points), ties all bold, among rows whose runs finished with
  // every item scored (an accuracy over the items that happened to succeed is biased upward).
  const shown = (v: number) => Math.round(v * 1000);
  const contends = (r: Row) => !r.incomplete && !r.fewerItems;
  columns.forEach((_, i) => {
    const values = rows.filter(contends).map((r) => r.cells[i]?.value ?? null).filter((v): v is number => v !== null);
    if (values.length < 2) return;
    const best = Math.max(...values.map(shown));
    for (const r of rows) {
      const cell = r.cells[i];
      if (contends(r) && cell && cell.value !== null && shown(cell.value) === best) cell.best = true;
    }
  });
  const notes: string[] = [];
  const partial = scores.some((s, r) =>
    columns.some((c, i) => c.kind !== "task" && rows[r].cells[i] === null && c.tasks.some((t) => s.tasks.has(t))),
  );
  if (partial) {
    notes.push("An average or group cell is left empty where the row lacks some of its tasks, or has no scored item in one: it would not be comparable.");
  }
  for (const s of scores) for (const n of s.system.notes) notes.push(`${s.system.label}: ${n}`);
  return {
    columns,
    rows,
    baseline: base?.system.label ?? null,
    alpha: opts.alpha,
    level: opts.level,
    mixedScoring: mixed,
    notes,
  };
}
