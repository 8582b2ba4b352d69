// compare, table, report and check read the same two runs through one paired comparison
// (stats/paired-compare.ts): for every task and aggregate they must give the same Δ, interval,
// p-value and significance. Before, compare tested an aggregate with McNemar on pooled items
// while table and check used the bootstrap, and check weighed every MMLU subject as a task.
import { describe, expect, it } from "vitest";
import { DEFAULT_GATE_OPTIONS } from "../../harness/gate/decide.ts";
import { runCheck } from "../../harness/gate/check.ts";
import { loadScores, tableFor } from "../../harness/report/build.ts";
import { compareSystems } from "../../harness/report/comparison.ts";
import { signedPct } from "../../harness/report/format.ts";
import { renderHtmlReport } from "../../harness/report/render-html.ts";
import { resolveSystem } from "../../harness/report/systems.ts";
import { tempDir } from "../helpers.ts";
import { makeRun } from "./make-run.ts";

/** n items, the first `right` correct, then shuffled deterministically by a stride. */
function outcomes(n: number, right: number, stride = 7): boolean[] {
  const base = Array.from({ length: n }, (_, i) => i < right);
  return base.map((_, i) => base[(i * stride) % n]);
}

const TASKS_BASE = {
  "medqa.en": outcomes(120, 84),
  "medqa.it": outcomes(120, 78),
  "mmlu_medical.anatomy.en": outcomes(60, 40),
  "mmlu_medical.medical_genetics.en": outcomes(50, 36),
  "headqa.es": outcomes(90, 60),
};
const TASKS_CAND = {
  "medqa.en": outcomes(120, 70, 11),
  "medqa.it": outcomes(120, 80, 13),
  "mmlu_medical.anatomy.en": outcomes(60, 30, 11),
  "mmlu_medical.medical_genetics.en": outcomes(50, 37, 3),
  "headqa.es": outcomes(90, 55, 11),
};

const STATS = { resamples: 2000, seed: 7, level: 0.95, alpha: 0.05 };

describe("one paired comparison behind compare, table, report and check", () => {
  it("gives the same Δ, CI, p and significance for every task and aggregate", () => {
    const dir = tempDir();
    const base = makeRun(dir, { model: "base", setting: "zero-shot", tasks: TASKS_BASE });
    const cand = makeRun(dir, { model: "cand", setting: "zero-shot", tasks: TASKS_CAND });

    const cmp = compareSystems(resolveSystem(cand), resolveSystem(base), STATS);
    const fromCompare = new Map<string, number[]>();
    for (const t of cmp.tasks) fromCompare.set(t.task, [t.diff.diff!, t.diff.low!, t.diff.high!, t.p, t.pHolm, Number(t.significant)]);
    for (const a of cmp.aggregates) fromCompare.set(a.id, [a.macro.diff!, a.macro.low!, a.macro.high!, a.p, a.pHolm, Number(a.significant)]);

    const check = runCheck({ baseline: base, candidate: cand, allowMixedScoring: false, options: { ...DEFAULT_GATE_OPTIONS, resamples: STATS.resamples, seed: STATS.seed, alpha: STATS.alpha } });
    expect(check.decision).toBeDefined();
    for (const row of check.decision!.rows) {
      const expected = fromCompare.get(row.name);
      expect(expected, `check row ${row.name} is a row of compare`).toBeDefined();
      expect([row.diff, row.ci.low, row.ci.high, row.p, row.pHolm, Number(row.pHolm < STATS.alpha)], row.name).toEqual(expected);
    }
    // The gate judges every task and the distinct aggregates over two or more tasks.
    expect(check.decision!.rows.map((r) => r.name)).toEqual(expect.arrayContaining(["overall", "lang:en", "group:mmlu_medical", "domain:in-domain"]));

    const scores = loadScores([dir], { resamples: STATS.resamples, seed: String(STATS.seed), level: STATS.level });
    for (const subjects of ["group", "both"] as const) {
      const table = tableFor(scores, { ...STATS, seed: String(STATS.seed), baseline: "base:zero-shot", subjects });
      const row = table.rows.find((r) => r.model === "cand")!;
      let seen = 0;
      table.columns.forEach((col, i) => {
        const d = row.cells[i]?.delta;
        if (!d) return;
        const id = col.kind === "task" ? col.tasks[0] : col.id;
        seen++;
        expect([d.diff, d.low, d.high, d.p, d.pHolm, Number(d.significant)], `table column ${col.id}`).toEqual(fromCompare.get(id));
      });
      expect(seen).toBeGreaterThanOrEqual(subjects === "both" ? 9 : 7);
    }

    // The HTML report renders the same table model: its Δ cells print compare's figures.
    const model = tableFor(scores, { ...STATS, seed: String(STATS.seed), baseline: "base:zero-shot", subjects: "group" });
    const html = renderHtmlReport(model, scores, { ci: "interval", source: dir });
    const overall = cmp.aggregates.find((a) => a.id === "overall")!;
    expect(html).toContain(signedPct(overall.macro.diff));
  });
});
