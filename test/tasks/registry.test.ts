import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_TASKS_DIR, loadRegistry } from "../../harness/tasks/index.ts";
import { UserError } from "../../harness/types.ts";
import { tempDir } from "../helpers.ts";

const SUBJECTS = ["anatomy", "clinical_knowledge", "college_biology", "college_medicine", "medical_genetics", "professional_medicine"];

function tasksDir(files: Record<string, string>): string {
  const dir = tempDir("medeval-tasks-");
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function errorOf(fn: () => unknown): UserError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return err as UserError;
  }
  throw new Error("expected a UserError");
}

const MINIMAL = `
family: demo
domain: in-domain
fields:
  question: q
  options: { array: opts }
  answer: { field: a, encoding: index0 }
languages:
  en:
    test:
      local: { path: demo/test.jsonl, format: jsonl }
`;

describe("the repository's task registry", () => {
  const registry = loadRegistry();

  it("defines every family in every language of the paper", () => {
    const ids = registry.list().map((t) => t.id);
    // the paper's five families, then HEAD-QA v2 (es, en, it), MED-ITA (it), MMLU-ProX medical (2 categories × en, it, es)
    expect(ids).toHaveLength(3 + 3 + 6 * 3 + 2 + 3 + 3 + 1 + 2 * 3);
    for (const id of ["medqa.en", "medqa.it", "medqa.es", "medmcqa.en", "medmcqa.it", "medmcqa.es", "headqa.es", "headqa.en", "medexpqa.en", "medexpqa.es", "medexpqa.it"]) {
      expect(ids).toContain(id);
    }
    for (const subject of SUBJECTS) for (const lang of ["en", "it", "es"]) expect(ids).toContain(`mmlu_medical.${subject}.${lang}`);
    expect(registry.dir).toBe(DEFAULT_TASKS_DIR);
  });

  it("gives each task its domain, group and file", () => {
    const medqa = registry.get("medqa.en")!;
    expect(medqa).toMatchObject({ family: "medqa", lang: "en", domain: "in-domain" });
    expect(medqa.group).toBeUndefined();
    expect(medqa.file).toBe(join(DEFAULT_TASKS_DIR, "medqa.yaml"));
    const anatomy = registry.get("mmlu_medical.anatomy.it")!;
    expect(anatomy).toMatchObject({ family: "mmlu_medical", subject: "anatomy", lang: "it", domain: "out-of-domain", group: "mmlu_medical" });
    expect(registry.get("headqa.es")!.domain).toBe("out-of-domain");
    expect(registry.get("medexpqa.it")!.domain).toBe("out-of-domain");
    expect(registry.get("medmcqa.it")!.domain).toBe("in-domain");
  });

  it("fills {subject} into paths and filters", () => {
    const en = registry.get("mmlu_medical.college_biology.en")!;
    expect(en.test?.local?.path).toBe("mmlu/test/college_biology_test.csv");
    expect(en.pool?.local?.path).toBe("mmlu/dev/college_biology_dev.csv");
    expect(en.test?.hub?.path).toBe("college_biology/test-00000-of-00001.parquet");
    const es = registry.get("mmlu_medical.college_biology.es")!;
    expect(es.test?.hub).toMatchObject({ repo: "CohereLabs/Global-MMLU", path: "es/test-00000-of-00001.parquet", filter: { subject: "college_biology" } });
    expect(es.pool?.hub?.path).toBe("es/dev-00000-of-00001.parquet");
  });

  it("has no source for MedQA in Italian and Spanish, nor MedMCQA in Spanish", () => {
    for (const id of ["medqa.it", "medqa.es", "medmcqa.es"]) {
      expect(registry.get(id)!.test).toBeNull();
      expect(registry.get(id)!.pool).toBeNull();
    }
  });

  it("resolves one task, a family, a family in one language, a subject, and comma lists", () => {
    expect(registry.resolve("medqa.en").map((t) => t.id)).toEqual(["medqa.en"]);
    expect(registry.resolve("mmlu_medical.it").map((t) => t.id)).toEqual(SUBJECTS.map((s) => `mmlu_medical.${s}.it`));
    expect(registry.resolve("mmlu_medical")).toHaveLength(18);
    expect(registry.resolve("medqa").map((t) => t.lang)).toEqual(["en", "it", "es"]);
    expect(registry.resolve("mmlu_medical.anatomy").map((t) => t.id)).toEqual(["mmlu_medical.anatomy.en", "mmlu_medical.anatomy.it", "mmlu_medical.anatomy.es"]);
    expect(registry.resolve(" medqa.en , medqa ").map((t) => t.id)).toEqual(["medqa.en", "medqa.it", "medqa.es"]);
    expect(registry.resolve("all")).toHaveLength(registry.list().length);
  });

  it("names close matches for an unknown task", () => {
    expect(errorOf(() => registry.resolve("medqa.en,medqa.fr")).message).toMatch(/unknown task "medqa\.fr".*Did you mean: .*medqa\.(en|es)/);
    expect(errorOf(() => registry.resolve("mmlu_medcal.it")).message).toContain("mmlu_medical.it");
    expect(errorOf(() => registry.resolve("anatomy")).message).toContain("mmlu_medical.anatomy");
    expect(errorOf(() => registry.resolve(" , ")).message).toContain("no tasks selected");
  });
});

