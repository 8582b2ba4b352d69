import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parquetWriteBuffer } from "hyparquet-writer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashJson, sha256 } from "../../harness/hash.ts";
import { itemsHash, loadItems, loadRegistry, type FieldMap, type SourceSpec, type TaskSpec } from "../../harness/tasks/index.ts";
import { UserError } from "../../harness/types.ts";
import { startFakeHub, type FakeHub } from "../data/fake-hub.ts";
import { tempDir } from "../helpers.ts";

const FIXTURES = resolve(import.meta.dirname, "..", "fixtures", "data");
const fixtures = loadRegistry(join(FIXTURES, "tasks"));
const FIXTURE_DATA = join(FIXTURES, "datadir");

const JSONL_FIELDS: FieldMap = {
  id: "id",
  question: "q",
  options: { array: "opts" },
  answer: { field: "a", encoding: "index0" },
};

/** A one-split task over a file written into a fresh data dir. */
function taskWithFile(name: string, content: string, source: Partial<NonNullable<SourceSpec["local"]>> = {}): { task: TaskSpec; dataDir: string } {
  const dataDir = tempDir("medeval-items-");
  const path = `t/${name}`;
  mkdirSync(join(dataDir, "t"), { recursive: true });
  writeFileSync(join(dataDir, path), content);
  const task: TaskSpec = {
    id: "t.en",
    family: "t",
    lang: "en",
    domain: "in-domain",
    test: { local: { path, format: { type: "jsonl" }, fields: JSONL_FIELDS, ...source } },
    pool: null,
    file: "tasks/t.yaml",
  };
  return { task, dataDir };
}

async function errorOf(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UserError);
  return error as UserError;
}

const line = (row: object) => `${JSON.stringify(row)}\n`;

describe("loadItems from local files", () => {
  it("maps a user's task: keyed options with gaps and 'nan', exclusions, subjects, ids", async () => {
    const task = fixtures.get("demo.it")!;
    const { items, source } = await loadItems(task, "test", { dataDir: FIXTURE_DATA });
    expect(items.map((i) => [i.id, i.options, i.answer, i.subject])).toEqual([
      ["q-1", ["Vena cava", "Vene polmonari", "Aorta", "Arteria polmonare"], 1, "anatomia"],
      ["q-2", ["Adrenalina", "Cortisone", "Antistaminico"], 2, "farmacologia"],
      // keys in numeric order: 2, 4, 10
      ["q-3", ["Due", "Quattro", "Dieci"], 1, undefined],
    ]);
    expect(items.every((i) => i.lang === "it")).toBe(true);
    const first = items[0];
    expect(first.hash).toBe(hashJson({ question: first.question, options: first.options, answer: first.answer }));
    const file = join(FIXTURE_DATA, "demo/test.it.jsonl");
    expect(source).toEqual({
      task: "demo.it",
      kind: "local",
      location: file,
      files: [{ path: "demo/test.it.jsonl", sha256: sha256(readFileSync(file)) }],
      items_hash: sha256(items.map((i) => i.hash).join("\n")),
      n: 3,
    });
    expect(itemsHash(items)).toBe(source.items_hash);
  });

  it("reads a headered CSV pool with quoted commas and quotes, ids being row numbers", async () => {
    const { items } = await loadItems(fixtures.get("demo.it")!, "pool", { dataDir: FIXTURE_DATA });
    expect(items.map((i) => [i.id, i.question, i.answer])).toEqual([
      ["0", "Organo che produce l'insulina, in parte?", 1],
      ["1", 'Il "gold standard" per la TVP è:', 3],
    ]);
  });

  it("flattens HEAD-QA's exams → data, keeping image questions, ids <exam>_<qid>", async () => {
    const { items } = await loadItems(fixtures.get("headqa_mini.es")!, "test", { dataDir: FIXTURE_DATA });
    expect(items.map((i) => [i.id, i.answer, i.subject])).toEqual([
      ["Cuaderno_2013_1_M_1", 2, "medicine"],
      ["Cuaderno_2013_1_M_2", 0, "medicine"],
      ["Cuaderno_2014_1_E_1", 3, "nursery"],
    ]);
  });

  it("decodes letter, index0 and index1 answers, option columns and arrays", async () => {
    const rows = line({ id: "x", q: "Q?", a: "C", o1: "a", o2: "b", o3: "c" }) + line({ id: "y", q: "Q2?", a: "a", o1: "a", o2: "b", o3: "c" });
    const columns = { columns: ["o1", "o2", "o3"] };
    const letter = taskWithFile("l.jsonl", rows, { fields: { question: "q", options: columns, answer: { field: "a", encoding: "letter" } } });
    expect((await loadItems(letter.task, "test", letter)).items.map((i) => i.answer)).toEqual([2, 0]);
    const ints = line({ q: "Q?", a: 2, o: ["a", "b", "c"] }) + line({ q: "Q2?", a: "3", o: ["a", "b", "c"] });
    const index1 = taskWithFile("i.jsonl", ints, { fields: { question: "q", options: { array: "o" }, answer: { field: "a", encoding: "index1" } } });
    expect((await loadItems(index1.task, "test", index1)).items.map((i) => i.answer)).toEqual([1, 2]);
    const zeros = line({ q: "Q?", a: 0, o: ["a", "b", "c"] }) + line({ q: "Q2?", a: " 2 ", o: ["a", "b", "c"] });
    const index0 = taskWithFile("z.jsonl", zeros, { fields: { question: "q", options: { array: "o" }, answer: { field: "a", encoding: "index0" } } });
    expect((await loadItems(index0.task, "test", index0)).items.map((i) => i.answer)).toEqual([0, 2]);
  });

  it("keeps only the rows a filter selects (Global-MMLU by subject)", async () => {
    const rows = ["anatomy", "virology", "anatomy"].map((subject, i) => line({ id: `s${i}`, subject, q: `Q${i}`, opts: ["x", "y"], a: 1 })).join("");
    const { task, dataDir } = taskWithFile("f.jsonl", rows, { filter: { subject: "anatomy" } });
    const { items } = await loadItems(task, "test", { dataDir });
    expect(items.map((i) => i.id)).toEqual(["s0", "s2"]);
  });
});

