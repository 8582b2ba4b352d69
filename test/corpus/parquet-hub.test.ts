// A Multilingual-Medical-Corpus-shaped parquet (HiTZ: one `text` column, no id, no language):
// read row group by row group, ids from the text, --lang-default for the language; the same
// file from the Hub through hf:REPO@REVISION:PATH.
import { parquetWriteBuffer } from "hyparquet-writer";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importCorpus } from "../../harness/corpus/import.ts";
import { searchCorpus } from "../../harness/corpus/search.ts";
import { CorpusStore } from "../../harness/corpus/store.ts";
import { startFakeHub, type FakeHub } from "../data/fake-hub.ts";
import { tempDir } from "../helpers.ts";

const TEXTS = [
  "El hígado es un órgano que filtra la sangre.",
  "La hepatitis es una inflamación del hígado.\n\nPuede ser causada por virus.",
  "Los riñones producen la orina.",
  "El corazón bombea la sangre.",
  "La insulina regula la glucosa en sangre.",
];

function textOnlyParquet(): Buffer {
  return Buffer.from(parquetWriteBuffer({ columnData: [{ name: "text", data: TEXTS, type: "STRING" }], rowGroupSize: 2 }));
}

describe("corpus import (parquet, Hub)", () => {
  let dir: string;
  let hub: FakeHub;
  const COMMIT = "0123456789abcdef0123456789abcdef01234567";
  const toFakeHub: typeof fetch = (input, init) => fetch(String(input).replace("https://huggingface.co", hub.endpoint), init);

  beforeAll(async () => {
    dir = tempDir("medeval-corpus-parquet-");
    hub = await startFakeHub();
    hub.files.set(`HiTZ/corpus@${COMMIT}:es/train.parquet`, { body: textOnlyParquet(), mode: "lfs", commit: COMMIT });
  });
  afterAll(async () => {
    await hub.close();
  });

  it("reads a text-only parquet in row groups, ids from the text so a re-import skips all", async () => {
    const file = join(dir, "corpus.parquet");
    writeFileSync(file, textOnlyParquet());
    const store = await CorpusStore.open(join(dir, "local"));
    const report = await importCorpus(store, file, { name: "mmc", langDefault: "es", batchSize: 2 });
    expect(report).toMatchObject({ read: 5, passages_added: 5, chunks_added: 5, rejected: 0 });
    const hits = await searchCorpus(store, "mmc", "hepatitis hígado", { lang: "es", k: 1 });
    expect(hits[0].id).toMatch(/^sha256:[0-9a-f]{16}#0$/);
    expect(hits[0].text).toContain("La hepatitis es una inflamación del hígado.\n\nPuede ser causada por virus.");
    expect((await importCorpus(store, file, { name: "mmc", langDefault: "es" })).skipped).toBe(5);
    const noLang = await importCorpus(store, file, { name: "mmc" });
    expect(noLang.rejects[0]).toMatchObject({ where: "row 1", field: "lang" });
    store.close();
  });

  it("downloads hf:REPO@REVISION:PATH through the Hub client and imports it", async () => {
    const store = await CorpusStore.open(join(dir, "hub-store"));
    const report = await importCorpus(store, `hf:HiTZ/corpus@${COMMIT}:es/train.parquet`, { name: "mmc", langDefault: "es", hub: { fetch: toFakeHub, home: join(dir, "home") } });
    expect(report.passages_added).toBe(5);
    expect(report.hub).toMatchObject({ repo: "HiTZ/corpus", commit: COMMIT, path: "es/train.parquet" });
    store.close();
  });
});
