// Gate decisions on constructed baseline/candidate pairs: the rule, the exit code and the
// message for each case the CI gate must tell apart.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCheck, type CheckInput } from "../../harness/gate/check.ts";
import { bootstrapPValue, DEFAULT_GATE_OPTIONS, type GateOptions } from "../../harness/gate/decide.ts";
import { tempDir } from "../helpers.ts";
import { changed, outcomes, writeRun, type FixtureTask } from "./run-fixture.ts";

const FAST: GateOptions = { ...DEFAULT_GATE_OPTIONS, resamples: 2000 };

function check(base: FixtureTask[], cand: FixtureTask[], extra: Partial<CheckInput> = {}, options: Partial<GateOptions> = {}) {
  const dir = tempDir("medeval-gate-");
  const baseline = writeRun(dir, { runId: "release-3", tasks: base });
  const candidate = writeRun(dir, { runId: "release-4", tasks: cand });
  return runCheck({ baseline, candidate, options: { ...FAST, ...options }, allowMixedScoring: false, ...extra });
}

const BASE = outcomes(1000, 700);
const medqa = (o: (boolean | "error")[]): FixtureTask => ({ task: "medqa.en", outcomes: o });

describe("gate decisions", () => {
  it("fails a clear regression (exit 1) and says which task", () => {
    const report = check([medqa(BASE)], [medqa(changed(BASE, 80, 10))]);
    expect(report.exitCode).toBe(1);
    const row = report.decision!.rows.find((r) => r.name === "medqa.en")!;
    expect(row.diff).toBeCloseTo(-0.07, 10);
    expect(row.gained).toBe(10);
    expect(row.lost).toBe(80);
    expect(row.ci.high).toBeLessThan(0);
    expect(row.pHolm).toBeLessThan(0.001);
    expect(row.verdict).toBe("regression");
    expect(row.reason).toMatch(/significant .* and larger than 1 pts/);
    expect(report.decision!.regressions.map((r) => r.name)).toEqual(["medqa.en"]);
  });

  it("passes a noise-level drop (exit 0)", () => {
    const report = check([medqa(BASE)], [medqa(changed(BASE, 12, 8))]);
    expect(report.exitCode).toBe(0);
    const row = report.decision!.rows[0];
    expect(row.diff).toBeCloseTo(-0.004, 10);
    expect(row.verdict).toBe("pass");
    expect(row.reason).toContain("within the tolerance");
  });

  it("passes an improvement and marks it (exit 0)", () => {
    const report = check([medqa(BASE)], [medqa(changed(BASE, 10, 60))]);
    expect(report.exitCode).toBe(0);
    expect(report.decision!.rows[0].verdict).toBe("improved");
    expect(report.decision!.rows[0].diff).toBeCloseTo(0.05, 10);
  });

  it("passes a large but non-significant drop by default, fails it with --strict", () => {
    const small = outcomes(60, 40);
    const base = [{ task: "medqa.en", outcomes: small }];
    const cand = [{ task: "medqa.en", outcomes: changed(small, 3, 0) }];
    const lenient = check(base, cand);
    expect(lenient.exitCode).toBe(0);
    expect(lenient.decision!.rows[0].diff).toBeCloseTo(-0.05, 10);
    expect(lenient.decision!.rows[0].reason).toContain("not significant");
    const strict = check(base, cand, {}, { strict: true });
    expect(strict.exitCode).toBe(1);
    expect(strict.decision!.rows[0].reason).toContain("lower bound is below −1 pts");
  });

  it("--strict passes a candidate whose CI lies within the tolerance", () => {
    const report = check([medqa(BASE)], [medqa(changed(BASE, 0, 5))], {}, { strict: true });
    expect(report.exitCode).toBe(0);
    expect(report.decision!.rows[0].ci.low).toBeGreaterThan(-0.01);
  });

  it("a larger --max-drop tolerates a significant drop", () => {
    const report = check([medqa(BASE)], [medqa(changed(BASE, 80, 10))], {}, { maxDrop: 10 });
    expect(report.exitCode).toBe(0);
  });

  it("Holm adjusts across tasks: a borderline drop in one of many tasks is not a regression", () => {
    // 24 losses vs 10 gains: raw McNemar p ≈ 0.024, but times 8 tests (Holm) it is not significant.
    const tasks = ["a", "b", "c", "d", "e", "f", "g"].map((x) => ({ task: `t${x}.en`, outcomes: outcomes(500, 300) }));
    const base = [medqa(BASE), ...tasks];
    const cand = [medqa(changed(BASE, 24, 10)), ...tasks];
    const report = check(base, cand);
    const row = report.decision!.rows.find((r) => r.name === "medqa.en")!;
    expect(row.p).toBeLessThan(0.05);
    expect(row.pHolm).toBeGreaterThan(0.05);
    expect(row.verdict).toBe("pass");
    expect(report.exitCode).toBe(0);
  });

  it("tests the macro aggregate and each group per language", () => {
    const anatomy = outcomes(135, 90);
    const genetics = outcomes(100, 60);
    const base = [
      medqa(BASE),
      { task: "mmlu_medical.anatomy.en", group: "mmlu_medical", outcomes: anatomy },
      { task: "mmlu_medical.medical_genetics.en", group: "mmlu_medical", outcomes: genetics },
    ];
    const cand = [
      medqa(BASE),
      { task: "mmlu_medical.anatomy.en", group: "mmlu_medical", outcomes: changed(anatomy, 30, 0) },
      { task: "mmlu_medical.medical_genetics.en", group: "mmlu_medical", outcomes: changed(genetics, 25, 0) },
    ];
    const report = check(base, cand);
    const names = report.decision!.rows.map((r) => r.name);
    expect(names).toEqual(["medqa.en", "mmlu_medical.anatomy.en", "mmlu_medical.medical_genetics.en", "macro", "mmlu_medical.en"]);
    const group = report.decision!.rows.find((r) => r.name === "mmlu_medical.en")!;
    expect(group.members).toEqual(["mmlu_medical.anatomy.en", "mmlu_medical.medical_genetics.en"]);
    expect(group.diff).toBeCloseTo((-30 / 135 - 25 / 100) / 2, 10);
    expect(group.verdict).toBe("regression");
    const macro = report.decision!.rows.find((r) => r.name === "macro")!;
    expect(macro.diff).toBeCloseTo((0 - 30 / 135 - 25 / 100) / 3, 10);
    expect(report.exitCode).toBe(1);
  });

  it("leaves errored items out of the pairing and says how many", () => {
    const cand = changed(BASE, 12, 8);
    cand[0] = "error";
    cand[999] = "error";
    const report = check([medqa(BASE)], [medqa(cand)]);
    expect(report.exitCode).toBe(0);
    expect(report.decision!.rows[0].n).toBe(998);
    expect(report.decision!.rows[0].excluded).toBe(2);
    expect(report.warnings.join("\n")).toContain("2 item(s) left out");
  });
});

