// Importing traces into a real LanceDB store in a temp dir: counts, idempotency, rejects with
// line and field, parquet, the Hub, and the per-language tables and indexes.
import { parquetWriteBuffer } from "hyparquet-writer";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bm25Path, docsPath } from "../../harness/traces/bm25.ts";
import { importTraces } from "../../harness/traces/import.ts";
import { searchTraces } from "../../harness/traces/search.ts";
import { storeStats } from "../../harness/traces/stats.ts";
import { TraceStore } from "../../harness/traces/store.ts";
import { startFakeHub, type FakeHub } from "../data/fake-hub.ts";
import { tempDir } from "../helpers.ts";
import { fillerTraces, trace, writeJsonl } from "./fixtures.ts";

describe("importTraces (jsonl)", () => {
  let dir: string;
  let store: TraceStore;
  let file: string;

  beforeAll(async () => {
    dir = tempDir("medeval-traces-import-");
    store = await TraceStore.open(join(dir, "store"));
    file = writeJsonl(dir, "traces.jsonl", [
      ...fillerTraces("en", 6),
      ...fillerTraces("it", 4),
      trace("no-lang", "", "A question without a language", { lang: undefined }),
      "{ this is not json",
      trace("bad-answer", "en", "Answer past the options", { answer: 7 }),
      trace("letter-answer", "es", "Respuesta como letra en minúscula", { answer: "c" }),
      trace("index-answer", "es", "Respuesta como índice", { answer: 0 }),
      trace("object-options", "en", "Options keyed by letter", { options: { B: "second", A: "first", C: "third" }, answer: "C" }),
      trace("gappy-options", "en", "Options keyed with a gap", { options: { A: "first", C: "third" } }),
      { ...trace("no-reasoning", "en", "Missing reasoning"), reasoning: undefined },
      trace("en-0", "en", "Duplicate id within the same file"),
      "",
      trace(17, "it", "Numeric id and source question id", { source_question_id: 4242 }),
    ]);
  });
  afterAll(() => store.close());

  it("adds valid rows, skips duplicates, rejects the rest with line and field", async () => {
    const report = await importTraces(store, file, { langDefault: "en" });
    // 6 en + 4 it + no-lang(en) + letter/index (es) + object-options + numeric id = 15
    expect(report.added).toBe(15);
    expect(report.skipped).toBe(1);
    expect(report.rejected).toBe(4);
    expect(report.added_by_lang).toEqual({ en: 8, it: 5, es: 2 });
    const byField = Object.fromEntries(report.rejects.map((r) => [r.field, r.where]));
    expect(byField).toEqual({ "(json)": "line 12", answer: "line 13", options: "line 17", reasoning: "line 18" });
    expect(report.rejects.find((r) => r.field === "answer")?.message).toMatch(/past the 4 options/);
  });

  it("re-importing the same file adds nothing", async () => {
    const again = await importTraces(store, file, { langDefault: "en" });
    expect(again.added).toBe(0);
    expect(again.skipped).toBe(16);
    expect(again.rejected).toBe(4);
    expect((await storeStats(store)).total).toBe(15);
  });

  it("normalises answers, options and ids on the way in", async () => {
    const es = await store.requireTable("es");
    const rows = await es.query().select(["id", "answer"]).toArray();
    expect(Object.fromEntries(rows.map((r) => [r.id, r.answer]))).toEqual({ "letter-answer": "C", "index-answer": "A" });
    const en = await store.requireTable("en");
    const [keyed] = await en.query().where("id = 'object-options'").select(["options", "answer", "norm_question"]).toArray();
    expect(Array.from(keyed.options.toArray())).toEqual(["first", "second", "third"]);
    expect(keyed.norm_question).toBe("options keyed by letter");
    const it = await store.requireTable("it");
    const [numeric] = await it.query().where("id = '17'").select(["source_question_id"]).toArray();
    expect(numeric.source_question_id).toBe("4242");
  });

  it("keeps one table per language with btrees, and a stemmed BM25 index and documents file beside it", async () => {
    expect(await store.languages()).toEqual(["en", "es", "it"]);
    const table = await store.requireTable("it");
    expect((await table.listIndices()).map((i) => i.columns[0]).sort()).toEqual(["id", "seq"]);
    expect(existsSync(bm25Path(store.dir, "traces_it"))).toBe(true);
    expect(existsSync(docsPath(bm25Path(store.dir, "traces_it")))).toBe(true);
    const stats = await storeStats(store);
    expect(stats.languages.map((l) => [l.lang, l.traces, l.by_source])).toEqual([
      ["en", 8, { medqa: 8 }],
      ["es", 2, { medqa: 2 }],
      ["it", 5, { medqa: 5 }],
    ]);
  });

  it("folds new rows into the indexes on a later import", async () => {
    const more = writeJsonl(dir, "more.jsonl", [trace("late-it", "it", "Dolori addominali ricorrenti nei pazienti anziani")]);
    const report = await importTraces(store, more);
    expect(report.added).toBe(1);
    const table = await store.requireTable("it");
    for (const index of await table.listIndices()) expect((await table.indexStats(index.name))?.numUnindexedRows).toBe(0);
    // Italian stemming: "doloroso/dolori", "paziente/pazienti" meet at their stems.
    const hits = await searchTraces(store, "dolore addominale paziente", { lang: "it", k: 1 });
    expect(hits[0].id).toBe("late-it");
    const reopened = await TraceStore.open(store.dir, { mustExist: true });
    expect((await reopened.bm25("it")).docs).toBe(6);
    reopened.close();
  });

  it("rejects a row without a language unless --lang-default is given", async () => {
    const f = writeJsonl(dir, "nolang.jsonl", [trace("nolang-2", "", "Question", { lang: undefined })]);
    const report = await importTraces(store, f);
    expect(report.rejected).toBe(1);
    expect(report.rejects[0]).toMatchObject({ where: "line 1", field: "lang" });
    expect(report.rejects[0].message).toMatch(/--lang-default/);
  });

  it("names a missing file and an unknown file type", async () => {
    await expect(importTraces(store, join(dir, "nope.jsonl"))).rejects.toThrow(/no such file/);
    const csv = join(dir, "traces.csv");
    writeFileSync(csv, "id\n1\n");
    await expect(importTraces(store, csv)).rejects.toThrow(/unknown trace file type/);
  });
});

