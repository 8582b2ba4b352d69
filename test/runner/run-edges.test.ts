// Edges of `medeval run` as a user meets them: --out naming a file, items that ended in
// errors (the run is complete, and says how to retry them), and prompt builders in the spec.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluate, type EvaluateOptions } from "../../harness/runner/evaluate.ts";
import { EXIT_UNANSWERED_ITEMS } from "../../harness/runner/run.ts";
import { UserError } from "../../harness/types.ts";
import { lastUserText } from "../fake-vllm/helpers.ts";
import { startFakeVllm, type FakeVllm } from "../fake-vllm/server.ts";
import { hasSharedDatasets, SHARED_DATASETS, SKIP_SHARED_REASON, tempDir } from "../helpers.ts";
import { buildOracle, oracleBehavior } from "./oracle.ts";

const ROOT = resolve(import.meta.dirname, "..", "..");

describe.skipIf(!hasSharedDatasets)(`run edges (${hasSharedDatasets ? "" : SKIP_SHARED_REASON})`, () => {
  let server: FakeVllm;
  let hopeless: string;

  beforeAll(async () => {
    const oracle = await buildOracle("medqa.en", SHARED_DATASETS, 6, () => true);
    hopeless = oracle[0].items[3].question.trim();
    const answer = oracleBehavior(oracle);
    server = await startFakeVllm({
      servedModelName: "fake-model",
      maxModelLen: 100_000,
      respond: (req) => (lastUserText(req.messages).includes(hopeless) ? { fault: "http", status: 500 } : answer(req)),
    });
  });
  afterAll(() => server?.close());

  const options = (extra: Partial<EvaluateOptions>): EvaluateOptions => ({
    overrides: { modelUrl: [server.url], servedModel: "fake-model", params: { max_tokens: 256 } },
    modelsFile: join(tempDir(), "none.yaml"), tasks: ["medqa.en"], setting: "zero-shot", promptStyle: "cot", scoring: "generative",
    limit: 6, concurrency: 2, seed: 1, dataDir: SHARED_DATASETS, out: tempDir(), cache: false, bootstrap: 100, progress: "none",
    signal: new AbortController().signal, maxRetries: 1, ...extra,
  });

  it("--out naming a file is a clear error, not a crash", async () => {
    const file = join(tempDir(), "not-a-folder");
    writeFileSync(file, "x");
    const run = evaluate(options({ out: file }));
    await expect(run).rejects.toBeInstanceOf(UserError);
    await expect(run).rejects.toThrow(/--out .*not-a-folder: cannot make the run folder/);
  });

  it("a run whose items ended in errors says how many and how to retry them", async () => {
    const out = tempDir();
    const result = await new Promise<{ code: number | null; stderr: string }>((done) => {
      const child = spawn(process.execPath, [
        join(ROOT, "bin", "medeval.js"), "run", "--model-url", server.url, "--served-model", "fake-model", "--tasks", "medqa.en",
        "--limit", "6", "--data-dir", SHARED_DATASETS, "--out", out, "--max-tokens", "256", "--max-retries", "1", "--no-cache", "--progress", "none",
      ], { env: { ...process.env, MEDEVAL_HOME: tempDir() }, stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (d) => (stderr += d));
      child.on("close", (code) => done({ code, stderr }));
    });
    // Not a finished run: an exit status of its own, the count per task, the command that retries them.
    expect(result.code).toBe(EXIT_UNANSWERED_ITEMS);
    expect(result.stderr).toMatch(/medqa\.en: 1 of 6 items have no answer \(1 failed after retries\)[\s\S]*medeval(\.js)? run --resume \S+ --out/);
  });

  it("few-shot and fine-tuned prompts are hashed with their own builders", async () => {
    const zeroShot = await evaluate(options({ limit: 1, tasks: ["medqa.en"] }));
    const modelsFile = join(tempDir(), "models.yaml");
    writeFileSync(modelsFile, `models:\n  ft:\n    base_urls: [${server.url}]\n    served_model: fake-model\n    params: { max_tokens: 256 }\n    fine_tuned: { thinks: none }\n`);
    const fineTuned = await evaluate(options({ limit: 1, model: "ft", overrides: {}, modelsFile, setting: "fine-tuned" }));
    expect(fineTuned.record.spec.prompt_template_hash).not.toBe(zeroShot.record.spec.prompt_template_hash);
  });
});