describe("runs that cannot be compared (exit 2)", () => {
  it("different items", () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `q${i}`);
    const otherIds = ids.map((id, i) => (i < 5 ? `new${i}` : id));
    const report = check([{ ...medqa(BASE), ids }], [{ ...medqa(BASE), ids: otherIds }]);
    expect(report.exitCode).toBe(2);
    expect(report.decision).toBeUndefined();
    expect(report.problems.join("\n")).toMatch(/task medqa\.en: different items: .*5 item\(s\) only in the baseline \("q0", "q1", "q2", …\); 5 item\(s\) only in the candidate/);
  });

  it("a limited candidate (fewer items)", () => {
    const report = check([medqa(BASE)], [medqa(BASE.slice(0, 100))]);
    expect(report.exitCode).toBe(2);
    expect(report.problems[0]).toContain("baseline has 1000, candidate 100");
  });

  it("same ids, changed content", () => {
    const report = check([medqa(BASE)], [{ ...medqa(BASE), contentSalt: "v2" }]);
    expect(report.exitCode).toBe(2);
    expect(report.problems[0]).toContain("the same 1000 item ids, but the item content differs");
  });

  it("a missing task", () => {
    const report = check([medqa(BASE), { task: "medmcqa.en", outcomes: outcomes(50, 20) }], [medqa(BASE)]);
    expect(report.exitCode).toBe(2);
    expect(report.problems.join("\n")).toMatch(/missing tasks: the candidate did not evaluate medmcqa\.en/);
  });

  it("an incomplete candidate run", () => {
    const dir = tempDir("medeval-gate-");
    const baseline = writeRun(dir, { runId: "a", tasks: [medqa(BASE)] });
    const candidate = writeRun(dir, { runId: "b", tasks: [medqa(BASE)], complete: false });
    const report = runCheck({ baseline, candidate, options: FAST, allowMixedScoring: false });
    expect(report.exitCode).toBe(2);
    expect(report.problems[0]).toContain("not complete");
  });

  it("different scoring modes, unless allowed", () => {
    const dir = tempDir("medeval-gate-");
    const baseline = writeRun(dir, { runId: "a", tasks: [medqa(BASE)], scoring: "generative" });
    const candidate = writeRun(dir, { runId: "b", tasks: [medqa(BASE)], scoring: "loglikelihood" });
    const refused = runCheck({ baseline, candidate, options: FAST, allowMixedScoring: false });
    expect(refused.exitCode).toBe(2);
    expect(refused.problems[0]).toContain('scoring modes differ: baseline "generative", candidate "loglikelihood"');
    expect(refused.problems[0]).toContain("--allow-mixed-scoring");
    const allowed = runCheck({ baseline, candidate, options: FAST, allowMixedScoring: true });
    expect(allowed.exitCode).toBe(0);
    expect(allowed.warnings.join("\n")).toContain("allowed by --allow-mixed-scoring");
  });

  it("warns about a candidate task the baseline does not gate, and a changed prompt style", () => {
    const dir = tempDir("medeval-gate-");
    const baseline = writeRun(dir, { runId: "a", tasks: [medqa(BASE)] });
    const candidate = writeRun(dir, { runId: "b", tasks: [medqa(BASE), { task: "headqa.es", outcomes: outcomes(10, 5) }], promptStyle: "cot" });
    const report = runCheck({ baseline, candidate, options: FAST, allowMixedScoring: false });
    expect(report.exitCode).toBe(0);
    expect(report.warnings.join("\n")).toContain("not gated (not in the baseline): headqa.es");
    expect(report.warnings.join("\n")).toContain('prompt style differ: baseline "direct", candidate "cot"');
  });

  it("a path that is neither a run nor a baseline is bad input", () => {
    const dir = tempDir("medeval-gate-");
    expect(() => runCheck({ baseline: join(dir, "nope"), candidate: dir, options: FAST, allowMixedScoring: false })).toThrow(/baseline .*nope does not exist/);
    expect(() => runCheck({ baseline: dir, candidate: dir, options: FAST, allowMixedScoring: false })).toThrow(/no run\.json here/);
  });
});

describe("bootstrapPValue", () => {
  it("inverts nested intervals: p = 1 − the widest level that excludes 0", () => {
    // A normal(−2, 1) bootstrap distribution: the interval at level L is −2 ± z(L); it
    // excludes 0 until z = 2, i.e. L = 0.9545, so p = 0.0455.
    const z = (level: number): number => {
      // Bisection on the normal CDF (erf via Abramowitz–Stegun 7.1.26 is plenty here).
      const cdf = (x: number) => {
        const t = 1 / (1 + 0.3275911 * Math.abs(x / Math.SQRT2));
        const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-(x * x) / 2);
        return x >= 0 ? (1 + y) / 2 : (1 - y) / 2;
      };
      let lo = 0;
      let hi = 10;
      for (let i = 0; i < 60; i++) {
        const mid = (lo + hi) / 2;
        if (cdf(mid) - cdf(-mid) < level) lo = mid;
        else hi = mid;
      }
      return lo;
    };
    const p = bootstrapPValue((level) => ({ low: -2 - z(level), high: -2 + z(level) }));
    expect(p).toBeCloseTo(0.0455, 3);
    expect(bootstrapPValue(() => ({ low: -1, high: 1 }))).toBe(1);
  });
});
