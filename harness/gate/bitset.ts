// Per-item booleans (correct / errored) stored as a base64 bitset: 33,000 items take 5.5 KB
// instead of the ~200 KB of a JSON array of true/false.

/** Bit i of the result is values[i]; bits are packed least significant first. */
export function packBits(values: readonly boolean[]): string {
  const bytes = new Uint8Array(Math.ceil(values.length / 8));
  values.forEach((v, i) => {
    if (v) bytes[i >> 3] |= 1 << (i & 7);
  });
  return Buffer.from(bytes).toString("base64");
}

/** The n booleans of a packed bitset; throws a RangeError when the data does not hold n bits. */
export function unpackBits(base64: string, n: number): boolean[] {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) throw new RangeError("not base64");
  const bytes = Buffer.from(base64, "base64");
  if (bytes.length !== Math.ceil(n / 8)) {
    throw new RangeError(`holds ${bytes.length} bytes, expected ${Math.ceil(n / 8)} for ${n} items`);
  }
  const values: boolean[] = new Array(n);
  for (let i = 0; i < n; i++) values[i] = (bytes[i >> 3] & (1 << (i & 7))) !== 0;
  return values;
}
