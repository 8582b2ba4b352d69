// A real corpus: the CasiMedicos doctors' explanations (en/es/it) from ../shared/datasets,
// imported with the text read from `explanation`; a medical term finds passages containing it.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importCorpus } from "../../harness/corpus/import.ts";
import { searchCorpus } from "../../harness/corpus/search.ts";
import { CorpusStore } from "../../harness/corpus/store.ts";
import { SHARED_DATASETS, SKIP_SHARED_REASON, tempDir } from "../helpers.ts";

const fileOf = (lang: string) => join(SHARED_DATASETS, "casimedicos", `casimedicos_${lang}_train.jsonl`);
const LANGS = ["en", "es", "it"];
const present = LANGS.every((lang) => existsSync(fileOf(lang)));

describe.skipIf(!present)(`CasiMedicos explanations as a corpus${present ? "" : ` (skipped: ${SKIP_SHARED_REASON}, or casimedicos/*_train.jsonl missing)`}`, () => {
  let store: CorpusStore;

  beforeAll(async () => {
    store = await CorpusStore.open(join(tempDir("medeval-corpus-casi-"), "store"));
    for (const lang of LANGS) {
      const report = await importCorpus(store, fileOf(lang), { name: "casimedicos", fields: { text: "explanation" } });
      expect(report.rejected).toBe(0);
      expect(report.passages_added).toBe(report.read);
      expect(report.chunks_by_lang[lang]).toBeGreaterThanOrEqual(report.read);
    }
  }, 120_000);
  afterAll(() => store?.close());

  it.each([
    ["en", "pneumonia", /pneumon/i],
    ["es", "neumonía", /neumon/i],
    ["it", "polmonite", /polmon/i],
    ["en", "tuberculosis", /tubercul/i],
  ])("%s: a search for %s returns passages containing it", async (lang, term, pattern) => {
    const hits = await searchCorpus(store, "casimedicos", term, { lang, k: 5 });
    expect(hits.length).toBeGreaterThan(0);
    expect(hits[0].language).toBe(lang);
    expect(hits[0].id).toMatch(new RegExp(`^${lang}_train_\\d+#\\d+$`));
    for (const hit of hits.slice(0, 3)) expect(hit.text).toMatch(pattern);
  });
});
