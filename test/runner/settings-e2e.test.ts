// The fine-tuned setting, settings pairing item by item, and models that medeval serves itself.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluate, type EvaluateOptions } from "../../harness/runner/evaluate.ts";
import { readJournal } from "../../harness/record/journal.ts";
import { lastUserText, replyFor } from "../fake-vllm/helpers.ts";
import { startFakeVllm, type FakeVllm } from "../fake-vllm/server.ts";
import { hasSharedDatasets, SHARED_DATASETS, SKIP_SHARED_REASON, tempDir } from "../helpers.ts";
import { buildOracle, oracleBehavior } from "./oracle.ts";

const BIN = resolve(import.meta.dirname, "..", "fixtures", "fake-vllm-bin");

function base(out: string, modelsFile: string, extra: Partial<EvaluateOptions> = {}): EvaluateOptions {
  return {
    modelsFile, overrides: {}, tasks: ["medqa.en"], setting: "zero-shot", promptStyle: "cot", scoring: "generative",
    limit: 6, concurrency: 3, seed: 3, dataDir: SHARED_DATASETS, out, cache: false, bootstrap: 200, progress: "none",
    signal: new AbortController().signal, ...extra,
  };
}

describe.skipIf(!hasSharedDatasets)(`settings (${hasSharedDatasets ? "" : SKIP_SHARED_REASON})`, () => {
  let server: FakeVllm;
  let modelsFile: string;

  beforeAll(async () => {
    const oracle = await buildOracle("medqa.en", SHARED_DATASETS, 6, () => true);
    const oracleAnswer = oracleBehavior(oracle, "think");
    server = await startFakeVllm({
      servedModelName: "ft-model",
      maxModelLen: 100_000,
      // The fine-tuned model was trained on "Case:" prompts; answer those in its own format.
      respond: (req) => (lastUserText(req.messages).startsWith("Case:") ? oracleAnswer({ ...req, messages: [{ role: "user", content: lastUserText(req.messages).replace(/^Case:/, "Question:").replace("\nChoices:", "\nOptions:") }] }) : replyFor("A", "cot")),
    });
    modelsFile = join(tempDir(), "models.yaml");
    writeFileSync(modelsFile, `models:
  ft:
    base_urls: [${server.url}]
    served_model: ft-model
    params: { max_tokens: 256 }
    fine_tuned:
      system_prompt: "You are MedReason."
      user_template: "Case: {question}\\nChoices:\\n{options}"
      thinks: think-tags
  plain:
    base_urls: [${server.url}]
    served_model: ft-model
    params: { max_tokens: 256 }
`);
  });
  afterAll(() => server?.close());

  it("evaluates a fine-tuned model in the format it was trained on, and pairs with its zero-shot run item by item", async () => {
    const out = tempDir();
    const ft = await evaluate(base(out, modelsFile, { model: "ft", setting: "fine-tuned" }));
    expect(ft.record.tasks[0]).toMatchObject({ n: 6, accuracy: 1, truncated: 0 });
    const samples = [...readJournal(join(ft.dir, "samples.jsonl")).samples.values()];
    expect(samples[0].messages[0]).toEqual({ role: "system", content: "You are MedReason." });
    expect(samples[0].messages[1].content.startsWith("Case: ")).toBe(true);
    expect(samples[0].content).toContain("<think>"); // kept whole in the log, stripped for extraction
    const zs = await evaluate(base(out, modelsFile, { model: "ft" }));
    const ids = (dir: string) => [...readJournal(join(dir, "samples.jsonl")).samples.values()].map((s) => s.item_id).sort();
    expect(ids(zs.dir)).toEqual(ids(ft.dir));
    // The trained format's system prompt is the fine-tuned setting's, not the zero-shot one's.
    const zsFirst = [...readJournal(join(zs.dir, "samples.jsonl")).samples.values()][0];
    expect(zsFirst.messages[0].content).not.toBe("You are MedReason.");
    expect(zs.dir).not.toBe(ft.dir);
  });

  it("refuses --setting fine-tuned for a model without a trained format", async () => {
    await expect(evaluate(base(tempDir(), modelsFile, { model: "plain", setting: "fine-tuned" }))).rejects.toThrow(/fine_tuned: section for model "plain"/);
  });
});

describe.skipIf(!hasSharedDatasets)("serve: medeval starts vLLM itself", () => {
  function servedModels(bin: string): string {
    const file = join(tempDir(), "models.yaml");
    writeFileSync(file, `models:
  served:
    served_model: local-ckpt
    params: { max_tokens: 64 }
    serve:
      model: /checkpoints/step-1000
      args: ["--max-model-len", "4096", "--seed", "0"]
      ready_timeout_s: 20
`);
    return file;
  }

  it("starts the server on a free port, logs it in the run folder, runs, and stops it", async () => {
    const out = tempDir();
    const argsFile = join(tempDir(), "args.json");
    process.env.FAKE_VLLM_ARGS_FILE = argsFile;
    try {
      const { record, dir } = await evaluate(base(out, servedModels("vllm-ready.mjs"), { model: "served", vllmBin: join(BIN, "vllm-ready.mjs") }));
      expect(record.complete).toBe(true);
      expect(record.tasks[0]).toMatchObject({ n: 6, errors: 0, lenient: 6 });
      expect(existsSync(join(dir, "vllm.log"))).toBe(true);
      const { argv, pid } = JSON.parse(readFileSync(argsFile, "utf8")) as { argv: string[]; pid: number };
      expect(argv.slice(0, 2)).toEqual(["serve", "/checkpoints/step-1000"]);
      expect(argv).toContain("--served-model-name");
      expect(argv.slice(-4)).toEqual(["--max-model-len", "4096", "--seed", "0"]);
      expect(() => process.kill(pid, 0)).toThrow(); // stopped
    } finally {
      delete process.env.FAKE_VLLM_ARGS_FILE;
    }
  });

  it("a server that dies mid-run fails the run with its log, keeping finished samples", async () => {
    const out = tempDir();
    const run = evaluate(base(out, servedModels("vllm-dies-midrun.mjs"), { model: "served", vllmBin: join(BIN, "vllm-dies-midrun.mjs"), concurrency: 1, maxRetries: 1, runId: "dies" }));
    await expect(run).rejects.toThrow(/exited|died|stopped/i);
    await expect(run).rejects.toMatchObject({ runId: "dies" });
    const kept = [...readJournal(join(out, "dies", "samples.jsonl")).samples.values()];
    expect(kept.filter((s) => s.status !== "error").length).toBeGreaterThanOrEqual(1);
  });
});
