import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { compareSystems } from "../../harness/report/comparison.ts";
import { loadRun } from "../../harness/report/load.ts";
import { groupSystems, resolveSystem } from "../../harness/report/systems.ts";
import { UserError } from "../../harness/types.ts";
import { tempDir } from "../helpers.ts";
import { makeRun } from "./make-run.ts";

const CLI = resolve(import.meta.dirname, "..", "..", "bin", "medeval.js");
const opts = { resamples: 2000, seed: 1, level: 0.95, alpha: 0.05 };

function systemOf(dir: string) {
  return groupSystems([loadRun(dir)])[0];
}

describe("compareSystems", () => {
  it("pairs items by id, reports discordant counts, McNemar, Holm and unpaired items", () => {
    const dir = tempDir();
    // medqa.en: A right on all 30, B wrong on the first 12 → b=12, c=0.
    const a = makeRun(dir, {
      model: "a",
      setting: "zero-shot",
      tasks: { "medqa.en": Array(30).fill(true), "headqa.es": [true, false, true, false], "medqa.it": [true] },
      itemIds: { "headqa.es": ["x1", "x2", "x3", "onlyA"] },
    });
    const b = makeRun(dir, {
      model: "b",
      setting: "zero-shot",
      tasks: { "medqa.en": Array.from({ length: 30 }, (_, i) => i >= 12), "headqa.es": [false, true, true, true], "medmcqa.en": [true] },
      itemIds: { "headqa.es": ["x1", "x2", "x3", "onlyB"] },
      statuses: { "medqa.en": { 29: "error" } },
    });
    const cmp = compareSystems(systemOf(a), systemOf(b), opts);
    const medqa = cmp.tasks.find((t) => t.task === "medqa.en")!;
    expect(medqa).toMatchObject({ n: 29, b: 12, c: 0, onlyA: ["q29"], onlyB: [] });
    expect(medqa.diff.diff).toBeCloseTo(12 / 29, 15);
    expect(medqa.p).toBeCloseTo(2 / 4096, 15);
    const headqa = cmp.tasks.find((t) => t.task === "headqa.es")!;
    expect(headqa).toMatchObject({ n: 3, b: 1, c: 1, p: 1, onlyA: ["onlyA"], onlyB: ["onlyB"] });
    // Holm over the family: the two tasks and the overall average (the domain and language
    // averages are one task each: the same tests, counted once). medqa's p is the smallest: 3·p.
    const overallP = cmp.aggregates.find((x) => x.id === "overall")!.p;
    expect(overallP).toBeGreaterThan(medqa.p);
    expect(medqa.pHolm).toBeCloseTo((3 * 2) / 4096, 15);
    expect(headqa.pHolm).toBe(1);
    expect(medqa.significant).toBe(true);
    expect(cmp.tasksOnlyInA).toEqual(["medqa.it"]);
    expect(cmp.tasksOnlyInB).toEqual(["medmcqa.en"]);
    const overall = cmp.aggregates.find((x) => x.id === "overall")!;
    expect(overall).toMatchObject({ n: 32, b: 13, c: 1 });
    // The macro Δ's p comes from its own resamples, so it agrees with its interval.
    expect(overall.p < 0.05).toBe(overall.macro.low! > 0);
    const lang = cmp.aggregates.find((x) => x.id === "lang:es")!;
    expect({ p: lang.p, pHolm: lang.pHolm, low: lang.macro.low }).toEqual({ p: headqa.p, pHolm: headqa.pHolm, low: headqa.diff.low });
    expect(overall.micro.diff).toBeCloseTo(12 / 32, 15);
    expect(overall.macro.diff).toBeCloseTo((12 / 29 + 0) / 2, 15);
  });

  it("does not pair items whose content changed", () => {
    const dir = tempDir();
    const a = makeRun(dir, { model: "a", setting: "zero-shot", tasks: { "medqa.en": [true, true] } });
    const b = makeRun(dir, { model: "b", setting: "zero-shot", tasks: { "medqa.en": [false, false] }, itemHashes: { "medqa.en": { q1: "other" } } });
    const t = compareSystems(systemOf(a), systemOf(b), opts).tasks[0];
    expect(t).toMatchObject({ n: 1, b: 1, c: 0, changed: ["q1"] });
  });

  it("refuses two sides with no task in common instead of printing an empty comparison", () => {
    const dir = tempDir();
    const a = makeRun(dir, { model: "a", setting: "zero-shot", tasks: { "medqa.en": [true] } });
    const b = makeRun(dir, { model: "b", setting: "zero-shot", tasks: { "headqa.es": [false] } });
    expect(() => compareSystems(systemOf(a), systemOf(b), opts)).toThrow(/no task in common \(A: medqa\.en; B: headqa\.es\)/);
  });

  it("refuses different scoring modes unless allowed, and then says so", () => {
    const dir = tempDir();
    const a = makeRun(dir, { model: "a", setting: "zero-shot", tasks: { "medqa.en": [true] } });
    const b = makeRun(dir, { model: "b", setting: "zero-shot", scoring: "loglikelihood", tasks: { "medqa.en": [false] } });
    expect(() => compareSystems(systemOf(a), systemOf(b), opts)).toThrow(UserError);
    expect(() => compareSystems(systemOf(a), systemOf(b), opts)).toThrow(/--allow-mixed-scoring/);
    const cmp = compareSystems(systemOf(a), systemOf(b), { ...opts, allowMixedScoring: true });
    expect(cmp.mixedScoring).toBe(true);
    expect(cmp.notes[0]).toMatch(/mixed scoring/);
  });

  it("selects a side as RESULTS:MODEL:SETTING, with model names holding colons", () => {
    const dir = tempDir();
    makeRun(dir, { model: "org/llama:8b", setting: "zero-shot", tasks: { "medqa.en": [true] } });
    makeRun(dir, { model: "org/llama:8b", setting: "few-shot-traces", tasks: { "medqa.en": [true] } });
    expect(resolveSystem(`${dir}:org/llama:8b:few-shot-traces`).key.setting).toBe("few-shot-traces");
    expect(() => resolveSystem(`${dir}:nope:zero-shot`)).toThrow(/no run of model nope/);
    expect(() => resolveSystem(dir)).toThrow(/holds 2 model × setting combinations/);
  });
});

