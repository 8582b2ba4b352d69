// The options of an `evaluate` call against the fake vLLM server on the shared data, for
// end-to-end tests: each test names only what it varies.
import { join } from "node:path";
import type { EvaluateOptions } from "../../harness/runner/evaluate.ts";
import { SHARED_DATASETS } from "../helpers.ts";

export function fakeRunOptions(
  run: { url: string; servedModel?: string; out: string; tasks: readonly string[]; limit: number },
  extra: Partial<EvaluateOptions> = {},
): EvaluateOptions {
  return {
    overrides: { modelUrl: [run.url], servedModel: run.servedModel ?? "fake-model", params: { max_tokens: 256 } },
    modelsFile: join(run.out, "no-models.yaml"),
    tasks: run.tasks,
    setting: "zero-shot",
    promptStyle: "cot",
    scoring: "generative",
    limit: run.limit,
    concurrency: 4,
    seed: 7,
    dataDir: SHARED_DATASETS,
    out: run.out,
    cache: false,
    bootstrap: 200,
    progress: "none",
    signal: new AbortController().signal,
    ...extra,
  };
}
