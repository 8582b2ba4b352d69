// Speed of the statistics at paper scale: 10,000 bootstrap resamples over 20,000 items for
// ten model × setting pairs, and the paired comparison (paired bootstrap + exact McNemar)
// of all 45 pairs among them. Run: npx tsx bench/stats.ts
import seedrandom from "seedrandom";
import { bootstrapCI } from "../harness/stats/bootstrap.ts";
import { pairedComparison } from "../harness/stats/paired.ts";
import { stratifiedBootstrap } from "../harness/stats/stratified.ts";

const ITEMS = 20_000;
const SYSTEMS = 10;
const RESAMPLES = 10_000;

// Systems share item difficulty, so their answers are correlated like real models'.
const rng = seedrandom("bench-stats");
const difficulty = Float64Array.from({ length: ITEMS }, () => rng());
const systems = Array.from({ length: SYSTEMS }, (_, s) => {
  const skill = 0.45 + 0.04 * s;
  const values = new Uint8Array(ITEMS);
  const byId = new Map<string, boolean>();
  for (let i = 0; i < ITEMS; i++) {
    const ok = rng() < 0.7 * (difficulty[i] < skill ? 1 : 0) + 0.3 * rng();
    values[i] = ok ? 1 : 0;
    byId.set(`medqa.en\u0000${i}`, ok);
  }
  return { name: `model-${s}`, values, byId };
});

const ms = (t0: number) => performance.now() - t0;
const fmt = (x: number) => `${x.toFixed(1)} ms`;

const ciTimes: number[] = [];
for (const s of systems) {
  const t0 = performance.now();
  const ci = bootstrapCI(s.values, { resamples: RESAMPLES, seed: s.name });
  ciTimes.push(ms(t0));
  console.log(`bootstrapCI ${s.name}: acc ${(100 * ci.mean).toFixed(2)} [${(100 * ci.low).toFixed(2)}, ${(100 * ci.high).toFixed(2)}]  ${fmt(ciTimes.at(-1)!)}`);
}

const pairTimes: number[] = [];
for (let a = 0; a < SYSTEMS; a++) {
  for (let b = a + 1; b < SYSTEMS; b++) {
    const t0 = performance.now();
    pairedComparison(systems[a].byId, systems[b].byId, { resamples: RESAMPLES, seed: `${a}-${b}` });
    pairTimes.push(ms(t0));
  }
}

// A paper-size aggregate: 30 tasks of 20,000/30 items each, stratified.
const strata = Array.from({ length: 30 }, (_, t) => ({ n: Math.floor(ITEMS / 30), correct: Math.floor((ITEMS / 30) * (0.5 + t / 100)) }));
const t0 = performance.now();
stratifiedBootstrap(strata, { resamples: RESAMPLES, seed: 1 });
const stratTime = ms(t0);

// Non-0/1 values go through index resampling (20,000 draws per resample).
const scores = Float64Array.from(systems[0].values, (v, i) => v * (0.5 + (i % 7) / 14));
const t1 = performance.now();
bootstrapCI(scores, { resamples: RESAMPLES, seed: 1 });
const generalTime = ms(t1);

const summary = (xs: number[]) => `max ${fmt(Math.max(...xs))}, median ${fmt([...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)])}, total ${fmt(xs.reduce((s, x) => s + x, 0))}`;
console.log("");
console.log(`bootstrapCI, ${SYSTEMS} systems × ${ITEMS} items × ${RESAMPLES} resamples: ${summary(ciTimes)}  (target: each < 1000 ms)`);
console.log(`pairedComparison, ${pairTimes.length} pairs (align ${ITEMS} ids + paired bootstrap ${RESAMPLES} + exact McNemar): ${summary(pairTimes)}  (target: each < 1000 ms)`);
console.log(`stratifiedBootstrap, 30 tasks, ${RESAMPLES} resamples: ${fmt(stratTime)}`);
console.log(`bootstrapCI on non-0/1 values (index resampling), ${ITEMS} items × ${RESAMPLES}: ${fmt(generalTime)}`);
const worst = Math.max(...ciTimes, ...pairTimes);
console.log(worst < 1000 ? "every accuracy bootstrap and pairwise comparison under one second (the target)" : `SLOWER THAN TARGET: ${fmt(worst)}`);
