// The in-process BM25 index (harness/traces/bm25.ts) over a real LanceDB table: its scores
// against BM25 computed by hand from the same terms, the heap's top-k against a full sort,
// ties, stemming per language, and the saved file.
import { appendFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Bm25Index, bm25Path, buildBm25, docsPath, stemmerFor, termsOf } from "../../harness/traces/bm25.ts";
import { importTraces } from "../../harness/traces/import.ts";
import { normalizeQuestion } from "../../harness/traces/normalize.ts";
import { TraceStore } from "../../harness/traces/store.ts";
import { tempDir } from "../helpers.ts";
import { trace, writeJsonl } from "./fixtures.ts";

const WORDS = ["fever", "cough", "rash", "anemia", "fracture", "jaundice", "headache", "stroke", "sepsis", "asthma", "gout", "lupus"];

/** Questions of 3–12 words drawn from WORDS with repeats, deterministic. */
function questions(n: number): string[] {
  let state = 42;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31);
  // The LCG's high bits: its low ones cycle.
  const pick = (m: number) => (next() >> 16) % m;
  return Array.from({ length: n }, () => Array.from({ length: 3 + pick(10) }, () => WORDS[pick(WORDS.length)]).join(" "));
}

/** Lucene's BM25 for one document, from its terms, straight from the formula. */
function bruteScore(query: string[], doc: string[], docs: string[][]): number {
  const avg = docs.reduce((s, d) => s + d.length, 0) / docs.length;
  let score = 0;
  for (const term of new Set(query)) {
    const df = docs.filter((d) => d.includes(term)).length;
    const tf = doc.filter((t) => t === term).length;
    if (tf === 0) continue;
    const idf = Math.log(1 + (docs.length - df + 0.5) / (df + 0.5));
    score += (idf * tf) / (tf + 1.2 * (1 - 0.75 + (0.75 * doc.length) / avg));
  }
  return score;
}

