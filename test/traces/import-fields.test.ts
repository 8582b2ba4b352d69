// Importing published trace sets in their own column names: presets for MedReason and
// medical-o1-reasoning-SFT on rows written in their formats (jsonl and parquet), a YAML
// field map in the tasks/*.yaml vocabulary, and rows that do not fit, rejected with a reason.
import { parquetWriteBuffer } from "hyparquet-writer";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { optionLines } from "../../harness/data/to-item.ts";
import { loadTraceFieldMap, TRACE_PRESETS } from "../../harness/traces/field-map.ts";
import { importTraces } from "../../harness/traces/import.ts";
import { allTraces } from "../../harness/traces/all-traces.ts";
import { TraceStore } from "../../harness/traces/store.ts";
import { UserError } from "../../harness/types.ts";
import { startFakeHub } from "../data/fake-hub.ts";
import { tempDir } from "../helpers.ts";
import { writeJsonl } from "./fixtures.ts";

/** A row as UCSC-VLAA/MedReason publishes it: options as "A. …" lines, the answer as the option's text. */
const medreason = (id: number, extra: Record<string, unknown> = {}) => ({
  dataset_name: "medmcqa",
  id_in_dataset: id,
  question: `Which nerve is injured in case ${id}?`,
  answer: "Ulnar nerve",
  reasoning: "Finding reasoning paths:\n1. Claw hand -> ulnar nerve.\nThe answer is the ulnar nerve.",
  options: "Answer Choices:\nA. Median nerve\nB. Ulnar nerve\nC. Radial nerve\nD. Axillary nerve",
  ...extra,
});

/** A row of FreedomIntelligence/medical-o1-reasoning-SFT (config en): an open question, no options. */
const medicalO1 = { Question: "A 45-year-old man has crushing chest pain. What is the most likely diagnosis?", Complex_CoT: "Chest pain radiating to the arm suggests…", Response: "Acute myocardial infarction." };

describe("optionLines", () => {
  it('reads "A. …", "B) …", "(C) …" lines after a heading, continuing wrapped lines; a letter out of order is text of the option above', () => {
    expect(optionLines("Answer Choices:\nA. one\nB) two\n  still two\n(C) three\nE. not D")).toEqual([
      { key: "A", text: "one" },
      { key: "B", text: "two still two" },
      { key: "C", text: "three E. not D" },
    ]);
    expect(optionLines("no options here")).toEqual([]);
  });
});

