// Corpus vectors from an embeddings endpoint (the fake server's bag-of-words embeddings): import
// fills every chunk's vector and records the model, search by embedding finds the passage that
// shares the query's words, and mixing models or vectorless passages is refused. Then the CLI:
// corpus import --embed-url, corpus search --retrieval embedding (the recorded endpoint).
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importCorpus } from "../../harness/corpus/import.ts";
import { searchCorpus } from "../../harness/corpus/search.ts";
import { CorpusStore } from "../../harness/corpus/store.ts";
import { openAIEmbedder } from "../../harness/traces/embed.ts";
import { UserError } from "../../harness/types.ts";
import { startFakeVllm, type FakeVllm } from "../fake-vllm/server.ts";
import { medevalAsync as cli, tempDir } from "../helpers.ts";
import { PASSAGES, writeJsonl } from "./fixtures.ts";

const GOOD = PASSAGES.filter((p) => typeof p === "object" && typeof p.text === "string" && typeof (p as { title?: unknown }).title !== "number" && (p as { language?: string }).language !== "English");


describe("corpus vectors", () => {
  let server: FakeVllm;
  let dir: string;
  let file: string;

  beforeAll(async () => {
    server = await startFakeVllm({ servedModelName: "embed-model", embeddingDim: 64 });
    dir = tempDir("medeval-corpus-vec-");
    file = writeJsonl(dir, "passages.jsonl", GOOD);
  });
  afterAll(async () => {
    await server?.close();
  });

  const embedder = (model = "embed-model") => ({ embed: openAIEmbedder({ url: server.url, model }), model, url: server.url });

  it("fills every chunk's vector, records the model, and finds by embedding the passage sharing the query's words", async () => {
    const store = await CorpusStore.open(join(tempDir(), "store"));
    try {
      const report = await importCorpus(store, file, { name: "medwiki", chunkChars: 250, langDefault: "en", embed: embedder() });
      expect(report.passages_added).toBe(GOOD.length);
      expect(store.embedding("medwiki")).toEqual({ model: "embed-model", url: server.url, dim: 64 });
      const table = (await store.table("medwiki", "en"))!;
      expect(await table.countRows("vector IS NULL")).toBe(0);
      expect(await table.countRows()).toBe(report.chunks_by_lang.en);
      const hits = await searchCorpus(store, "medwiki", "inflammatory disease of the airways of the lungs", { lang: "en", k: 2, retrieval: "embedding", embed: embedder().embed });
      expect(hits[0].id).toBe("asthma#0");
      expect(hits[0].score).toBeGreaterThan(hits[1].score);
      // The same question by BM25 agrees on the best passage.
      expect((await searchCorpus(store, "medwiki", "inflammatory disease of the airways", { lang: "en", k: 1 }))[0].id).toBe("asthma#0");
      // A re-import with the same model adds nothing; another model, or none, is refused.
      expect(await importCorpus(store, file, { name: "medwiki", chunkChars: 250, langDefault: "en", embed: embedder() })).toMatchObject({ passages_added: 0, skipped: GOOD.length });
      await expect(importCorpus(store, file, { name: "medwiki", langDefault: "en", embed: embedder("other-model") })).rejects.toThrow(/holds vectors from embedding model "embed-model"; mixing in "other-model"/);
      await expect(importCorpus(store, file, { name: "medwiki", langDefault: "en" })).rejects.toThrow(/import with that embeddings endpoint too/);
    } finally {
      store.close();
    }
  });

  it("refuses embedding search of a corpus imported without vectors, and vectors into one without", async () => {
    const store = await CorpusStore.open(join(tempDir(), "store"));
    try {
      await importCorpus(store, file, { name: "plain", langDefault: "en" });
      const search = searchCorpus(store, "plain", "asthma", { k: 1, retrieval: "embedding", embed: embedder().embed });
      await expect(search).rejects.toBeInstanceOf(UserError);
      await expect(search).rejects.toThrow(/corpus "plain" has no vectors/);
      await expect(importCorpus(store, file, { name: "plain", langDefault: "en", embed: embedder() })).rejects.toThrow(/was imported without vectors/);
    } finally {
      store.close();
    }
  });

  it("through the CLI: corpus import --embed-url, then corpus search --retrieval embedding with the recorded endpoint", async () => {
    const home = tempDir();
    const store = join(tempDir(), "store");
    const imported = await cli(["corpus", "import", file, "--name", "medwiki", "--store", store, "--lang-default", "en", "--embed-url", server.url, "--embed-model", "embed-model"], home);
    expect(imported.code, imported.stderr).toBe(0);
    const found = await cli(["corpus", "search", "inflammatory disease of the airways of the lungs", "--name", "medwiki", "--store", store, "--retrieval", "embedding", "--lang", "en", "-k", "1"], home);
    expect(found.code, found.stderr).toBe(0);
    expect(found.stdout).toContain("asthma#0");
    const wrong = await cli(["corpus", "search", "asthma", "--name", "medwiki", "--store", store, "--retrieval", "embedding", "--embed-url", server.url, "--embed-model", "other"], home);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/the vectors come from embedding model "embed-model"/);
  }, 60_000);
});
