// Seeded random numbers for the statistics. Every figure a user sees must be reproducible
// from its seed, so nothing here touches Math.random.
import seedrandom from "seedrandom";

export type Seed = number | string;

/** A uniform generator on [0, 1) with 53 random bits, seeded through seedrandom (ARC4). */
export function uniformSource(seed: Seed): () => number {
  const prng = seedrandom(`medeval:${String(seed)}`);
  return () => prng.double();
}

/**
 * The 128-bit starting state of an sfc32 generator (Chris Doty-Humphrey's small fast
 * counting generator), derived from the seed through seedrandom and warmed up. Hot loops
 * that draw hundreds of millions of indices inline sfc32 on this state: seedrandom's own
 * generators are closures and cost several times more per draw.
 */
export function uint32State(seed: Seed): Int32Array {
  const prng = seedrandom(`medeval:u32:${String(seed)}`);
  const s = Int32Array.of(prng.int32(), prng.int32(), prng.int32(), prng.int32() | 1);
  for (let i = 0; i < 12; i++) sfc32Step(s);
  return s;
}

/** Advances an sfc32 state in place and returns the next uint32. */
export function sfc32Step(s: Int32Array): number {
  const t = (((s[0] + s[1]) | 0) + s[3]) | 0;
  s[3] = (s[3] + 1) | 0;
  s[0] = s[1] ^ (s[1] >>> 9);
  s[1] = (s[2] + (s[2] << 3)) | 0;
  s[2] = (s[2] << 21) | (s[2] >>> 11);
  s[2] = (s[2] + t) | 0;
  return t >>> 0;
}
