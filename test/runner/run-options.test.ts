// evaluate() refuses nonsensical numbers before any request or file: a clear message, not a
// silently different run (--limit -3 ran all but three items) or an unreadable run.json.
import { describe, expect, it } from "vitest";
import { evaluate, type EvaluateOptions } from "../../harness/runner/evaluate.ts";
import { UserError } from "../../harness/types.ts";
import { tempDir } from "../helpers.ts";

function options(extra: Partial<EvaluateOptions>): EvaluateOptions {
  return {
    overrides: { modelUrl: ["http://127.0.0.1:9/v1"], servedModel: "m" },
    tasks: ["medqa.en"],
    setting: "zero-shot",
    promptStyle: "cot",
    scoring: "generative",
    limit: null,
    seed: 1234,
    out: tempDir(),
    cache: false,
    bootstrap: 100,
    progress: "none",
    signal: new AbortController().signal,
    ...extra,
  };
}

describe("evaluate: numeric options", () => {
  it.each([
    [{ limit: -3 }, "--limit must be a whole number ≥ 1, got -3"],
    [{ limit: 0 }, "--limit must be a whole number ≥ 1, got 0"],
    [{ limit: 2.5 }, "--limit must be a whole number ≥ 1, got 2.5"],
    [{ seed: Number.NaN }, "--seed must be a whole number, got NaN"],
    [{ seed: 1.5 }, "--seed must be a whole number, got 1.5"],
    [{ concurrency: Number.NaN }, "--concurrency must be a whole number ≥ 1, got NaN"],
    [{ concurrency: 0 }, "--concurrency must be a whole number ≥ 1, got 0"],
    [{ bootstrap: 0 }, "--bootstrap must be a whole number ≥ 100, got 0"],
    [{ bootstrap: 5 }, "--bootstrap must be a whole number ≥ 100, got 5"],
    [{ dataDir: "/nonexistent/dataset" }, "the data folder /nonexistent/dataset (from --data-dir or MEDEVAL_DATA_DIR) does not exist"],
    [{ maxRetries: -1 }, "--max-retries must be a whole number ≥ 0, got -1"],
    [{ runId: "../escape" }, '--run-id "../escape": a run id is one folder name inside --out'],
    [{ runId: "a/b" }, '--run-id "a/b": a run id is one folder name inside --out'],
    [{ resume: "../x" }, '--resume "../x": a run id is one folder name inside --out'],
    [{ overrides: { modelUrl: ["http://127.0.0.1:9/v1"], servedModel: "m", timeoutS: 0 } }, "--timeout must be a number of seconds > 0, got 0"],
  ] as [Partial<EvaluateOptions>, string][])("%o is refused", async (extra, message) => {
    const run = evaluate(options(extra));
    await expect(run).rejects.toBeInstanceOf(UserError);
    await expect(run).rejects.toThrow(message);
  });
});

