// Shot selection over a real LanceDB store: seeded random draws, BM25 relevance, embedding
// search through a fake /v1/embeddings endpoint, the leakage guard, and language handling.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Bm25Index, bm25Path } from "../../harness/traces/bm25.ts";
import { importTraces } from "../../harness/traces/import.ts";
import { openAIEmbedder } from "../../harness/traces/embed.ts";
import { buildFewShotPrompt } from "../../harness/prompts/fewshot.ts";
import { distinctDraws, selectShots } from "../../harness/traces/select.ts";
import { TraceStore, VECTOR_INDEX_MIN_ROWS } from "../../harness/traces/store.ts";
import { startFakeVllm, type FakeVllm } from "../fake-vllm/server.ts";
import { tempDir } from "../helpers.ts";
import { fillerTraces, item, trace, writeJsonl } from "./fixtures.ts";

const FLU = "A 30-year-old woman has fever, myalgia and a dry cough for three days during the influenza season.";

describe("selectShots", () => {
  let dir: string;
  let store: TraceStore;

  beforeAll(async () => {
    dir = tempDir("medeval-traces-select-");
    store = await TraceStore.open(join(dir, "store"));
    const file = writeJsonl(dir, "traces.jsonl", [
      ...fillerTraces("en", 40),
      ...fillerTraces("it", 30),
      trace("flu-exact", "en", `  ${FLU.toUpperCase()}  `),
      trace("flu-near", "en", FLU.replace("three days", "3 days")),
      trace("flu-related", "en", "An elderly man with influenza develops fever and cough, then pneumonia."),
      trace("same-id", "en", "A totally different question about kidney stones.", { source_question_id: "q-flu", source_dataset: "MedQA" }),
      trace("other-dataset-id", "en", "Another question about anemia in pregnancy.", { source_question_id: "q-flu", source_dataset: "medmcqa" }),
      trace("it-flu", "it", "Una donna di 30 anni ha febbre, mialgie e tosse secca da tre giorni durante la stagione influenzale."),
    ]);
    const report = await importTraces(store, file);
    expect(report.rejected).toBe(0);
  });
  afterAll(() => store.close());

  it("random is reproducible for the same seed and item, and varies by item and seed", async () => {
    const q = item("item-1", "en", "Which vitamin deficiency causes scurvy?");
    const a = await selectShots(store, q, { k: 5, method: "random", seed: 7 });
    const b = await selectShots(store, q, { k: 5, method: "random", seed: 7 });
    expect(a.shots.map((s) => s.id)).toEqual(b.shots.map((s) => s.id));
    expect(new Set(a.shots.map((s) => s.id)).size).toBe(5);
    expect(a.scores).toEqual([null, null, null, null, null]);
    const otherItem = await selectShots(store, item("item-2", "en", q.question), { k: 5, method: "random", seed: 7 });
    const otherSeed = await selectShots(store, q, { k: 5, method: "random", seed: 8 });
    expect(otherItem.shots.map((s) => s.id)).not.toEqual(a.shots.map((s) => s.id));
    expect(otherSeed.shots.map((s) => s.id)).not.toEqual(a.shots.map((s) => s.id));
  });

  it("random draws cover the whole table without repeats", () => {
    let state = 1;
    const rng = () => ((state = (state * 16807) % 2147483647) / 2147483647);
    const draws = [...distinctDraws(50, rng)];
    expect(draws.slice().sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(draws).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it("bm25 ranks the relevant trace first and never shows the test question or a near copy", async () => {
    const q = item("q-flu", "en", FLU);
    const r = await selectShots(store, q, { k: 3, method: "bm25", seed: 1, taskFamily: "medqa" });
    expect(r.shots[0].id).toBe("flu-related");
    const shown = r.shots.map((s) => s.id);
    for (const leaked of ["flu-exact", "flu-near", "same-id"]) expect(shown).not.toContain(leaked);
    expect(r.excluded).toEqual(
      expect.arrayContaining([
        { id: "flu-exact", reason: "same_question" },
        { id: "flu-near", reason: "near_duplicate" },
      ]),
    );
    expect(r.shots).toHaveLength(3);
    expect(r.scores.every((s) => typeof s === "number" && s > 0)).toBe(true);
  });

  it("excludes a trace written for the test item itself (same source question id and dataset)", async () => {
    const q = item("q-flu", "en", "A totally different question about kidney stones!");
    // The question text matches too, so make sure the id rule alone also excludes: different text.
    const byId = item("q-flu", "en", "Renal colic with hematuria in a young man");
    // 45 English traces, one of them written for q-flu in MedQA: 44 can be shown.
    const guarded = await selectShots(store, byId, { k: 44, method: "random", seed: 3, taskFamily: "medqa" });
    expect(guarded.shots.map((s) => s.id)).not.toContain("same-id");
    expect(guarded.shots.map((s) => s.id)).toContain("other-dataset-id");
    expect(guarded.excluded).toContainEqual({ id: "same-id", reason: "same_question" });
    const exact = await selectShots(store, q, { k: 3, method: "bm25", seed: 3, taskFamily: "medqa" });
    expect(exact.shots.map((s) => s.id)).not.toContain("same-id");
  });

  it("without a task family, an equal source question id in any dataset is excluded", async () => {
    const q = item("q-flu", "en", "Renal colic with hematuria in a young man");
    const r = await selectShots(store, q, { k: 43, method: "random", seed: 3 });
    const ids = r.shots.map((s) => s.id);
    expect(ids).not.toContain("same-id");
    expect(ids).not.toContain("other-dataset-id");
  });

  it("selects in the item's language by default, and crosses languages with lang", async () => {
    const it_ = item("it-1", "it", "Donna con febbre e tosse secca durante l'influenza");
    const same = await selectShots(store, it_, { k: 4, method: "bm25", seed: 1 });
    expect(same.lang).toBe("it");
    expect(same.shots.every((s) => s.lang === "it")).toBe(true);
    expect(same.shots[0].id).toBe("it-flu");
    const crossed = await selectShots(store, it_, { k: 4, method: "random", seed: 1, lang: "en" });
    expect(crossed.lang).toBe("en");
    expect(crossed.shots.every((s) => s.lang === "en")).toBe(true);
  });

  it("bm25 queries with the question's most distinctive words, rarest first in the store", async () => {
    const long = `${FLU} ${"case variant fever cough ".repeat(6)} myalgia influenza season woman`;
    const r = await selectShots(store, item("long", "en", long), { k: 2, method: "bm25", seed: 1, bm25Terms: 4 });
    // "case", "variant", "fever", "cough" appear in many stored questions; these four in one or none.
    expect(r.query_terms).toHaveLength(4);
    for (const common of ["case", "variant"]) expect(r.query_terms).not.toContain(common);
    const all = await selectShots(store, item("long", "en", long), { k: 2, method: "bm25", seed: 1, bm25Terms: 0 });
    expect(all.query_terms).toContain("case");
  });

  it("keeps the BM25 index in step with the table across imports, and saved beside it", async () => {
    const own = await TraceStore.open(join(dir, "terms"));
    await importTraces(own, writeJsonl(dir, "terms-it.jsonl", fillerTraces("it", 5)));
    const before = await own.bm25("it");
    expect(before.docs).toBe(5);
    expect(before.df(before.stem("case"))).toBe(5);
    await importTraces(own, writeJsonl(dir, "more-it.jsonl", [trace("it-extra", "it", "Parola rarissima xilofonoterapia")]));
    const after = await own.bm25("it");
    expect(after.docs).toBe(6);
    expect(after.df(after.stem("xilofonoterapia"))).toBe(1);
    own.close();
    const file = bm25Path(join(dir, "terms"), "traces_it");
    const saved = Bm25Index.load(file, "it", after.version);
    expect(saved?.docs).toBe(6);
    expect(Bm25Index.load(file, "it", after.version + 1)).toBeNull();
    const reopened = await TraceStore.open(join(dir, "terms"), { mustExist: true });
    expect((await reopened.bm25("it")).df(after.stem("xilofonoterapia"))).toBe(1);
    // A damaged index file is rebuilt from the table, not trusted.
    reopened.close();
    writeFileSync(file, "medeval-bm25\n{oops");
    const again = await TraceStore.open(join(dir, "terms"), { mustExist: true });
    expect((await again.bm25("it")).docs).toBe(6);
    expect(Bm25Index.load(file, "it", after.version)?.docs).toBe(6);
    again.close();
  });

  it("tops up with random traces when BM25 runs out of matches", async () => {
    const q = item("odd", "en", "zzzz qqqq");
    const r = await selectShots(store, q, { k: 2, method: "bm25", seed: 5 });
    expect(r.shots).toHaveLength(2);
    expect(r.filled_randomly).toBe(2);
  });

  it("explains a missing language and a k larger than the pool", async () => {
    await expect(selectShots(store, item("x", "es", "pregunta"), { k: 2, method: "random", seed: 1 })).rejects.toThrow(/no traces in language "es".*--trace-lang/);
    await expect(selectShots(store, item("x", "it", "domanda"), { k: 500, method: "random", seed: 1 })).rejects.toThrow(/only 31 of the 500 shots/);
  });

  it("buildFewShotPrompt: selected ids in prompt order, item-language answer lines, shots from --trace-lang", async () => {
    const it_ = item("it-2", "it", "Donna con febbre e tosse secca durante l'influenza");
    const render = (q: { question: string; options: string[]; lang: string }) => `${q.lang}: ${q.question}`;
    const p = await buildFewShotPrompt(store, it_, { k: 2, method: "bm25", seed: 1, lang: "en" }, { format: "multi-turn", renderQuestion: render });
    expect(p.trace_lang).toBe("en");
    expect(p.shots).toHaveLength(2);
    expect(p.messages.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant", "user"]);
    const first = await (await store.requireTable("en")).query().where(`id = '${p.shots[0]}'`).select(["question", "answer"]).toArray();
    expect(p.messages[0].content).toBe(`it: ${first[0].question}`);
    expect(p.messages[1].content.endsWith(`Risposta: ${first[0].answer}`)).toBe(true);
  });

  it("fingerprints the store for run.json", async () => {
    const fp = await store.fingerprint();
    expect(Object.keys(fp.tables)).toEqual(["en", "it"]);
    expect(fp.tables.en.rows).toBe(45);
    expect(fp.tables.it.rows).toBe(31);
    expect(fp.tables.en.version).toBeGreaterThan(0);
  });

  it("k = 0 selects nothing", async () => {
    const r = await selectShots(store, item("x", "en", "q"), { k: 0, method: "bm25", seed: 1 });
    expect(r.shots).toEqual([]);
  });
});

describe("selectShots by embedding", () => {
  let server: FakeVllm;
  let dir: string;
  let store: TraceStore;

  beforeAll(async () => {
    server = await startFakeVllm({ servedModelName: "embedder", embeddingDim: 32 });
    dir = tempDir("medeval-traces-embed-");
    store = await TraceStore.open(join(dir, "store"));
    const file = writeJsonl(dir, "traces.jsonl", [
      ...fillerTraces("en", 30),
      trace("kidney", "en", "renal colic kidney stones hematuria flank pain"),
      trace("heart", "en", "crushing chest pain sweating troponin rise"),
    ]);
    const embed = openAIEmbedder({ url: server.url, model: "embedder", batchSize: 8 });
    const report = await importTraces(store, file, { embed, embedding: { model: "embedder", url: server.url } });
    expect(report.added).toBe(32);
  });
  afterAll(async () => {
    store.close();
    await server.close();
  });

  it("fills the vector column through /v1/embeddings in batches and records the model", async () => {
    const calls = server.requests.filter((r) => r.path === "/v1/embeddings");
    expect(calls.length).toBe(4);
    expect(store.meta().embedding).toEqual({ model: "embedder", url: server.url, dim: 32 });
    expect(await (await store.requireTable("en")).countRows("vector IS NOT NULL")).toBe(32);
  });

  it("returns the nearest traces, embedding the question through the recorded endpoint", async () => {
    const q = item("k1", "en", "flank pain with hematuria and renal colic from kidney stones");
    const r = await selectShots(store, q, { k: 2, method: "embedding", seed: 1 });
    expect(r.shots[0].id).toBe("kidney");
    expect(r.scores[0]).toBeLessThan(r.scores[1] as number);
  });

  it("refuses a store embedded with another model", async () => {
    const file = writeJsonl(dir, "more.jsonl", [trace("x1", "en", "more")]);
    const embed = openAIEmbedder({ url: server.url, model: "other" });
    await expect(importTraces(store, file, { embed, embedding: { model: "other" } })).rejects.toThrow(/embedding model "embedder"/);
  });

  it("uses precomputed vectors from the file, and an IVF-PQ index once there are enough", async () => {
    // A fixed pseudo-random vector per row (no endpoint involved: the file carries them).
    let state = 42;
    const next = () => ((state = (state * 16807) % 2147483647) / 2147483647) - 0.5;
    const rows = fillerTraces("en", VECTOR_INDEX_MIN_ROWS + 100).map((t) => ({ ...t, vector: Array.from({ length: 16 }, next) }));
    const big = await TraceStore.open(join(dir, "big"));
    const report = await importTraces(big, writeJsonl(dir, "vectors.jsonl", rows));
    expect(report.added).toBe(rows.length);
    const indices = await (await big.requireTable("en")).listIndices();
    expect(indices.find((i) => i.columns[0] === "vector")?.indexType).toBe("IvfPq");
    const target = rows[1234];
    const r = await selectShots(big, item("v", "en", "unrelated words"), { k: 2, method: "embedding", seed: 1, embed: async () => [target.vector] });
    expect(r.shots[0].id).toBe(target.id);
    expect(r.scores[0]).toBeCloseTo(0, 5);
    big.close();
  });

  it("explains when the traces have no vectors", async () => {
    const plain = await TraceStore.open(join(dir, "plain"));
    await importTraces(plain, writeJsonl(dir, "plain.jsonl", fillerTraces("en", 3)));
    await expect(selectShots(plain, item("x", "en", "q"), { k: 1, method: "embedding", seed: 1 })).rejects.toThrow(/no vectors.*--embed-url/);
    plain.close();
  });
});
