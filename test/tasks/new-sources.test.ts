// The Italian/Spanish sets added beside the paper's benchmarks: HEAD-QA v2, MED-ITA and the
// medical categories of MMLU-ProX, each loaded from rows written here in the source's own
// format (parquet on a fake Hub with the card's columns; MED-ITA's jsonl), through the shipped
// tasks/*.yaml entries.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parquetWriteBuffer } from "hyparquet-writer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeTasks } from "../../harness/tasks/describe-tasks.ts";
import { loadItems, loadRegistry, type TaskSpec } from "../../harness/tasks/index.ts";
import { UserError } from "../../harness/types.ts";
import { startFakeHub, type FakeHub } from "../data/fake-hub.ts";
import { tempDir } from "../helpers.ts";

const registry = loadRegistry();
const COMMIT = "0123456789abcdef0123456789abcdef01234567";

/** HEAD-QA v2's parquet schema as its dataset card gives it: answers is a list of {aid, atext}, image a struct. */
function headqaV2Parquet(rows: { qid: number; qtext: string; ra: number; answers: { aid: number; atext: string }[]; year: number; category: string; name: string }[]): Buffer {
  const str = (name: string) => ({ name, type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" });
  const int = (name: string) => ({ name, type: "INT32", repetition_type: "OPTIONAL" });
  const schema = [
    { name: "root", num_children: 8 },
    int("qid"),
    str("qtext"),
    int("ra"),
    { name: "answers", repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
    { name: "list", repetition_type: "REPEATED", num_children: 1 },
    { name: "element", repetition_type: "OPTIONAL", num_children: 2 },
    int("aid"),
    str("atext"),
    int("year"),
    str("category"),
    str("name"),
    { name: "image", repetition_type: "OPTIONAL", num_children: 2 },
    { name: "bytes", type: "BYTE_ARRAY", repetition_type: "OPTIONAL" },
    str("path"),
  ];
  const column = <K extends keyof (typeof rows)[number]>(name: K) => ({ name, data: rows.map((r) => r[name]) });
  const buffer = parquetWriteBuffer({
    schema,
    columnData: [column("qid"), column("qtext"), column("ra"), column("answers"), column("year"), column("category"), column("name"), { name: "image", data: rows.map((r, i) => (i === 0 ? { bytes: new Uint8Array([137, 80, 78, 71]), path: "q1.png" } : null)) }],
  } as Parameters<typeof parquetWriteBuffer>[0]);
  return Buffer.from(buffer);
}

/** MMLU-ProX's columns (lm-evaluation-harness mmlu_prox utils): option_0..option_9, null past a question's last option. */
function mmluProxParquet(rows: { question_id: number; question: string; options: string[]; answer: string; category: string }[]): Buffer {
  const options = Array.from({ length: 10 }, (_, k) => ({ name: `option_${k}`, data: rows.map((r) => r.options[k] ?? null), type: "STRING" as const }));
  return Buffer.from(
    parquetWriteBuffer({
      columnData: [
        { name: "question_id", data: rows.map((r) => BigInt(r.question_id)), type: "INT64" },
        { name: "question", data: rows.map((r) => r.question), type: "STRING" },
        ...options,
        { name: "answer", data: rows.map((r) => r.answer), type: "STRING" },
        { name: "answer_index", data: rows.map((r) => BigInt("ABCDEFGHIJ".indexOf(r.answer))), type: "INT64" },
        { name: "cot_content", data: rows.map(() => ""), type: "STRING" },
        { name: "category", data: rows.map((r) => r.category), type: "STRING" },
        { name: "src", data: rows.map((r) => `ori_mmlu-${r.category}`), type: "STRING" },
      ],
    }),
  );
}

describe("new Italian/Spanish sets from the Hub (fake Hub, the sources' own columns)", () => {
  let hub: FakeHub;
  const viaFakeHub: typeof fetch = (input, init) => fetch(String(input).replace("https://huggingface.co", hub.endpoint), init);
  const load = (task: TaskSpec, split: "test" | "pool") => loadItems(task, split, { home: tempDir("medeval-home-"), fetch: viaFakeHub, dataDir: tempDir() });

  beforeAll(async () => {
    hub = await startFakeHub();
    const headqa = headqaV2Parquet([
      { qid: 1, qtext: "¿Qué fármaco es un IECA?", ra: 3, answers: [1, 2, 3, 4].map((aid) => ({ aid, atext: ["Atenolol", "Amlodipino", "Enalapril", "Losartán"][aid - 1] })), year: 2013, category: "pharmacology", name: "Cuaderno_2013_1_F" },
      { qid: 1, qtext: "¿Cuál es la capital funcional del riñón?", ra: 1, answers: [1, 2, 3, 4, 5].map((aid) => ({ aid, atext: `opción ${aid}` })), year: 2014, category: "medicine", name: "Cuaderno_2014_1_M" },
    ]);
    hub.files.set("alesi12/head_qa_v2@main:es/train-00000-of-00001.parquet", { body: headqa, mode: "lfs", commit: COMMIT });
    const prox = (lang: string, split: string, rows: Parameters<typeof mmluProxParquet>[0]) =>
      hub.files.set(`li-lab/MMLU-ProX@main:${lang}/${split}-00000-of-00001.parquet`, { body: mmluProxParquet(rows), mode: "lfs", commit: COMMIT });
    const ten = Array.from({ length: 10 }, (_, k) => `opzione ${k + 1}`);
    prox("it", "test", [
      { question_id: 7001, question: "Quale ormone regola la glicemia?", options: ten, answer: "J", category: "health" },
      { question_id: 7002, question: "Quale organo produce la bile?", options: ten.slice(0, 4), answer: "B", category: "health" },
      { question_id: 7003, question: "Qual è il valore di π?", options: ten, answer: "A", category: "math" },
      { question_id: 7004, question: "Che cosa trasporta l'mRNA?", options: ten, answer: "C", category: "biology" },
    ]);
    prox("it", "validation", [
      { question_id: 1, question: "Esempio di salute?", options: ten, answer: "D", category: "health" },
      { question_id: 2, question: "Esempio di fisica?", options: ten, answer: "E", category: "physics" },
    ]);
  });
  afterAll(async () => {
    await hub.close();
  });

  it("HEAD-QA v2 (alesi12/head_qa_v2): answers [{aid, atext}], ra by aid, ids year_name_qid, the image column read past", async () => {
    const task = registry.get("headqa_v2.es")!;
    expect(task).toMatchObject({ domain: "out-of-domain", license: "MIT", declaredSize: { test: 12751 }, pool: null });
    const { items, source } = await load(task, "test");
    expect(items.map((i) => [i.id, i.options.length, i.answer, i.subject])).toEqual([
      ["2013_Cuaderno_2013_1_F_1", 4, 2, "pharmacology"],
      ["2014_Cuaderno_2014_1_M_1", 5, 0, "medicine"],
    ]);
    expect(items[0].options[2]).toBe("Enalapril");
    expect(source).toMatchObject({ kind: "hub", location: "alesi12/head_qa_v2", revision: COMMIT, n: 2 });
    // en and it read the same layout from their own config folders.
    expect(registry.get("headqa_v2.it")!.test!.hub!.path).toBe("it/train-00000-of-00001.parquet");
    expect(registry.get("headqa_v2.en")!.test!.hub!.path).toBe("en/train-00000-of-00001.parquet");
  });

  it("MMLU-ProX medical (li-lab/MMLU-ProX): up to 10 options, null ones left out, letter answers, rows of the category only", async () => {
    const health = registry.get("mmlu_prox_medical.health.it")!;
    expect(health).toMatchObject({ subject: "health", group: "mmlu_prox_medical", license: "MIT" });
    const { items } = await load(health, "test");
    expect(items.map((i) => [i.id, i.options.length, i.answer, i.subject])).toEqual([
      ["7001", 10, 9, "health"],
      ["7002", 4, 1, "health"],
    ]);
    const biology = await load(registry.get("mmlu_prox_medical.biology.it")!, "test");
    expect(biology.items.map((i) => i.id)).toEqual(["7004"]);
    const pool = await load(health, "pool");
    expect(pool.items.map((i) => [i.id, i.answer])).toEqual([["1", 3]]);
    // the group selects both categories in a language, beside Global-MMLU's mmlu_medical
    expect(registry.resolve("mmlu_prox_medical.es").map((t) => t.id)).toEqual(["mmlu_prox_medical.health.es", "mmlu_prox_medical.biology.es"]);
  });

  it("an answer letter past the question's options is an error naming the row", async () => {
    hub.files.set("li-lab/MMLU-ProX@main:es/test-00000-of-00001.parquet", {
      body: mmluProxParquet([{ question_id: 9, question: "¿Qué?", options: ["a", "b", "c"], answer: "F", category: "health" }]),
      mode: "lfs",
      commit: COMMIT,
    });
    const error = await load(registry.get("mmlu_prox_medical.health.es")!, "test").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(/row 1: field "answer".*"F" is out of range for 3 options/);
  });
});

describe("MED-ITA (Crisp-Unimib/MED-ITA dataset.jsonl, pinned by sha256)", () => {
  const ROWS = [
    { question: "L'arteria gastroepiploica destra:", options: [{ A: "è un ramo dell'arteria mammaria" }, { B: "è un ramo dell'arteria gastro-duodenale" }, { C: "nasce dall'aorta" }, { D: "si anastomizza con l'epigastrica" }, { E: "è un ramo della mesenterica" }], answer: "B", category: "Cardiochirurgia", macrocategory: "Chirurgia" },
    { question: "La sensibilità di un test di screening è il rapporto tra:", options: [{ A: "Malati positivi e totale dei malati" }, { B: "Malati negativi e totale dei malati" }, { C: "Non malati positivi" }, { D: "Non malati negativi" }, { E: "Nessuna" }], answer: "A", category: "Statistica_Sanitaria_e_Biometria", macrocategory: "Servizi" },
  ];
  const writeDataset = (rows: unknown[]) => {
    const dataDir = tempDir();
    mkdirSync(join(dataDir, "med-ita"), { recursive: true });
    writeFileSync(join(dataDir, "med-ita", "dataset.jsonl"), rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
    return dataDir;
  };
  const task = registry.get("med_ita.it")!;
  /** The shipped entry without its sha256, so rows written here can stand in for the real file. */
  const unpinned: TaskSpec = { ...task, test: { local: { ...task.test!.local!, sha256: undefined } } };

  it("reads [{A: text}, …] options by key, the category as subject, line numbers as ids", async () => {
    expect(task).toMatchObject({ license: "MIT", declaredSize: { test: 10000, pool: 5 } });
    const { items } = await loadItems(unpinned, "test", { dataDir: writeDataset(ROWS), offline: true });
    expect(items.map((i) => [i.id, i.options.length, i.answer, i.subject])).toEqual([
      ["0", 5, 1, "Cardiochirurgia"],
      ["1", 5, 0, "Statistica_Sanitaria_e_Biometria"],
    ]);
    expect(items[0].options[1]).toBe("è un ramo dell'arteria gastro-duodenale");
  });

  it("a file other than the pinned one is refused, with what to do", async () => {
    const error = await loadItems(task, "test", { dataDir: writeDataset(ROWS), offline: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(/dataset\.jsonl: sha256 .* is not the 4fef633837c7… registered for med_ita\.it/);
  });

  it("an option that is not one key and its text is an error naming the line", async () => {
    const broken = { ...ROWS[0], options: [{ A: "uno", B: "due" }, { C: "tre" }] };
    const error = await loadItems(unpinned, "test", { dataDir: writeDataset([ROWS[1], broken]), offline: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(/dataset\.jsonl, line 2: field "options\[0\]": expected one key and its text/);
  });
});

describe("medeval tasks shows licence and the card's size for the new sets", () => {
  it("card sizes where nothing local is there to count; licence from the task file", async () => {
    const rows = await describeTasks(registry.resolve("headqa_v2.it,med_ita.it,mmlu_prox_medical.health.es"), tempDir());
    expect(rows.map((r) => [r.id, r.size, r.card_size, r.card_pool_size, r.license, r.unpinned])).toEqual([
      ["headqa_v2.it", null, 12751, null, "MIT", ["test"]],
      ["med_ita.it", null, 10000, 5, "MIT", []],
      ["mmlu_prox_medical.health.es", null, null, null, "MIT", ["test", "pool"]],
    ]);
    expect(rows[1].source).toBe("local:med-ita/dataset.jsonl (missing)");
  });
});
