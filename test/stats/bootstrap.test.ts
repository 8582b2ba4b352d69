import { describe, expect, it } from "vitest";
import seedrandom from "seedrandom";
import { bootstrapCI, resampleBinaryMeans, resampleMeans } from "../../harness/stats/bootstrap.ts";
import { BinomialSampler } from "../../harness/stats/binomial.ts";
import { percentileInterval } from "../../harness/stats/quantile.ts";

function bernoulli(n: number, p: number, seed: string): Uint8Array {
  const rng = seedrandom(seed);
  return Uint8Array.from({ length: n }, () => (rng() < p ? 1 : 0));
}

describe("bootstrapCI", () => {
  it("gives the same interval for the same seed and a different one for another seed", () => {
    const data = bernoulli(500, 0.6, "d");
    const a = bootstrapCI(data, { seed: 7 });
    const b = bootstrapCI(data, { seed: 7 });
    const c = bootstrapCI(data, { seed: "other" });
    expect(a).toEqual(b);
    expect([c.low, c.high]).not.toEqual([a.low, a.high]);
  });

  it("reports the sample mean and an interval around it that shrinks with n", () => {
    const small = bootstrapCI(bernoulli(100, 0.7, "s"), { seed: 1 });
    const large = bootstrapCI(bernoulli(10_000, 0.7, "l"), { seed: 1 });
    expect(small.low).toBeLessThan(small.mean);
    expect(small.high).toBeGreaterThan(small.mean);
    expect(large.high - large.low).toBeLessThan((small.high - small.low) / 5);
  });

  it("matches the normal-theory width for a large 0/1 sample", () => {
    const n = 20_000;
    const data = Uint8Array.from({ length: n }, (_, i) => (i % 10 < 7 ? 1 : 0));
    const ci = bootstrapCI(data, { seed: 3 });
    const half = 1.959964 * Math.sqrt((0.7 * 0.3) / n);
    expect(ci.mean).toBe(0.7);
    expect(ci.low).toBeCloseTo(0.7 - half, 3);
    expect(ci.high).toBeCloseTo(0.7 + half, 3);
  });

  it("resamples 0/1 data by counts with the same distribution as resampling indices", () => {
    const data = bernoulli(400, 0.35, "x");
    const ones = data.reduce((s, v) => s + v, 0);
    const byCount = resampleBinaryMeans(400, ones, 4000, 11);
    const byIndex = resampleMeans(data, 4000, 11);
    const ci1 = percentileInterval(byCount, 0.95);
    const ci2 = percentileInterval(byIndex, 0.95);
    const mean = (s: Float64Array) => s.reduce((a, v) => a + v, 0) / s.length;
    const sd = (s: Float64Array) => {
      const m = mean(s);
      return Math.sqrt(s.reduce((a, v) => a + (v - m) ** 2, 0) / (s.length - 1));
    };
    expect(mean(byCount)).toBeCloseTo(ones / 400, 2);
    expect(mean(byIndex)).toBeCloseTo(ones / 400, 2);
    expect(sd(byCount) / sd(byIndex)).toBeGreaterThan(0.93);
    expect(sd(byCount) / sd(byIndex)).toBeLessThan(1.07);
    expect(Math.abs(ci1.low - ci2.low)).toBeLessThan(0.01);
    expect(Math.abs(ci1.high - ci2.high)).toBeLessThan(0.01);
  });

  it("bootstraps non-binary values by resampling indices", () => {
    const values = Array.from({ length: 1000 }, (_, i) => (i % 4) * 0.5);
    const ci = bootstrapCI(values, { seed: 5, resamples: 2000 });
    expect(ci.mean).toBeCloseTo(0.75, 12);
    // sd of the values is sqrt(0.3125); se of the mean ≈ 0.0177
    expect(ci.high - ci.low).toBeGreaterThan(2 * 1.7 * 0.0177);
    expect(ci.high - ci.low).toBeLessThan(2 * 2.2 * 0.0177);
  });

  it("handles degenerate samples", () => {
    expect(bootstrapCI([1, 1, 1], { seed: 1 })).toEqual({ mean: 1, low: 1, high: 1 });
    expect(bootstrapCI([0, 0], { seed: 1 })).toEqual({ mean: 0, low: 0, high: 0 });
    const empty = bootstrapCI([], { seed: 1 });
    expect(Number.isNaN(empty.mean) && Number.isNaN(empty.low) && Number.isNaN(empty.high)).toBe(true);
  });

  it("rejects bad options and values", () => {
    expect(() => bootstrapCI([1, 0], { seed: 1, resamples: 0 })).toThrow(/resamples/);
    expect(() => bootstrapCI([1, 0], { seed: 1, level: 1.5 })).toThrow(/level/);
    expect(() => bootstrapCI([1, Number.NaN], { seed: 1 })).toThrow(/value 1/);
  });

  // 95% percentile intervals should cover the true accuracy about 95% of the time.
  it.each([
    [0.7, 200],
    [0.5, 100],
    [0.9, 500],
  ])("covers the true accuracy p=%s, n=%s in 93–97%% of 1000 seeded draws", (p, n) => {
    const draws = 1000;
    const rng = seedrandom(`coverage:${p}:${n}`);
    let covered = 0;
    for (let d = 0; d < draws; d++) {
      const data = Uint8Array.from({ length: n }, () => (rng() < p ? 1 : 0));
      const ci = bootstrapCI(data, { seed: d, resamples: 1000 });
      if (ci.low <= p && p <= ci.high) covered++;
    }
    expect(covered / draws).toBeGreaterThanOrEqual(0.93);
    expect(covered / draws).toBeLessThanOrEqual(0.97);
  });
});

describe("BinomialSampler", () => {
  it("has the mean and variance of Binomial(n, p)", () => {
    const s = new BinomialSampler(1000, 0.3);
    const rng = seedrandom("b");
    const draws = Array.from({ length: 20_000 }, () => s.sample(rng()));
    const mean = draws.reduce((a, v) => a + v, 0) / draws.length;
    const variance = draws.reduce((a, v) => a + (v - mean) ** 2, 0) / (draws.length - 1);
    expect(mean).toBeGreaterThan(300 - 0.5);
    expect(mean).toBeLessThan(300 + 0.5);
    expect(variance / 210).toBeGreaterThan(0.95);
    expect(variance / 210).toBeLessThan(1.05);
  });

  it("reproduces the exact pmf of a small binomial", () => {
    const s = new BinomialSampler(3, 0.5);
    // P(0)=1/8, P(1)=3/8, P(2)=3/8, P(3)=1/8: the cut points of the inverse cdf
    expect(s.sample(0)).toBe(0);
    expect(s.sample(0.124)).toBe(0);
    expect(s.sample(0.126)).toBe(1);
    expect(s.sample(0.499)).toBe(1);
    expect(s.sample(0.501)).toBe(2);
    expect(s.sample(0.874)).toBe(2);
    expect(s.sample(0.876)).toBe(3);
    expect(s.sample(0.9999999)).toBe(3);
  });

  it("is constant at the edges of p", () => {
    expect(new BinomialSampler(10, 0).sample(0.99)).toBe(0);
    expect(new BinomialSampler(10, 1).sample(0.01)).toBe(10);
    expect(new BinomialSampler(0, 0.5).sample(0.5)).toBe(0);
  });
});
