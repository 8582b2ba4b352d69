// traces generate in other languages and on a real corpus: Italian questions from a translated
// task (registered in tasks.local/ as `medeval translate` registers it) with an Italian prompt
// and Italian traces; and the CasiMedicos pool grounded in the CasiMedicos explanations.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { generateTraces, type GenerateInput } from "../../harness/generate/job.ts";
import { importCorpus } from "../../harness/corpus/import.ts";
import { CorpusStore } from "../../harness/corpus/store.ts";
import { loadItems, loadRegistry } from "../../harness/tasks/index.ts";
import { sourceYaml } from "../../harness/translate/output.ts";
import { openAIEmbedder } from "../../harness/traces/embed.ts";
import { startFakeVllm, type FakeVllm } from "../fake-vllm/server.ts";
import { groundedBehavior, promptQuestion } from "../fake-vllm/grounded.ts";
import { SHARED_DATASETS, SKIP_SHARED_REASON, tempDir, writeJsonl } from "../helpers.ts";
import { markedCorpus, medqaDataDir, poolItems } from "./generate-fixtures.ts";

let server: FakeVllm;
beforeAll(async () => {
  server = await startFakeVllm({ servedModelName: "fake-model", respond: groundedBehavior({ wrongRate: 0 }), embeddingDim: 512 });
});
afterAll(async () => {
  await server?.close();
});

const inputFor = (over: Partial<GenerateInput>): GenerateInput => ({
  overrides: { modelUrl: [server.url], servedModel: "fake-model" },
  tasks: "medqa.en", split: "pool", langs: null, langSource: "translated",
  corpus: { dir: "", name: "medwiki" }, passages: 3, attempts: 2, seed: 7, temperature: 0.7, maxTokens: 256, limit: null,
  output: { kind: "file", path: join(tempDir(), "out.jsonl") },
  cache: false, maxRetries: 0, concurrency: 4, signal: new AbortController().signal, notice: () => {},
  ...over,
});
const readJsonl = (file: string) => readFileSync(file, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));

describe("traces generate --lang en,it from a translated task", () => {
  it("asks the Italian questions in Italian and writes Italian traces", async () => {
    const items = poolItems(4);
    const data = medqaDataDir(items);
    const italian = items.map((item, i) => ({ id: String(i), question: item.question.replace("a patient presents with", "un paziente presenta"), options: Object.values(item.options), answer: "ABCD".indexOf(item.answer_idx) }));
    mkdirSync(join(data, "translated", "medqa", "it"), { recursive: true });
    writeJsonl(join(data, "translated", "medqa", "it"), "pool.jsonl", italian);
    mkdirSync(join(data, "tasks.local"), { recursive: true });
    const source = parseYaml(sourceYaml("translated/medqa/it/pool.jsonl")) as { local: unknown };
    writeFileSync(join(data, "tasks.local", "medqa.it.yaml"), stringifyYaml({ family: "medqa", languages: { it: { pool: source } } }));
    expect(loadRegistry(undefined, data).get("medqa.it")?.pool).toBeTruthy();

    server.reset();
    const out = join(tempDir(), "it.jsonl");
    const outcome = await generateTraces(inputFor({ langs: ["en", "it"], dataDir: data, corpus: { dir: await markedCorpus(items), name: "medwiki" }, output: { kind: "file", path: out } }));
    expect(outcome.summaries.map((s) => [s.task, s.lang, s.kept])).toEqual([["medqa.en", "en", 4], ["medqa.it", "it", 4]]);
    const asked = server.generationRequests().map((r) => (r.body as { messages: { content: string }[] }).messages.at(-1)!.content);
    expect(asked.filter((t) => t.includes("Domanda: ") && t.includes('"Risposta: X"')).length).toBe(4);
    const traces = readJsonl(out);
    expect(traces.filter((t) => t.lang === "it").map((t) => t.question)).toEqual(italian.map((i) => i.question));
    expect(traces.filter((t) => t.lang === "it").every((t) => t.generation.task === "medqa.it" && t.split === "dev")).toBe(true);
  }, 60_000);
});

