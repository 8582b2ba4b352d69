// The plain few-shot setting (lm-evaluation-harness's k-shot) end to end on ../shared/datasets:
// shots from each task's own dev/train split, first-k or seeded random, answers only or the
// split's explanations, in the item's language; a pool that is the test data is refused.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluate, type EvaluateOptions } from "../../harness/runner/evaluate.ts";
import { readJournal } from "../../harness/record/journal.ts";
import { loadItems, loadRegistry } from "../../harness/tasks/index.ts";
import { letterOf, type Item, type Sample } from "../../harness/types.ts";
import { answerWith } from "../fake-vllm/helpers.ts";
import { startFakeVllm, type FakeVllm } from "../fake-vllm/server.ts";
import { hasSharedDatasets, SHARED_DATASETS, SKIP_SHARED_REASON, tempDir } from "../helpers.ts";

async function split(task: string, which: "test" | "pool"): Promise<Item[]> {
  return (await loadItems(loadRegistry().get(task)!, which, { dataDir: SHARED_DATASETS })).items;
}

function samplesOf(dir: string): Sample[] {
  return [...readJournal(join(dir, "samples.jsonl")).samples.values()];
}

describe.skipIf(!hasSharedDatasets)(`plain few-shot run (${hasSharedDatasets ? "" : SKIP_SHARED_REASON})`, () => {
  let server: FakeVllm;
  beforeAll(async () => {
    server = await startFakeVllm({ servedModelName: "fake-model", maxModelLen: 100_000, respond: answerWith(() => "A", "direct") });
  });
  afterAll(() => server?.close());

  function options(extra: Partial<EvaluateOptions> = {}): EvaluateOptions {
    const out = tempDir();
    return {
      overrides: { modelUrl: [server.url], servedModel: "fake-model", params: { max_tokens: 64 } },
      modelsFile: join(out, "none.yaml"), tasks: ["mmlu_medical.anatomy.en"], setting: "few-shot", promptStyle: "direct", scoring: "generative",
      limit: 4, concurrency: 2, seed: 5, dataDir: SHARED_DATASETS, out, cache: false, bootstrap: 200, progress: "none",
      signal: new AbortController().signal,
      fewshot: { k: 5, method: "bm25", traceLang: null, format: "multi-turn" },
      ...extra,
    };
  }

  it("MMLU 5-shot: the first five of the subject's dev split, as answered chat turns, recorded in the spec and run id", async () => {
    const dev = await split("mmlu_medical.anatomy.en", "pool");
    const { record, dir } = await evaluate(options());
    expect(record.run_id).toMatch(/-few-shot-direct-generative-/);
    expect(record.spec.fewshot).toMatchObject({ source: "pool", k: 5, sampler: "first", content: "answer", format: "multi-turn" });
    const pools = record.spec.fewshot!.pools as { task: string; files: { path: string }[]; items_hash: string }[];
    expect(pools).toHaveLength(1);
    expect(pools[0]).toMatchObject({ task: "mmlu_medical.anatomy.en", kind: "local", files: [{ path: "mmlu/dev/anatomy_dev.csv" }] });
    expect(JSON.stringify(record.spec.fewshot)).not.toContain(SHARED_DATASETS); // content, not where the data lies, identifies the pool
    const samples = samplesOf(dir);
    expect(samples).toHaveLength(4);
    for (const s of samples) {
      expect(s.shots).toEqual(dev.slice(0, 5).map((d) => d.id));
      expect(s.messages.map((m) => m.role)).toEqual(["system", ...Array(5).fill(["user", "assistant"]).flat(), "user"]);
      dev.slice(0, 5).forEach((d, i) => {
        expect(s.messages[1 + 2 * i].content).toContain(d.question.trim());
        expect(s.messages[2 + 2 * i].content).toBe(`Answer: ${letterOf(d.answer)}`);
      });
    }
  }, 60_000);

  it("a changed shot choice is another run (sampler, content, k are in the spec)", async () => {
    const first = await evaluate(options());
    const random = await evaluate(options({ out: first.dir.replace(/\/[^/]+$/, ""), fewshot: { k: 5, method: "bm25", traceLang: null, format: "multi-turn", sampler: "random" } }));
    expect(random.record.run_id).not.toBe(first.record.run_id);
    expect(random.record.spec.prompt_template_hash).toBe(first.record.spec.prompt_template_hash);
  }, 60_000);

  it("seeded random: k drawn per item from HEAD-QA's train split, the same again with the same seed, in Spanish", async () => {
    const train = new Set((await split("headqa.es", "pool")).map((i) => i.id));
    const testIds = new Set((await split("headqa.es", "test")).map((i) => i.id));
    const fewshot = { k: 3, method: "bm25" as const, traceLang: null, format: "single" as const, sampler: "random" as const };
    const a = samplesOf((await evaluate(options({ tasks: ["headqa.es"], fewshot }))).dir);
    const b = samplesOf((await evaluate(options({ tasks: ["headqa.es"], fewshot }))).dir);
    const c = samplesOf((await evaluate(options({ tasks: ["headqa.es"], seed: 6, fewshot }))).dir);
    const shots = (ss: Sample[]) => ss.sort((x, y) => x.item_id.localeCompare(y.item_id)).map((s) => s.shots);
    expect(shots(a)).toEqual(shots(b));
    expect(shots(a)).not.toEqual(shots(c));
    expect(new Set(shots(a).map((s) => s!.join())).size).toBeGreaterThan(1); // per item, not one draw for all
    for (const s of a) {
      expect(s.shots!.every((id) => train.has(id) && !testIds.has(id))).toBe(true);
      expect(s.messages).toHaveLength(2); // single: system + one user turn holding the examples
      expect(s.messages[1].content).toContain("Estos son 3 ejemplos de preguntas médicas de opción múltiple con sus respuestas.");
      expect(s.messages[1].content).toMatch(/\nRespuesta: [A-E]\n/);
    }
  }, 60_000);

  it("--shot-content explanation shows CasiMedicos' own explanations, in Italian, ending with the Italian answer line", async () => {
    const train = await split("medexpqa.it", "pool");
    expect(train[0].explanation).toBeTruthy();
    const { record, dir } = await evaluate(options({ tasks: ["medexpqa.it"], promptStyle: "cot", fewshot: { k: 2, method: "bm25", traceLang: null, format: "multi-turn", content: "explanation" } }));
    expect(record.spec.fewshot).toMatchObject({ content: "explanation" });
    const s = samplesOf(dir)[0];
    expect(s.shots).toEqual([train[0].id, train[1].id]);
    expect(s.messages[2].content).toBe(`${train[0].explanation!.trim()}\n\nRisposta: ${letterOf(train[0].answer)}`);
    expect(s.messages[5].content).toContain("Ragiona passo dopo passo");
  }, 60_000);

  it("MedMCQA maps its exp field as the pool's explanation", () => {
    const pool = loadRegistry().get("medmcqa.en")!.pool!;
    expect(pool.hub!.fields.explanation).toBe("exp");
    expect(pool.hub!.fields.options).toEqual({ columns: ["opa", "opb", "opc", "opd"] });
  });

  it("refuses explanations where the split has none, and more shots than the split holds", async () => {
    await expect(evaluate(options({ tasks: ["medqa.en"], fewshot: { k: 2, method: "bm25", traceLang: null, format: "multi-turn", content: "explanation" } }))).rejects.toThrow(
      /medqa\.en: --shot-content explanation needs the pool's explanation field.*maps none/,
    );
    await expect(evaluate(options({ fewshot: { k: 6, method: "bm25", traceLang: null, format: "multi-turn" } }))).rejects.toThrow(/--shots 6 .*it has 5 items\. Lower --shots/);
  }, 60_000);

  it("refuses a few-shot split that is the evaluated data", async () => {
    const tasksDir = tempDir();
    const yaml = readFileSync(join(loadRegistry().dir, "medqa.yaml"), "utf8").replace("path: medqa/4_options/dev.jsonl", "path: medqa/4_options/test.jsonl");
    mkdirSync(tasksDir, { recursive: true });
    writeFileSync(join(tasksDir, "medqa.yaml"), yaml);
    await expect(evaluate(options({ tasks: ["medqa.en"], tasksDir }))).rejects.toThrow(/medqa\.en: its few-shot split .* is the data being evaluated.*every shot would be a test question/);
  }, 60_000);

  it("loglikelihood k-shot is lm-evaluation-harness's MMLU 5-shot prompt", async () => {
    const dev = await split("mmlu_medical.anatomy.en", "pool");
    const [first] = await split("mmlu_medical.anatomy.en", "test");
    const { record, dir } = await evaluate(options({ scoring: "loglikelihood", limit: 1 }));
    expect(record.spec.fewshot).not.toHaveProperty("format");
    const block = (i: Item) => `${i.question.trim()}\n${i.options.map((o, j) => `${letterOf(j)}. ${o}\n`).join("")}Answer:`;
    const expected =
      "The following are multiple choice questions (with answers) about anatomy.\n\n" +
      dev.map((d) => `${block(d)} ${letterOf(d.answer)}\n\n`).join("") +
      block(first);
    const s = samplesOf(dir)[0];
    expect(s.messages[0].content).toBe(expected);
    expect(s.shots).toEqual(dev.map((d) => d.id));
    await expect(evaluate(options({ scoring: "loglikelihood", fewshot: { k: 5, method: "bm25", traceLang: null, format: "multi-turn", content: "explanation" } }))).rejects.toThrow(/shots carry their answer only/);
    await expect(evaluate(options({ scoring: "first-token" }))).rejects.toThrow(/first-token .*not few-shot/);
  }, 60_000);

  it("--resume keeps the stored sampler and content over the command line's defaults", async () => {
    const first = options({ limit: 2, fewshot: { k: 2, method: "bm25", traceLang: null, format: "single", sampler: "random", content: "answer" } });
    const done = await evaluate(first);
    const resumed = await evaluate({ ...options(), out: first.out, tasks: undefined, resume: done.record.run_id, fewshot: { k: 3, method: "bm25", traceLang: null, format: "multi-turn" } });
    expect(resumed.dir).toBe(done.dir);
    expect(resumed.sent).toBe(0);
    expect(resumed.record.spec.fewshot).toEqual(done.record.spec.fewshot);
  }, 60_000);
});
