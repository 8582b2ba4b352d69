// `importCorpus` / `searchCorpus` on a jsonl the test writes: chunk ids, idempotent and
// replacing re-imports, rejects with line and reason, per-language stemmed search, errors.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importCorpus } from "../../harness/corpus/import.ts";
import { searchCorpus } from "../../harness/corpus/search.ts";
import { CorpusStore } from "../../harness/corpus/store.ts";
import { UserError } from "../../harness/types.ts";
import { tempDir } from "../helpers.ts";
import { PASSAGES, writeJsonl } from "./fixtures.ts";

describe("corpus import and search", () => {
  let dir: string;
  let file: string;
  let store: CorpusStore;

  beforeAll(async () => {
    dir = tempDir("medeval-corpus-");
    file = writeJsonl(dir, "passages.jsonl", PASSAGES);
    store = await CorpusStore.open(join(dir, "store"));
  });
  afterAll(() => store.close());

  it("chunks by paragraph with ids '<source id>#<index>', rejects bad rows with their line and reason", async () => {
    const report = await importCorpus(store, file, { name: "medwiki", chunkChars: 250, langDefault: "en" });
    expect(report.read).toBe(9);
    expect(report.passages_added).toBe(5);
    // 3 paragraphs of ~110 characters: two fit under 250, the third starts a chunk.
    expect(report.chunks_by_lang).toEqual({ en: 4, it: 1, es: 1 });
    expect(report.rejected).toBe(4);
    expect(report.rejects.map((r) => `${r.where} ${r.field}`)).toEqual(["line 6 text", "line 7 (json)", "line 8 language", "line 9 title"]);
    expect(report.rejects[2].message).toContain('"English" is not a language code');
    const table = (await store.table("medwiki", "en"))!;
    const rows = await table.query().where("source_id = 'diabetes'").select(["id", "chunk", "text", "url"]).toArray();
    expect(rows.map((r) => String(r.id)).sort()).toEqual(["diabetes#0", "diabetes#1"]);
    expect(rows.find((r) => r.id === "diabetes#1")!.text).toMatch(/^Type 2 diabetes/);
    expect(rows[0].url).toBe("https://en.wikipedia.org/wiki/Diabetes");
    expect(await store.requireCorpus("medwiki")).toEqual(["en", "es", "it"]);
  });

  it("re-importing the same file adds nothing; replace rewrites the passages with the new chunking", async () => {
    const again = await importCorpus(store, file, { name: "medwiki", chunkChars: 250, langDefault: "en" });
    expect(again.passages_added).toBe(0);
    expect(again.chunks_added).toBe(0);
    expect(again.skipped).toBe(5);
    const table = (await store.table("medwiki", "en"))!;
    expect(await table.countRows()).toBe(4);
    const replaced = await importCorpus(store, file, { name: "medwiki", chunkChars: 1000, langDefault: "en", existing: "replace" });
    expect(replaced.replaced).toBe(5);
    expect(replaced.passages_added).toBe(0);
    // The diabetes article is now one chunk; its old second chunk is gone, not left behind.
    // (Opened anew: a LanceDB table handle keeps reading the version it was opened at.)
    const after = (await store.table("medwiki", "en"))!;
    expect(await after.countRows()).toBe(3);
    expect(await after.countRows("source_id = 'diabetes'")).toBe(1);
  });

  it("searches one language with its stemmer, or every language", async () => {
    const en = await searchCorpus(store, "medwiki", "insulin resistant cells", { lang: "en", k: 3 });
    expect(en[0].id).toBe("diabetes#0");
    expect(en[0].title).toBe("Diabetes");
    expect(en[0].score).toBeGreaterThan(0);
    const ita = await searchCorpus(store, "medwiki", "infiammazioni polmonari", { lang: "it", k: 3 });
    expect(ita.map((h) => h.id)).toEqual(["polmonite#0"]);
    const es = await searchCorpus(store, "medwiki", "inflamaciones", { lang: "es", k: 3 });
    expect(es.map((h) => h.id)).toEqual(["neumonia#0"]);
    const all = await searchCorpus(store, "medwiki", "appendix pain", { k: 5 });
    expect(all[0].id).toBe("7#0");
    expect(await searchCorpus(store, "medwiki", "?!", { k: 5 })).toEqual([]);
  });

  it("an unknown corpus, an unknown language, a missing file and an unknown file type are clear errors", async () => {
    await expect(searchCorpus(store, "nope", "fever", { k: 1 })).rejects.toThrow(/no corpus "nope" in .* \(it has: medwiki\)/);
    await expect(searchCorpus(store, "medwiki", "fever", { lang: "fr", k: 1 })).rejects.toThrow(/no passages in language "fr" \(it has: en, es, it\)/);
    await expect(importCorpus(store, join(dir, "missing.jsonl"), { name: "medwiki" })).rejects.toThrow(/missing\.jsonl: no such file/);
    await expect(importCorpus(store, join(dir, "passages.txt"), { name: "medwiki" })).rejects.toThrow(UserError);
    await expect(importCorpus(store, file, { name: "med_wiki" })).rejects.toThrow(/letters, digits and dashes/);
  });

  it("streams in batches smaller than the file", async () => {
    const many = Array.from({ length: 50 }, (_, i) => ({ id: `p${i}`, text: `Passage number ${i} about hepatology.`, language: "en" }));
    const report = await importCorpus(store, writeJsonl(dir, "many.jsonl", many), { name: "batched", batchSize: 7 });
    expect(report.chunks_added).toBe(50);
    // A repeated id, in the same batch and in a later one, is skipped: the first row wins.
    const fresh = { id: "fresh", text: "A new passage on nephrology.", language: "en" };
    const repeats = [many[0], { ...many[1], text: "changed" }, ...many.slice(2, 9), { ...many[1], text: "changed again" }];
    const again = await importCorpus(store, writeJsonl(dir, "repeats.jsonl", [fresh, { ...fresh, text: "twice" }, ...repeats]), { name: "batched", batchSize: 7 });
    expect(again).toMatchObject({ read: 12, passages_added: 1, skipped: 11 });
    expect(await (await store.table("batched", "en"))!.countRows("source_id = 'fresh'")).toBe(1);
    const hits = await searchCorpus(store, "batched", "hepatology", { lang: "en", k: 100 });
    expect(hits).toHaveLength(50);
  });
});