describe("medeval compare (CLI)", () => {
  it("prints JSON with the unpaired ids and exits 2 with a message on mixed scoring", () => {
    const dir = tempDir();
    const a = makeRun(dir, { model: "a", setting: "zero-shot", tasks: { "medqa.en": [true, true, false] }, itemIds: { "medqa.en": ["1", "2", "3"] } });
    const b = makeRun(dir, { model: "b", setting: "zero-shot", tasks: { "medqa.en": [true, false, false] }, itemIds: { "medqa.en": ["1", "2", "4"] } });
    const out = join(dir, "cmp.json");
    execFileSync(CLI, ["compare", a, b, "--format", "json", "--bootstrap", "500", "--out", out]);
    const json = JSON.parse(readFileSync(out, "utf8"));
    expect(json.tasks[0]).toMatchObject({ task: "medqa.en", n: 2, b: 1, c: 0, onlyA: ["3"], onlyB: ["4"] });
    const c = makeRun(dir, { model: "c", setting: "zero-shot", scoring: "first-token", tasks: { "medqa.en": [true] } });
    const res = spawnSync(CLI, ["compare", a, c], { encoding: "utf8" });
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/different scoring modes|--allow-mixed-scoring/);
    expect(res.stderr).not.toMatch(/at .*\.ts:\d+/);
    const ok = spawnSync(CLI, ["compare", a, c, "--allow-mixed-scoring", "--bootstrap", "200"], { encoding: "utf8" });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/MIXED SCORING/);
  });
});