function tracesParquet(ids: string[]): Buffer {
  return Buffer.from(
    parquetWriteBuffer({
      columnData: [
        { name: "id", data: ids, type: "STRING" },
        { name: "lang", data: ids.map(() => "es"), type: "STRING" },
        { name: "source_dataset", data: ids.map(() => "medmcqa"), type: "STRING" },
        { name: "source_question_id", data: ids.map((_, i) => BigInt(1000 + i)), type: "INT64" },
        { name: "question", data: ids.map((id) => `Pregunta ${id} sobre fiebre y tos`), type: "STRING" },
        { name: "options", data: ids.map(() => ["uno", "dos", "tres", "cuatro"]) },
        { name: "answer", data: ids.map((_, i) => BigInt(i % 4)), type: "INT64" },
        { name: "reasoning", data: ids.map((id) => `Razonamiento ${id}.`), type: "STRING" },
      ],
      rowGroupSize: 3,
    }),
  );
}

describe("importTraces (parquet, Hub)", () => {
  let hub: FakeHub;
  let dir: string;
  const COMMIT = "0123456789abcdef0123456789abcdef01234567";
  const toFakeHub: typeof fetch = (input, init) => fetch(String(input).replace("https://huggingface.co", hub.endpoint), init);

  beforeAll(async () => {
    dir = tempDir("medeval-traces-parquet-");
    hub = await startFakeHub();
    hub.files.set(`org/traces@${COMMIT}:es/traces.parquet`, { body: tracesParquet(["h1", "h2", "h3", "h4"]), mode: "lfs", commit: COMMIT });
  });
  afterAll(async () => {
    await hub.close();
  });

  it("reads a local parquet file row group by row group", async () => {
    const file = join(dir, "traces.parquet");
    writeFileSync(file, tracesParquet(["p1", "p2", "p3", "p4", "p5", "p6", "p7"]));
    const store = await TraceStore.open(join(dir, "local"));
    const report = await importTraces(store, file, { batchSize: 2 });
    expect(report).toMatchObject({ read: 7, added: 7, skipped: 0, rejected: 0 });
    const rows = await (await store.requireTable("es")).query().where("id = 'p6'").select(["source_question_id", "answer", "options"]).toArray();
    expect(rows[0].source_question_id).toBe("1005");
    expect(rows[0].answer).toBe("B");
    expect((await importTraces(store, file)).skipped).toBe(7);
    store.close();
  });

  it("downloads hf:REPO@REVISION:PATH through the Hub client and imports it", async () => {
    const store = await TraceStore.open(join(dir, "hub-store"));
    const options = { fetch: toFakeHub, home: join(dir, "home") };
    const report = await importTraces(store, `hf:org/traces@${COMMIT}:es/traces.parquet`, { hub: options });
    expect(report.added).toBe(4);
    expect(report.hub).toMatchObject({ repo: "org/traces", commit: COMMIT, path: "es/traces.parquet" });
    expect(report.file.startsWith(join(dir, "home", "hub"))).toBe(true);
    await expect(importTraces(store, "hf:org/traces:es/traces.parquet")).rejects.toThrow(/hf:OWNER\/NAME@REVISION:PATH/);
    store.close();
  });
});
