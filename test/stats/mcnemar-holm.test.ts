import { describe, expect, it } from "vitest";
import { holmAdjust } from "../../harness/stats/holm.ts";
import { mcnemarExact } from "../../harness/stats/mcnemar.ts";

describe("mcnemarExact", () => {
  it("matches exact binomial values worked by hand", () => {
    // b=1, c=9: 2·(C(10,0)+C(10,1))/2^10 = 22/1024
    expect(mcnemarExact(1, 9)).toBeCloseTo(22 / 1024, 15);
    expect(mcnemarExact(9, 1)).toBeCloseTo(22 / 1024, 15);
    // b=0, c=5: 2·1/2^5
    expect(mcnemarExact(0, 5)).toBeCloseTo(2 / 32, 15);
    // b=7, c=1: 2·(1+8)/2^8
    expect(mcnemarExact(7, 1)).toBeCloseTo(18 / 256, 15);
    // b=15, c=5: 2·(1+20+190+1140+4845+15504)/2^20
    expect(mcnemarExact(15, 5)).toBeCloseTo((2 * 21700) / 1048576, 14);
  });

  it("matches exact rational values computed with big integers for larger counts", () => {
    // 2·Σ_{i≤k} C(n,i)/2^n with Python's fractions.Fraction and math.comb
    expect(mcnemarExact(10, 20)).toBeCloseTo(0.09873714670538902, 13);
    expect(mcnemarExact(45, 30)).toBeCloseTo(0.10534226887460488, 13);
    expect(mcnemarExact(400, 500) / 0.0009564441369189461).toBeCloseTo(1, 10);
  });

  it("handles pooled aggregates with hundreds of thousands of discordant items", () => {
    // The reviewer's figure for (100000, 101000) was 0.0259; beyond ~125k a spread argument list overflowed the stack.
    expect(mcnemarExact(100_000, 101_000)).toBeCloseTo(0.0259, 3);
    const p = mcnemarExact(130_000, 131_000);
    expect(p).toBeGreaterThan(0.04);
    expect(p).toBeLessThan(0.06);
  });

  it("is 1 with equal or no discordant counts, and tiny but finite for lopsided large counts", () => {
    expect(mcnemarExact(0, 0)).toBe(1);
    expect(mcnemarExact(3, 3)).toBe(1);
    expect(mcnemarExact(250, 250)).toBe(1);
    const p = mcnemarExact(100, 300);
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1e-20);
  });

  it("rejects counts that are not counts", () => {
    expect(() => mcnemarExact(-1, 2)).toThrow(/b must be/);
    expect(() => mcnemarExact(1, 2.5)).toThrow(/c must be/);
  });
});

describe("holmAdjust", () => {
  it("reproduces the textbook example (Wikipedia, Holm–Bonferroni method)", () => {
    // H1..H4 with p = 0.01, 0.04, 0.03, 0.005 at α = 0.05: H4 and H1 are rejected, H2 and H3 are not.
    const adjusted = holmAdjust([0.01, 0.04, 0.03, 0.005]);
    expect(adjusted[0]).toBeCloseTo(0.03, 15);
    expect(adjusted[1]).toBeCloseTo(0.06, 15);
    expect(adjusted[2]).toBeCloseTo(0.06, 15);
    expect(adjusted[3]).toBeCloseTo(0.02, 15);
    expect(adjusted.map((p) => p < 0.05)).toEqual([true, false, false, true]);
  });

  it("caps at 1, keeps monotonicity, and leaves NaN out of the count", () => {
    expect(holmAdjust([0.5, 0.6])).toEqual([1, 1]);
    expect(holmAdjust([0.02, Number.NaN, 0.04])).toEqual([0.04, Number.NaN, 0.04]);
    expect(holmAdjust([])).toEqual([]);
    expect(holmAdjust([0.03])).toEqual([0.03]);
  });

  it("rejects values that are not p-values", () => {
    expect(() => holmAdjust([0.1, 1.2])).toThrow(/p-value 1/);
  });
});