describe("importTraces with a field map", () => {
  let dir: string;
  let store: TraceStore;
  beforeAll(async () => {
    dir = tempDir("medeval-traces-fields-");
    store = await TraceStore.open(join(dir, "store"));
  });
  afterAll(() => store.close());

  it("imports MedReason rows (jsonl) with the medreason preset, rejecting rows that do not fit with the field and reason", async () => {
    const file = writeJsonl(dir, "medreason.jsonl", [
      medreason(1),
      medreason(2, { answer: "ulnar nerve." }),
      medreason(3, { answer: "Femoral nerve" }),
      medreason(4, { options: null }),
      medreason(5, { options: "Answer Choices: none" }),
      medreason(6, { reasoning: "" }),
      medreason(7, { options: "A. only one" }),
    ]);
    const report = await importTraces(store, file, { fieldMap: TRACE_PRESETS.medreason });
    expect(report).toMatchObject({ read: 7, added: 2, rejected: 5 });
    expect(report.rejects).toEqual([
      { where: "line 3", field: "answer", message: 'the answer "Femoral nerve" is not the text of any of this row\'s 4 options' },
      { where: "line 4", field: "options", message: expect.stringContaining("no answer options") },
      { where: "line 5", field: "options", message: expect.stringContaining("no option lines") },
      { where: "line 6", field: "reasoning", message: expect.any(String) },
      { where: "line 7", field: "options", message: "expected at least 2 options, found 1" },
    ]);
    const traces = (await allTraces(store, "en")).sort((a, b) => a.id.localeCompare(b.id));
    expect(traces.map((t) => [t.id, t.source_dataset, t.source_question_id, t.split, t.answer])).toEqual([
      ["medmcqa:1", "medmcqa", "1", "train", "B"],
      ["medmcqa:2", "medmcqa", "2", "train", "B"],
    ]);
    expect(traces[0].options).toEqual(["Median nerve", "Ulnar nerve", "Radial nerve", "Axillary nerve"]);
    expect(traces[0].reasoning).toContain("Claw hand");
  });

  it("imports MedReason rows from parquet the same way", async () => {
    const rows = [medreason(11), medreason(12)];
    const file = join(dir, "medreason.parquet");
    const column = (name: string) => ({ name, data: rows.map((r) => String(r[name as keyof typeof r])), type: "STRING" as const });
    writeFileSync(file, Buffer.from(parquetWriteBuffer({ columnData: ["dataset_name", "id_in_dataset", "question", "answer", "reasoning", "options"].map(column) })));
    const report = await importTraces(store, file, { fieldMap: loadTraceFieldMap("medreason") });
    expect(report).toMatchObject({ read: 2, added: 2, rejected: 0 });
  });

  it("imports MedReason rows from the Hub at a pinned commit", async () => {
    const hub = await startFakeHub();
    try {
      const commit = "89abcdef0123456789abcdef0123456789abcdef";
      const body = Buffer.from([medreason(21), medreason(22)].map((r) => JSON.stringify(r)).join("\n") + "\n");
      hub.files.set(`UCSC-VLAA/MedReason@${commit}:medreason.jsonl`, { body, mode: "lfs", commit });
      const toFakeHub: typeof fetch = (input, init) => fetch(String(input).replace("https://huggingface.co", hub.endpoint), init);
      const report = await importTraces(store, `hf:UCSC-VLAA/MedReason@${commit}:medreason.jsonl`, { fieldMap: TRACE_PRESETS.medreason, hub: { fetch: toFakeHub, home: join(dir, "home") } });
      expect(report).toMatchObject({ read: 2, added: 2, rejected: 0, hub: { repo: "UCSC-VLAA/MedReason", commit } });
    } finally {
      await hub.close();
    }
  });

  it("rejects every medical-o1-reasoning-SFT row with the reason (open questions), and imports one that carries options", async () => {
    const file = writeJsonl(dir, "o1.jsonl", [medicalO1, { ...medicalO1, options: "A. Stable angina\nB. Acute myocardial infarction\nC. Pericarditis" }]);
    const report = await importTraces(store, file, { fieldMap: TRACE_PRESETS["medical-o1"] });
    expect(report).toMatchObject({ read: 2, added: 1, rejected: 1 });
    expect(report.rejects[0]).toEqual({ where: "line 1", field: "options", message: expect.stringContaining("medeval keeps multiple-choice traces only") });
    const [t] = (await allTraces(store, "en")).filter((x) => x.source_dataset === "medical-o1-reasoning-sft");
    expect(t).toMatchObject({ id: "medical-o1-reasoning-sft:1", answer: "B", reasoning: "Chest pain radiating to the arm suggests…" });
  });

  it("reads medical-o1's Hub file, one JSON array in a .json, and a .json that holds JSON Lines", async () => {
    const rows = [medicalO1, { ...medicalO1, options: "A. Stable angina\nB. Acute myocardial infarction\nC. Pericarditis" }];
    const array = join(dir, "medical_o1_sft.json");
    writeFileSync(array, JSON.stringify(rows, null, 2));
    const report = await importTraces(store, array, { fieldMap: TRACE_PRESETS["medical-o1"] });
    expect(report).toMatchObject({ read: 2, rejected: 1 });
    expect(report.rejects[0]).toMatchObject({ where: "record 1", field: "options" });
    const lines = join(dir, "o1-lines.json");
    writeFileSync(lines, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
    expect(await importTraces(store, lines, { fieldMap: TRACE_PRESETS["medical-o1"] })).toMatchObject({ read: 2, rejected: 1, rejects: [{ where: "line 1" }] });
  });

  it("reads a YAML field map in the tasks/*.yaml vocabulary (object options, index answer, language from a field)", async () => {
    const map = join(dir, "fields.yaml");
    writeFileSync(
      map,
      ["question: q.text", "options: { object: q.choices }", "answer: { field: gold, encoding: index1 }", "reasoning: cot", "source_question_id: [exam, n]", "source_dataset: { value: mir }", "lang: { field: language }", ""].join("\n"),
    );
    const file = writeJsonl(dir, "own.jsonl", [
      { q: { text: "¿Cuál es la capital?", choices: { "1": "Roma", "2": "Madrid" } }, gold: 2, cot: "Razonamiento.", exam: "2019", n: 7, language: "es" },
      { q: { text: "Sin idioma", choices: { "1": "a", "2": "b" } }, gold: 1, cot: "x", exam: "2019", n: 8 },
    ]);
    const report = await importTraces(store, file, { fieldMap: loadTraceFieldMap(map) });
    expect(report).toMatchObject({ added: 1, rejected: 1, rejects: [{ where: "line 2", field: "language", message: "language: missing" }] });
    expect(await allTraces(store, "es")).toMatchObject([{ id: "mir:2019_7", source_question_id: "2019_7", answer: "B", options: ["Roma", "Madrid"], split: "unknown" }]);
  });

  it("names the file and the field of a bad field map, and an unknown preset", () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "question: q\noptions: { list: x }\nanswer: { field: a, encoding: letter }\nreasoning: r\nsource_dataset: { value: d }\n");
    expect(() => loadTraceFieldMap(bad)).toThrow(UserError);
    expect(() => loadTraceFieldMap(bad)).toThrow(/bad\.yaml: options/);
    expect(() => loadTraceFieldMap("medreasn")).toThrow(/neither a preset \(medreason, medical-o1, medeval-sft\) nor a file/);
  });
});
