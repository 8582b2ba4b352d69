import { describe, expect, it } from "vitest";
import { pairedBootstrapDiff, pairedComparison, resamplePairedDiffs, stratifiedPairedBootstrap } from "../../harness/stats/paired.ts";
import { stratifiedBootstrap } from "../../harness/stats/stratified.ts";

describe("paired bootstrap", () => {
  it("reproduces the bootstrap distribution enumerated by hand for three pairs", () => {
    // Pairs: one only A right (b), one only B right (c), one concordant (e). A resample draws
    // 3 of them with replacement: 27 equally likely sequences. b*−c* takes −3…3 with counts
    // 1, 3, 6, 7, 6, 3, 1 (e.g. 0 = the 6 orders of b,c,e plus e,e,e).
    const expected = [1, 3, 6, 7, 6, 3, 1].map((k) => k / 27);
    const draws = resamplePairedDiffs({ n: 3, b: 1, c: 1 }, 54_000, "hand");
    const freq = new Array(7).fill(0);
    for (const d of draws) freq[Math.round(d * 3) + 3]++;
    freq.forEach((f, i) => expect(Math.abs(f / draws.length - expected[i])).toBeLessThan(0.006));
  });

  it("matches the hand-computed spread for b=15, c=5 of n=100", () => {
    // diff = 0.10; bootstrap variance of (b*−c*)/n = ((b+c)/n − diff²)/n = (0.2 − 0.01)/100,
    // so se = 0.04359 and the 95% interval is about 0.10 ± 0.0854.
    const ci = pairedBootstrapDiff({ n: 100, b: 15, c: 5 }, { seed: 1 });
    expect(ci.mean).toBeCloseTo(0.1, 15);
    expect(ci.low).toBeGreaterThan(0.0146 - 0.012);
    expect(ci.low).toBeLessThan(0.0146 + 0.012);
    expect(ci.high).toBeGreaterThan(0.1854 - 0.012);
    expect(ci.high).toBeLessThan(0.1854 + 0.012);
    expect(pairedBootstrapDiff({ n: 100, b: 15, c: 5 }, { seed: 1 })).toEqual(ci);
  });

  it("gives a zero-width interval when the systems agree on every item", () => {
    expect(pairedBootstrapDiff({ n: 50, b: 0, c: 0 }, { seed: 2 })).toEqual({ mean: 0, low: 0, high: 0 });
  });
});

describe("pairedComparison", () => {
  it("aligns by id, counts discordant pairs and reports unmatched ids", () => {
    const a = new Map<string, boolean>([
      ["q1", true],
      ["q2", true],
      ["q3", false],
      ["q4", true],
      ["onlyA-1", true],
    ]);
    const b = new Map<string, boolean>([
      ["q4", true],
      ["q3", true],
      ["q2", false],
      ["q1", false],
      ["onlyB-2", false],
      ["onlyB-1", true],
    ]);
    const cmp = pairedComparison(a, b, { seed: 3, resamples: 2000 });
    expect(cmp.n).toBe(4);
    expect(cmp.b).toBe(2);
    expect(cmp.c).toBe(1);
    expect(cmp.accA).toBe(0.75);
    expect(cmp.accB).toBe(0.5);
    expect(cmp.diff).toBe(0.25);
    expect(cmp.p).toBe(1); // 2·P(X ≤ 1), X ~ Bin(3, 1/2) = 2·4/8
    expect(cmp.onlyA).toEqual(["onlyA-1"]);
    expect(cmp.onlyB).toEqual(["onlyB-1", "onlyB-2"]);
    expect(cmp.ci.low).toBeLessThanOrEqual(0.25);
    expect(cmp.ci.high).toBeGreaterThanOrEqual(0.25);
  });

  it("detects a real difference", () => {
    const a = new Map<string, boolean>();
    const b = new Map<string, boolean>();
    for (let i = 0; i < 1000; i++) {
      a.set(`i${i}`, i % 10 < 7);
      b.set(`i${i}`, i % 10 < 6);
    }
    const cmp = pairedComparison(a, b, { seed: 4 });
    expect(cmp.diff).toBeCloseTo(0.1, 12);
    expect(cmp.b).toBe(100);
    expect(cmp.c).toBe(0);
    expect(cmp.p).toBeLessThan(1e-25);
    expect(cmp.ci.low).toBeGreaterThan(0.07);
  });

  it("returns NaN figures when nothing is aligned", () => {
    const cmp = pairedComparison(new Map([["x", true]]), new Map([["y", true]]), { seed: 1 });
    expect(cmp.n).toBe(0);
    expect(Number.isNaN(cmp.diff)).toBe(true);
    expect(cmp.p).toBe(1);
    expect(cmp.onlyA).toEqual(["x"]);
  });
});

