// The task files against the real data in ../shared/datasets: exact sizes and known answers.
import { describe, expect, it } from "vitest";
import { loadItems, loadRegistry } from "../../harness/tasks/index.ts";
import { SHARED_DATASETS, SKIP_SHARED_REASON, hasSharedDatasets } from "../helpers.ts";

const registry = loadRegistry();
const opts = { dataDir: SHARED_DATASETS, offline: true, fetch: () => Promise.reject(new Error("tests never download")) };
const load = (id: string, split: "test" | "pool" = "test") => loadItems(registry.get(id)!, split, opts);

describe.skipIf(!hasSharedDatasets)(`task files on ../shared/datasets (${SKIP_SHARED_REASON})`, () => {
  it("MedQA en: 1273 test, 1272 pool; the first test answer is B", async () => {
    const test = await load("medqa.en");
    expect(test.items).toHaveLength(1273);
    expect(test.source.kind).toBe("local");
    // PROVENANCE.md's sha256 of medqa/4_options/test.jsonl
    expect(test.source.files[0].sha256).toBe("c3b905ccfa66152dc25afbcb2c10e86c0bdb208824f0658fcdb2c040f60a2beb");
    expect(test.items[0]).toMatchObject({ id: "0", answer: 1, lang: "en" });
    expect(test.items[0].options[1]).toBe("Tell the attending that he cannot fail to disclose this mistake");
    expect((await load("medqa.en", "pool")).items).toHaveLength(1272);
  });

  it("MedMCQA en: 4183 items; cop 1 (1-based) of the first is answer index 0", async () => {
    const { items } = await load("medmcqa.en");
    expect(items).toHaveLength(4183);
    expect(items[0]).toMatchObject({ id: "45258d3d-b974-44dd-a161-c3fccbdadd88", answer: 0, subject: "Physiology" });
    expect(items[0].options).toHaveLength(4);
  });

  it("MMLU medical en: 135/265/144/173/100/272 test items, 5 dev items each", async () => {
    const sizes: Record<string, number> = {
      anatomy: 135,
      clinical_knowledge: 265,
      college_biology: 144,
      college_medicine: 173,
      medical_genetics: 100,
      professional_medicine: 272,
    };
    for (const [subject, n] of Object.entries(sizes)) {
      const { items } = await load(`mmlu_medical.${subject}.en`);
      expect(items, subject).toHaveLength(n);
      expect(items.every((i) => i.subject === subject && i.options.length === 4)).toBe(true);
      expect((await load(`mmlu_medical.${subject}.en`, "pool")).items).toHaveLength(5);
    }
    const anatomy = (await load("mmlu_medical.anatomy.en")).items;
    expect(anatomy[0]).toMatchObject({ answer: 0, question: "A lesion causing compression of the facial nerve at the stylomastoid foramen will cause ipsilateral" });
    expect(anatomy[1].question).toBe('A "dished face" profile is often associated with');
    expect(anatomy[1].answer).toBe(1);
  });

  it("HEAD-QA es and en: 2742 test items each, image questions kept, parallel answers", async () => {
    const es = (await load("headqa.es")).items;
    const en = (await load("headqa.en")).items;
    expect(es).toHaveLength(2742);
    expect(en).toHaveLength(2742);
    expect(es[0]).toMatchObject({ id: "Cuaderno_2016_1_B_1", answer: 1, question: "Forma fibras extracelulares con gran resistencia a la tensión:" });
    expect(es.map((i) => [i.id, i.answer])).toEqual(en.map((i) => [i.id, i.answer]));
  });

  it("MedExpQA/CasiMedicos: 117 test cases in es and it, 116 in en (en_test_0 has no question text)", async () => {
    const en = (await load("medexpqa.en")).items;
    const es = (await load("medexpqa.es")).items;
    const it_ = (await load("medexpqa.it")).items;
    expect(es).toHaveLength(117);
    expect(it_).toHaveLength(117);
    expect(en).toHaveLength(116);
    expect(en.map((i) => i.id)).not.toContain("en_test_0");
    expect(it_[0]).toMatchObject({ id: "it_test_0", answer: 3, subject: "GENETICA E IMMUNOLOGIA" });
    expect(it_[0].options[3]).toBe("Immunodeficienza combinata grave legata all'X.");
    // Four-option cases: the "nan" fifth option is dropped.
    expect(es.find((i) => i.id === "es_test_44")!.options).toHaveLength(4);
    expect(es.every((i) => !i.options.some((o) => o.toLowerCase() === "nan"))).toBe(true);
    expect((await load("medexpqa.it", "pool")).items).toHaveLength(380);
  });

  it("the same data always gives the same items hash", async () => {
    const first = await load("medqa.en");
    const second = await load("medqa.en");
    expect(second.source.items_hash).toBe(first.source.items_hash);
    expect(first.source.items_hash).toMatch(/^[0-9a-f]{64}$/);
  });
});