describe("Bm25Index", () => {
  let dir: string;
  let store: TraceStore;
  const texts = questions(300);

  beforeAll(async () => {
    dir = tempDir("medeval-bm25-");
    store = await TraceStore.open(join(dir, "store"));
    await importTraces(store, writeJsonl(dir, "t.jsonl", texts.map((q, i) => trace(`t${i}`, "en", q))));
  });
  afterAll(() => store.close());

  it("scores every document as BM25 does by hand, best first, ties to the earlier document", async () => {
    const index = await store.bm25("en");
    expect(index.docs).toBe(texts.length);
    const stem = stemmerFor("en");
    const docs = texts.map((q) => termsOf(normalizeQuestion(q), stem));
    for (const query of [["fever"], ["sepsis", "gout"], ["lupus", "lupus", "asthma", "rash"], WORDS]) {
      const terms = query.map(stem);
      const hits = index.search(terms, texts.length);
      const expected = docs
        .map((d, i) => ({ doc: i, score: bruteScore(terms, d, docs) }))
        .filter((x) => x.score > 0)
        .sort((a, b) => b.score - a.score || a.doc - b.doc);
      expect(hits.map((h) => h.doc)).toEqual(expected.map((x) => x.doc));
      hits.forEach((h, i) => expect(h.score).toBeCloseTo(expected[i].score, 10));
      // The heap's top 7 is the full ranking's first 7; a deeper search extends it, unchanged.
      expect(index.search(terms, 7).map((h) => h.doc)).toEqual(expected.slice(0, 7).map((x) => x.doc));
    }
    expect(index.search([stem("unknownword")], 5)).toEqual([]);
  });

  it("matches words through the language's stemmer, and leaves languages without one as written", async () => {
    const own = await TraceStore.open(join(dir, "langs"));
    await importTraces(
      own,
      writeJsonl(dir, "langs.jsonl", [
        trace("it-1", "it", "Il paziente presenta dolori addominali."),
        trace("it-2", "it", "Una frattura del femore."),
        trace("es-1", "es", "Los pacientes presentan fiebre."),
        trace("es-2", "es", "Una fractura de cadera."),
        trace("ja-1", "ja", "患者 発熱"),
      ]),
    );
    const it_ = await own.bm25("it");
    expect(it_.search(it_.queryTerms("pazienti con dolore", 0), 5).map((h) => h.doc)).toEqual([0]);
    const es = await own.bm25("es");
    expect(es.search(es.queryTerms("paciente", 0), 5).map((h) => h.doc)).toEqual([0]);
    expect(stemmerFor("ja")("患者")).toBe("患者");
    expect((await own.bm25("ja")).df("発熱")).toBe(1);
    own.close();
  });

  it("keeps the rarest terms of a long question, in question order", async () => {
    const index = await store.bm25("en");
    const df = (w: string) => index.df(index.stem(w));
    const all = index.queryTerms("gout fever lupus cough fever zzyzx", 0);
    expect(all).toEqual(["gout", "fever", "lupus", "cough", "zzyzx"]);
    const three = index.queryTerms("gout fever lupus cough fever zzyzx", 3);
    const seen = ["gout", "fever", "lupus", "cough"];
    for (const w of seen) expect(df(w)).toBeGreaterThan(0);
    const rarest = [...seen].sort((a, b) => df(a) - df(b)).slice(0, 3);
    expect(three).toEqual(seen.filter((w) => rarest.includes(w)));
    expect(three).not.toContain("zzyzx"); // never seen: cannot match, goes last
  });

  it("keeps each document's trace in the documents file beside it, as the table has it", async () => {
    const index = await store.bm25("en");
    const table = await store.requireTable("en");
    const rows = await table.query().select(["id", "source_dataset", "source_question_id", "options", "answer", "split", "question", "reasoning"]).withRowId().toArray();
    expect(rows).toHaveLength(index.docs);
    for (const d of [0, 1, 150, index.docs - 1]) {
      const [hit] = index.search(index.queryTerms(texts[d], 0), index.docs).filter((h) => h.doc === d);
      const row = rows.find((r) => Number(r._rowid) === hit.rowId)!;
      expect(index.storedDoc(d)).toEqual({
        id: row.id,
        source_dataset: row.source_dataset,
        source_question_id: row.source_question_id,
        options: Array.from(row.options.toArray(), String),
        answer: row.answer,
        split: row.split ?? null,
        question: row.question,
        reasoning: row.reasoning,
      });
      expect(row.id).toBe(`t${d}`);
    }
  });

  it("leaves no half documents file behind when the scan fails", async () => {
    const table = await store.requireTable("en");
    const broken = Object.create(table) as typeof table;
    const failing = {
      async *[Symbol.asyncIterator]() {
        throw new Error("disk gone");
      },
    };
    broken.query = () => ({ select: () => ({ withRowId: () => failing }) }) as unknown as ReturnType<typeof table.query>;
    await expect(buildBm25(broken, "en", join(dir, "broken.bm25"))).rejects.toThrow(/disk gone/);
    expect(readdirSync(dir).filter((f) => f.startsWith("broken"))).toEqual([]);
  });

  it("saves and loads the same index, and refuses another table version, language or documents file", async () => {
    const table = await store.requireTable("en");
    const file = join(dir, "copy.bm25");
    const built = await buildBm25(table, "en", file);
    const loaded = Bm25Index.load(file, "en", built.version);
    expect(loaded).not.toBeNull();
    const terms = built.queryTerms("sepsis asthma stroke", 0);
    expect(loaded!.search(terms, 20)).toEqual(built.search(terms, 20));
    expect(loaded!.storedDoc(7)).toEqual(built.storedDoc(7));
    expect(Bm25Index.load(file, "en", built.version + 1)).toBeNull();
    expect(Bm25Index.load(file, "it", built.version)).toBeNull();
    expect(Bm25Index.load(join(dir, "missing.bm25"), "en", built.version)).toBeNull();
    // A documents file that is not the index's own (a crash between the two renames): rebuilt, not trusted.
    appendFileSync(docsPath(file), "x");
    expect(Bm25Index.load(file, "en", built.version)).toBeNull();
    rmSync(docsPath(file));
    expect(Bm25Index.load(file, "en", built.version)).toBeNull();
    expect(bm25Path("/s", "traces_en")).toBe("/s/traces_en.bm25");
    for (const index of [built, loaded!]) index.close();
  });
});