describe("stratified bootstrap", () => {
  it("computes macro and micro accuracy with intervals near the hand-computed ones", () => {
    // task 1: 90/100, task 2: 450/900. macro = 0.7, se = ½·sqrt(.09/100 + .25/900) = 0.01716;
    // micro = 540/1000, se = sqrt(9 + 225)/1000 = 0.01530.
    const agg = stratifiedBootstrap(
      [
        { n: 100, correct: 90 },
        { n: 900, correct: 450 },
      ],
      { seed: 5 },
    );
    expect(agg.macro.mean).toBeCloseTo(0.7, 15);
    expect(agg.micro.mean).toBeCloseTo(0.54, 15);
    expect((agg.macro.high - agg.macro.low) / 2).toBeCloseTo(1.96 * 0.01716, 2);
    expect((agg.micro.high - agg.micro.low) / 2).toBeCloseTo(1.96 * 0.0153, 2);
    expect(agg.n).toBe(1000);
    expect(agg.strata).toBe(2);
  });

  it("keeps each task's size: a perfect and a null task give a zero-width pooled interval", () => {
    // An unstratified bootstrap of the pooled 100 items would give ±0.1 here.
    const agg = stratifiedBootstrap(
      [
        { n: 50, correct: 50 },
        { n: 50, correct: 0 },
        { n: 0, correct: 0 },
      ],
      { seed: 6 },
    );
    expect(agg.micro).toEqual({ mean: 0.5, low: 0.5, high: 0.5 });
    expect(agg.macro).toEqual({ mean: 0.5, low: 0.5, high: 0.5 });
    expect(agg.strata).toBe(2);
  });

  it("stratifies paired differences the same way", () => {
    const agg = stratifiedPairedBootstrap(
      [
        { n: 100, b: 15, c: 5 },
        { n: 300, b: 0, c: 0 },
      ],
      { seed: 7 },
    );
    expect(agg.macro.mean).toBeCloseTo(0.05, 15);
    expect(agg.micro.mean).toBeCloseTo(10 / 400, 15);
    // Only the first task varies; the macro spread is half of its 0.10 ± 0.0854.
    expect((agg.macro.high - agg.macro.low) / 2).toBeCloseTo(0.0854 / 2, 2);
  });
});

describe("weighted macro averages", () => {
  it("weights tasks in the macro average and leaves the pooled one alone", () => {
    // Two MMLU-like subjects sharing one unit (weight ½ each) beside one task of weight 1.
    const agg = stratifiedBootstrap(
      [
        { n: 100, correct: 80, weight: 0.5 },
        { n: 100, correct: 60, weight: 0.5 },
        { n: 200, correct: 100, weight: 1 },
      ],
      { seed: 8, resamples: 2000 },
    );
    expect(agg.macro.mean).toBeCloseTo((0.5 * 0.8 + 0.5 * 0.6 + 0.5) / 2, 15);
    expect(agg.micro.mean).toBeCloseTo(240 / 400, 15);
    const paired = stratifiedPairedBootstrap(
      [
        { n: 100, b: 10, c: 0, weight: 3 },
        { n: 100, b: 0, c: 0, weight: 1 },
      ],
      { seed: 9, resamples: 2000 },
    );
    expect(paired.macro.mean).toBeCloseTo(0.075, 15);
    expect(() => stratifiedBootstrap([{ n: 1, correct: 1, weight: 0 }], { seed: 1 })).toThrow(/weight/);
  });
});
