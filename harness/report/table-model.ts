// A results table independent of its output format: rows are systems (model × setting),
// columns are benchmark × language grouped by domain, then language averages. Renderers
// (terminal, Markdown, LaTeX, CSV, JSON) only lay this out.
import { distributionPValue } from "../stats/bootstrap-p.ts";
import { holmAdjust } from "../stats/holm.ts";
import { pairedComparison, resampleStratifiedPairedDiffs } from "../stats/paired.ts";
import { percentileInterval } from "../stats/quantile.ts";
import { UserError } from "../types.ts";
import { alignTask } from "./comparison.ts";
import { benchmarkName, benchmarkOf, compareLangs, DOMAIN_ORDER, domainName, familyName, langName } from "./names.ts";
import type { Estimate, SystemScores, TaskScore } from "./scores.ts";
import { mixedScoring, type System } from "./systems.ts";

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

export function findBaseline(scores: readonly SystemScores[], selector: string): SystemScores {
  const matches = scores.filter((s) => s.system.label === selector || `${s.system.key.model}:${s.system.key.setting}` === selector);
  if (matches.length === 1) return matches[0];
  const rows = scores.map((s) => `${s.system.key.model}:${s.system.key.setting}`).join(", ");
  if (matches.length === 0) throw new UserError(`--baseline ${selector}: no row is MODEL:SETTING ${selector}. Rows: ${rows}`);
  throw new UserError(`--baseline ${selector} matches ${matches.length} rows (${matches.map((m) => m.system.label).join("; ")}); name one by its full label.`);
}

function deltas(row: System, base: System, columns: readonly Column[], opts: TableOptions): (Delta | null)[] {
  const perTask = new Map<string, { n: number; b: number; c: number; diff: number; low: number; high: number; p: number }>();
  for (const [task, outcomes] of row.tasks) {
    const other = base.tasks.get(task);
    if (!other) continue;
    const aligned = alignTask(outcomes, other);
    const cmp = pairedComparison(aligned.a, aligned.b, { resamples: opts.resamples, level: opts.level, seed: `${opts.seed}:${task}` });
    if (cmp.n > 0) perTask.set(task, { n: cmp.n, b: cmp.b, c: cmp.c, diff: cmp.diff, low: cmp.ci.low, high: cmp.ci.high, p: cmp.p });
  }
  const raw = columns.map((col): Omit<Delta, "pHolm" | "significant"> | null => {
    if (!col.tasks.every((t) => perTask.has(t))) return null;
    if (col.kind === "task") {
      const t = perTask.get(col.tasks[0])!;
      return { diff: t.diff, low: t.low, high: t.high, b: t.b, c: t.c, p: t.p, test: "mcnemar" };
    }
    const strata = weightsFor(col, row).map((m) => {
      const t = perTask.get(m.task)!;
      return { n: t.n, b: t.b, c: t.c, weight: m.weight };
    });
    const dist = resampleStratifiedPairedDiffs(strata, opts.resamples, `${opts.seed}:${col.id}`);
    if (dist === null) return null;
    const ci = percentileInterval(dist.macro, opts.level);
    return {
      diff: dist.macroMean,
      low: ci.low,
      high: ci.high,
      b: strata.reduce((a, s) => a + s.b, 0),
      c: strata.reduce((a, s) => a + s.c, 0),
      p: distributionPValue(dist.macro),
      test: "bootstrap",
    };
  });
  const holm = holmAdjust(raw.map((d) => d?.p ?? Number.NaN));
  return raw.map((d, i) => (d ? { ...d, pHolm: holm[i], significant: holm[i] < opts.alpha } : null));
}

/** Macro weights of a column's tasks, the same as in the system's own aggregate. */
function weightsFor(col: Column, row: System): { task: string; weight: number }[] {
  const unit = (task: string) => {
    const info = row.tasks.get(task)!;
    return info.group ? `${info.group}\u0000${info.lang}` : task;
  };
  const size = new Map<string, number>();
  for (const t of col.tasks) size.set(unit(t), (size.get(unit(t)) ?? 0) + 1);
  return col.tasks.map((t) => ({ task: t, weight: 1 / (size.size * size.get(unit(t))!) }));
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
  // Holm adjusts over every comparison the table can show (groups and their subjects alike),
  // whichever of them this rendering shows: the terminal, LaTeX, CSV and JSON then agree.
  const family = tableColumns(scores, "both");
  const base = opts.baseline ? findBaseline(scores, opts.baseline) : null;
  const rows: Row[] = scores.map((s) => {
    const cells = columns.map((c) => cellOf(c, s));
    if (base && s !== base) {
      const byId = new Map(deltas(s.system, base.system, family, opts).map((d, i) => [family[i].id, d]));
      columns.forEach((col, i) => {
        const cell = cells[i];
        const d = byId.get(col.id);
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
