// One seed default for every command that seeds something: run's bootstrap and few-shot
// selection, and the resamples of compare and check (table and report keep each run's own).
import { describe, expect, it } from "vitest";
import { DEFAULT_SEED } from "../../harness/stats/bootstrap.ts";
import { medevalCli, tempDir } from "../helpers.ts";

function seedDefault(command: string): string | undefined {
  const r = medevalCli([command, "--help"], tempDir());
  expect(r.code, r.stderr).toBe(0);
  const line = r.stdout.split("\n").find((l) => /^\s*--seed\b/.test(l));
  return line?.match(/\[default: "?([^"\]]+)"?\]/)?.[1];
}

describe("seed default", () => {
  it("is the same in run, compare and check", () => {
    expect(["run", "compare", "check"].map(seedDefault)).toEqual([DEFAULT_SEED, DEFAULT_SEED, DEFAULT_SEED].map(String));
  });
});
