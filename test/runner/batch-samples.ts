// Samples of a batch-imported run compared with the same run done live.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";

/**
 * Sample lines, sorted by item, with the fields that differ by nature between a live reply and
 * a batch line blanked: latency_ms (a batch line has no latency), finished_at (a clock) and
 * endpoint (the URL the live request went to; a batch line went to none). Nothing else.
 */
export function normalisedSamples(dir: string): string[] {
  return readFileSync(join(dir, "samples.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const sample = JSON.parse(line) as Record<string, unknown>;
      expect(typeof sample.latency_ms).toBe("number");
      expect(typeof sample.finished_at).toBe("string");
      const { latency_ms: _l, finished_at: _f, endpoint: _e, ...rest } = sample;
      return { key: `${String(sample.task)}/${String(sample.item_id)}`, line: JSON.stringify(rest) };
    })
    .sort((a, b) => a.key.localeCompare(b.key))
    .map((s) => s.line);
}