describe("traces generate --retrieval embedding", () => {
  it("shows each question the passages nearest its embedding, from the corpus's vectors", async () => {
    const items = poolItems(4);
    const data = medqaDataDir(items);
    const embed = { embed: openAIEmbedder({ url: server.url, model: "fake-model" }), model: "fake-model", url: server.url };
    // The fake's embeddings are bags of hashed words: each note repeats its question's organ.
    const corpus = join(tempDir("medeval-gen-corpus-"), "corpus");
    const notes = items.map((item, i) => {
      const organ = /disorder of the (\w+)/.exec(item.question)![1];
      return { id: `q${i}`, title: organ, text: `${organ} ${organ} ${organ}: therapy of the ${organ}. GOLD=${item.answer_idx}`, language: "en" };
    });
    const store = await CorpusStore.open(corpus);
    try {
      await importCorpus(store, writeJsonl(tempDir(), "notes.jsonl", notes), { name: "medwiki", embed });
    } finally {
      store.close();
    }
    server.reset();
    const out = join(tempDir(), "emb.jsonl");
    const outcome = await generateTraces(
      inputFor({ dataDir: data, passages: 1, corpus: { dir: corpus, name: "medwiki", retrieval: "embedding", queryEmbedder: (recorded) => openAIEmbedder({ url: recorded!.url!, model: recorded!.model }) }, output: { kind: "file", path: out } }),
    );
    expect(outcome.summaries.map((s) => s.kept)).toEqual([4]);
    const traces = readJsonl(out);
    // Each question names its marker word, so its nearest passage is its own note.
    expect(traces.map((t) => t.generation.passage_ids)).toEqual(items.map((_, i) => [`q${i}#0`]));
    const card = JSON.parse(readFileSync(out.replace(/\.jsonl$/, ".card.json"), "utf8"));
    expect(card.corpus.retrieval).toBe("embedding");
  }, 60_000);
});

describe("traces generate: the leakage guard", () => {
  it("leaves out pool questions that are also test questions or near copies of one, and counts them by reason in the card", async () => {
    const items = poolItems(4);
    const notices: string[] = [];
    server.reset();
    const out = join(tempDir(), "guard.jsonl");
    // items[1] is in the test split as it is (but for case), items[2] reworded in two words of its twenty.
    const nearCopy = { ...items[2], question: items[2].question.replace("a patient presents with", "the patient has") };
    const outcome = await generateTraces(inputFor({ dataDir: medqaDataDir(items, [{ ...items[1], question: items[1].question.toUpperCase() }, nearCopy]), corpus: { dir: await markedCorpus(items), name: "medwiki" }, output: { kind: "file", path: out }, notice: (l) => notices.push(l) }));
    expect(outcome.summaries[0].questions).toBe(2);
    expect(notices).toContain("medqa.en: 1 pool questions are also test questions and 1 near copies of one; the leakage guard leaves them out");
    const asked = server.generationRequests().map((r) => promptQuestion((r.body as { messages: { content: string }[] }).messages.at(-1)!.content));
    expect(asked).not.toContain(items[1].question);
    expect(asked).not.toContain(items[2].question);
    expect(asked.length).toBe(2);
    expect(JSON.parse(readFileSync(out.replace(/\.jsonl$/, ".card.json"), "utf8")).excluded_as_test_questions).toEqual({ "medqa.en": { same_question: 1, near_duplicate: 1 } });
  }, 60_000);
});

const casi = (lang: string) => join(SHARED_DATASETS, "casimedicos", `casimedicos_${lang}_train.jsonl`);
const present = existsSync(casi("en"));

describe.skipIf(!present)(`CasiMedicos train grounded in the CasiMedicos explanations${present ? "" : ` (skipped: ${SKIP_SHARED_REASON})`}`, () => {
  it("retrieves each question's own explanation among its passages, and keeps a trace per question", async () => {
    const corpusDir = join(tempDir(), "corpus");
    const store = await CorpusStore.open(corpusDir);
    try {
      await importCorpus(store, casi("en"), { name: "casimedicos", fields: { text: "explanation" } });
    } finally {
      store.close();
    }
    const spec = loadRegistry(undefined, SHARED_DATASETS).get("medexpqa.en")!;
    const { items } = await loadItems(spec, "pool", { dataDir: SHARED_DATASETS, offline: true });
    const limit = 20;
    const gold = Object.fromEntries(items.slice(0, limit).map((i) => [i.question.trim(), "ABCDE"[i.answer]]));
    server.setBehavior({ respond: groundedBehavior({ wrongRate: 0.3, gold }) });
    server.reset();
    const out = join(tempDir(), "casi.jsonl");
    const outcome = await generateTraces(inputFor({ tasks: "medexpqa.en", split: "train", dataDir: SHARED_DATASETS, offline: true, corpus: { dir: corpusDir, name: "casimedicos" }, passages: 5, attempts: 3, limit, output: { kind: "file", path: out } }));
    const [s] = outcome.summaries;
    expect(s.questions).toBe(limit);
    expect(s.kept + s.unkept).toBe(limit);
    expect(s.kept).toBeGreaterThan(limit / 2);
    expect(s.rejected.wrong_answer).toBeGreaterThan(0);
    // Every question was asked with its own question line.
    expect(server.generationRequests().every((r) => promptQuestion((r.body as { messages: { content: string }[] }).messages.at(-1)!.content) !== null)).toBe(true);
    const traces = readJsonl(out);
    const ownFound = traces.filter((t) => t.generation.passage_ids.some((id: string) => id.startsWith(`${t.source_question_id}#`)));
    expect(ownFound.length / traces.length).toBeGreaterThanOrEqual(0.8);
    expect(traces.every((t) => t.split === "train" && t.source_dataset === "medexpqa" && t.generation.passage_ids.length === 5)).toBe(true);
  }, 120_000);
});