describe("malformed rows are errors naming file, line and field", () => {
  const cases: [string, object, RegExp][] = [
    ["a missing question", { id: "1", opts: ["x", "y"], a: 0 }, /line 2: field "q": missing/],
    ["an empty question", { id: "1", q: "  ", opts: ["x", "y"], a: 0 }, /line 2: field "q": empty/],
    ["an answer out of range", { id: "1", q: "Q", opts: ["x", "y"], a: 2 }, /line 2: field "a": answer 2 is out of range for 2 options \(expected 0-1, index0\)/],
    ["a non-integer answer", { id: "1", q: "Q", opts: ["x", "y"], a: "B" }, /line 2: field "a": expected an integer \(index0\), found "B"/],
    ["fewer than two options", { id: "1", q: "Q", opts: ["only"], a: 0 }, /line 2: field "opts": expected at least 2 options, found 1/],
    ["options that are not a list", { id: "1", q: "Q", opts: "x|y", a: 0 }, /line 2: field "opts": expected an array of options/],
    ["an empty option", { id: "1", q: "Q", opts: ["x", ""], a: 0 }, /line 2: field "opts\[1\]": empty option/],
    ["a missing id", { q: "Q", opts: ["x", "y"], a: 0 }, /line 2: field "id": expected an id/],
  ];
  for (const [what, row, message] of cases) {
    it(`reports ${what}`, async () => {
      const { task, dataDir } = taskWithFile("bad.jsonl", line({ id: "0", q: "fine", opts: ["x", "y"], a: 1 }) + line(row));
      const error = await errorOf(loadItems(task, "test", { dataDir }));
      expect(error.message).toContain(join(dataDir, "t/bad.jsonl"));
      expect(error.message).toMatch(message);
    });
  }

  it("reports an answer key that is not among the row's options", async () => {
    const row = { id: "1", q: "Q", opts: { "1": "x", "2": "y", "4": "nan" }, a: "4" };
    const { task, dataDir } = taskWithFile("k.jsonl", line(row), {
      fields: { id: "id", question: "q", options: { object: "opts", absent: ["nan"] }, answer: { field: "a", encoding: "key" } },
    });
    expect((await errorOf(loadItems(task, "test", { dataDir }))).message).toMatch(/line 1: field "a": the answer "4" is not among this row's options \(keys 1, 2\)/);
  });

  it("reports duplicate ids with both places", async () => {
    const rows = line({ id: "dup", q: "Q1", opts: ["x", "y"], a: 0 }) + line({ id: "u", q: "Q2", opts: ["x", "y"], a: 0 }) + line({ id: "dup", q: "Q3", opts: ["x", "y"], a: 1 });
    const { task, dataDir } = taskWithFile("d.jsonl", rows);
    expect((await errorOf(loadItems(task, "test", { dataDir }))).message).toMatch(/line 3: duplicate id "dup" \(first at line 1\)/);
  });

  it("reports an exclude list naming ids that are not there", async () => {
    const { task, dataDir } = taskWithFile("e.jsonl", line({ id: "a", q: "Q", opts: ["x", "y"], a: 0 }), { exclude: ["gone"] });
    expect((await errorOf(loadItems(task, "test", { dataDir }))).message).toContain("names ids not found in the file: gone");
  });
});

describe("tasks without usable data explain how to configure them", () => {
  const registry = loadRegistry();

  it("MedQA in Italian: which YAML keys to set, or --tasks-dir", async () => {
    const message = (await errorOf(loadItems(registry.get("medqa.it")!, "test", { dataDir: tempDir() }))).message;
    expect(message).toContain("medqa.it has no test set configured");
    expect(message).toContain("medqa.yaml");
    expect(message).toContain("languages.it.test.local: { path:");
    expect(message).toContain("languages.it.test.hub: { repo:");
    expect(message).toContain("--tasks-dir");
    expect((await errorOf(loadItems(registry.get("medmcqa.es")!, "pool", {}))).message).toContain("medmcqa.es has no few-shot pool configured");
  });

  it("a local-only source without a data directory or file", async () => {
    const task = fixtures.get("demo.it")!;
    const previous = process.env.MEDEVAL_DATA_DIR;
    delete process.env.MEDEVAL_DATA_DIR;
    try {
      expect((await errorOf(loadItems(task, "test", {}))).message).toContain("pass --data-dir DIR or set MEDEVAL_DATA_DIR");
    } finally {
      if (previous !== undefined) process.env.MEDEVAL_DATA_DIR = previous;
    }
    const empty = tempDir();
    const message = (await errorOf(loadItems(task, "test", { dataDir: empty }))).message;
    expect(message).toContain(`${join(empty, "demo/test.it.jsonl")} does not exist`);
    expect(message).toContain("languages.it.test.hub");
  });
});

describe("loadItems from the Hub", () => {
  let hub: FakeHub;
  const COMMIT = "fedcba9876543210fedcba9876543210fedcba98";
  // The injected fetch sends huggingface.co requests to the fake Hub instead.
  const toFakeHub: typeof fetch = (input, init) => fetch(String(input).replace("https://huggingface.co", hub.endpoint), init);

  beforeAll(async () => {
    hub = await startFakeHub();
    const parquet = parquetWriteBuffer({
      columnData: [
        { name: "id", data: ["m1", "m2"], type: "STRING" },
        { name: "question", data: ["Which nerve?", "Which vitamin?"], type: "STRING" },
        { name: "opa", data: ["Facial", "A"], type: "STRING" },
        { name: "opb", data: ["Vagus", "B12"], type: "STRING" },
        { name: "opc", data: ["Optic", "C"], type: "STRING" },
        { name: "opd", data: ["Ulnar", "D"], type: "STRING" },
        { name: "cop", data: [1n, 3n], type: "INT64" },
      ],
    });
    hub.files.set("org/medmcqa@main:data/validation.parquet", { body: Buffer.from(parquet), mode: "lfs", commit: COMMIT });
  });
  afterAll(async () => {
    await hub.close();
  });

  const hubTask = (dataDirFile?: string): TaskSpec => ({
    id: "mm.en",
    family: "mm",
    lang: "en",
    domain: "in-domain",
    test: {
      ...(dataDirFile
        ? { local: { path: dataDirFile, format: { type: "jsonl" as const }, fields: { id: "id", question: "question", options: { columns: ["opa", "opb"] }, answer: { field: "cop", encoding: "index1" as const } } } }
        : {}),
      hub: {
        repo: "org/medmcqa",
        revision: "main",
        path: "data/validation.parquet",
        format: { type: "parquet" },
        fields: { id: "id", question: "question", options: { columns: ["opa", "opb", "opc", "opd"] }, answer: { field: "cop", encoding: "index0" } },
      },
    },
    pool: null,
    file: "tasks/mm.yaml",
  });

  it("downloads, caches and maps a parquet file, recording the resolved commit", async () => {
    const home = tempDir("medeval-home-");
    const { items, source } = await loadItems(hubTask(), "test", { home, fetch: toFakeHub, dataDir: tempDir() });
    expect(items.map((i) => [i.id, i.answer, i.options.length])).toEqual([
      ["m1", 1, 4],
      ["m2", 3, 4],
    ]);
    expect(source).toMatchObject({ kind: "hub", location: "org/medmcqa", revision: COMMIT, n: 2 });
    expect(source.files).toEqual([{ path: "data/validation.parquet", sha256: sha256(Buffer.from(readFileSync(join(home, "hub/datasets/org/medmcqa/main/data/validation.parquet")))) }]);
    const offline = await loadItems(hubTask(), "test", { home, offline: true, fetch: () => Promise.reject(new Error("no network in this test")) });
    expect(offline.source.items_hash).toBe(source.items_hash);
  });

  it("prefers the local file when the data directory has it", async () => {
    const dataDir = tempDir();
    mkdirSync(dirname(join(dataDir, "mm/val.jsonl")), { recursive: true });
    writeFileSync(join(dataDir, "mm/val.jsonl"), line({ id: "L1", question: "Local?", opa: "yes", opb: "no", cop: 1 }));
    const { items, source } = await loadItems(hubTask("mm/val.jsonl"), "test", { dataDir, fetch: () => Promise.reject(new Error("must not download")) });
    expect(source.kind).toBe("local");
    expect(items.map((i) => [i.id, i.answer])).toEqual([["L1", 0]]);
  });
});