describe("task files of one's own (--tasks-dir)", () => {
  it("loads a user's family", () => {
    const registry = loadRegistry(tasksDir({ "demo.yaml": MINIMAL }));
    expect(registry.list().map((t) => t.id)).toEqual(["demo.en"]);
    expect(registry.get("demo.en")!.test?.local).toMatchObject({ path: "demo/test.jsonl", format: { type: "jsonl" }, fields: { question: "q" } });
    expect(registry.get("demo.en")!.pool).toBeNull();
  });

  it("names the file and field of a schema error", () => {
    const bad = MINIMAL.replace("local: { path: demo/test.jsonl, format: jsonl }", "hub: { repo: org/x, path: a.jsonl, format: jsonl }");
    const dir = tasksDir({ "demo.yaml": bad });
    const message = errorOf(() => loadRegistry(dir)).message;
    expect(message).toContain(join(dir, "demo.yaml"));
    expect(message).toContain("languages.en.test.hub.revision");
  });

  it("names unknown keys, bad encodings and unknown preprocesses", () => {
    const typo = MINIMAL.replace("domain: in-domain", "domain: in-domain\nsubjcts: [a]");
    expect(errorOf(() => loadRegistry(tasksDir({ "t.yaml": typo }))).message).toMatch(/\(top level\): Unrecognized key: "subjcts"/);
    const encoding = MINIMAL.replace("encoding: index0", "encoding: zero-based");
    expect(errorOf(() => loadRegistry(tasksDir({ "t.yaml": encoding }))).message).toContain("fields.answer.encoding");
    const preprocess = MINIMAL.replace("format: jsonl }", "format: json, preprocess: flatten_magic }");
    expect(errorOf(() => loadRegistry(tasksDir({ "t.yaml": preprocess }))).message).toContain("languages.en.test.local.preprocess: unknown preprocess; known: headqa_exams");
    const domain = MINIMAL.replace("domain: in-domain", "domain: indomain");
    expect(errorOf(() => loadRegistry(tasksDir({ "t.yaml": domain }))).message).toContain("domain:");
  });

  it("requires a field map somewhere, and a json format for a preprocess", () => {
    const noFields = MINIMAL.replace(/fields:\n(  .*\n)+/, "");
    expect(errorOf(() => loadRegistry(tasksDir({ "t.yaml": noFields }))).message).toContain("languages.en.test.local.fields: missing");
    const jsonlPre = MINIMAL.replace("format: jsonl }", "format: jsonl, preprocess: headqa_exams }");
    expect(errorOf(() => loadRegistry(tasksDir({ "t.yaml": jsonlPre }))).message).toContain("set format: json");
  });

  it("rejects {subject} in a file without subjects", () => {
    const text = MINIMAL.replace("demo/test.jsonl", `"demo/{subject}.jsonl"`);
    expect(errorOf(() => loadRegistry(tasksDir({ "t.yaml": text }))).message).toContain('"{subject}" cannot be filled');
  });

  it("reports invalid YAML, duplicate families, empty and missing folders", () => {
    expect(errorOf(() => loadRegistry(tasksDir({ "t.yaml": "family: [unclosed" }))).message).toMatch(/t\.yaml: not valid YAML/);
    expect(errorOf(() => loadRegistry(tasksDir({ "a.yaml": MINIMAL, "b.yaml": MINIMAL }))).message).toMatch(/b\.yaml: family "demo" is already defined in .*a\.yaml/);
    const empty = tempDir();
    mkdirSync(join(empty, "sub"));
    expect(errorOf(() => loadRegistry(empty)).message).toContain("holds no .yaml task files");
    expect(errorOf(() => loadRegistry(join(empty, "nope"))).message).toContain("--tasks-dir");
  });
});
