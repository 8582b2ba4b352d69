// The local task folder (<data-dir>/tasks.local/): translated splits added to a family of tasks/.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadItems, loadRegistry } from "../../harness/tasks/index.ts";
import { sha256 } from "../../harness/hash.ts";
import { UserError } from "../../harness/user-error.ts";
import { tempDir } from "../helpers.ts";

const LINE = `${JSON.stringify({ id: "q1", question: "Quale vaso?", options: ["Aorta", "Vena cava"], answer: 0, subject: "anatomia" })}\n`;
const FIELDS = "fields: { id: id, question: question, options: { array: options }, answer: { field: answer, encoding: index0 } }";

function dataDirWith(yaml: string, name = "medqa.it.yaml"): string {
  const dir = tempDir();
  mkdirSync(join(dir, "tasks.local"), { recursive: true });
  mkdirSync(join(dir, "translated"), { recursive: true });
  writeFileSync(join(dir, "translated", "it.jsonl"), LINE);
  writeFileSync(join(dir, "tasks.local", name), yaml);
  return dir;
}

const source = (lang: string, sha = sha256(LINE)) =>
  `languages:\n  ${lang}:\n    test:\n      local: { path: translated/it.jsonl, format: jsonl, sha256: "${sha}", ${FIELDS} }\n`;

describe("local task files", () => {
  it("give a family's language without a source one (medqa.it), which then loads", async () => {
    const dir = dataDirWith(`family: medqa\n${source("it")}`);
    expect(loadRegistry(undefined).get("medqa.it")?.test).toBeNull();
    const task = loadRegistry(undefined, dir).get("medqa.it")!;
    expect(task.test?.local?.path).toBe("translated/it.jsonl");
    expect(task.file).toBe(join(dir, "tasks.local", "medqa.it.yaml"));
    const loaded = await loadItems(task, "test", { dataDir: dir });
    expect(loaded.items.map((i) => i.question)).toEqual(["Quale vaso?"]);
    expect(loaded.source.files[0].sha256).toBe(sha256(LINE));
  });
  it("refuses a file whose content is not the registered sha256", async () => {
    const dir = dataDirWith(`family: medqa\n${source("it", "0".repeat(64))}`);
    const task = loadRegistry(undefined, dir).get("medqa.it")!;
    await expect(loadItems(task, "test", { dataDir: dir })).rejects.toThrow(/changed since it was registered/);
  });
  it("refuses a second test source for a language that has one, and points to variant", () => {
    const dir = dataDirWith(`family: medqa\n${source("en")}`);
    expect(() => loadRegistry(undefined, dir)).toThrow(/medqa.en already has a test source.*variant: NAME/);
  });
  it("registers a variant beside it, chosen by its id only", () => {
    const dir = dataDirWith(`family: medqa\nvariant: ours\n${source("en")}`);
    const registry = loadRegistry(undefined, dir);
    expect(registry.get("medqa.en@ours")?.test?.local?.path).toBe("translated/it.jsonl");
    expect(registry.resolve("medqa.en@ours").map((t) => t.id)).toEqual(["medqa.en@ours"]);
    expect(registry.resolve("medqa").map((t) => t.id)).not.toContain("medqa.en@ours");
  });
  it("adds a subject's translation to a family with subjects, selected together as family.lang@variant", () => {
    const dir = dataDirWith(`family: mmlu_medical\nvariant: mt\nsubject: anatomy\n${source("it")}`, "mmlu_medical.anatomy.it@mt.yaml");
    writeFileSync(join(dir, "tasks.local", "mmlu_medical.virology.it@mt.yaml"), "family: mmlu_medical\nsubject: virology\n" + source("it"));
    expect(() => loadRegistry(undefined, dir)).toThrow(/mmlu_medical.virology.it@mt.yaml: subject "virology" is not a subject of family "mmlu_medical" \(its subjects: anatomy, clinical_knowledge/);
    writeFileSync(join(dir, "tasks.local", "mmlu_medical.virology.it@mt.yaml"), `family: mmlu_medical\nvariant: mt\nsubject: college_medicine\n${source("it")}`);
    const registry = loadRegistry(undefined, dir);
    const anatomy = registry.get("mmlu_medical.anatomy.it@mt")!;
    expect(anatomy).toMatchObject({ subject: "anatomy", lang: "it", group: "mmlu_medical" });
    expect(anatomy.test?.local?.path).toBe("translated/it.jsonl");
    // Global-MMLU's shipped mmlu_medical.anatomy.it is untouched
    expect(registry.get("mmlu_medical.anatomy.it")!.test?.hub?.repo).toBe("CohereLabs/Global-MMLU");
    expect(registry.resolve("mmlu_medical.it@mt").map((t) => t.id)).toEqual(["mmlu_medical.anatomy.it@mt", "mmlu_medical.college_medicine.it@mt"]);
    expect(registry.resolve("mmlu_medical.it").map((t) => t.id)).not.toContain("mmlu_medical.anatomy.it@mt");
  });
  it("a file for a family with subjects must name its subject", () => {
    expect(() => loadRegistry(undefined, dataDirWith(`family: mmlu_medical\nvariant: mt\n${source("it")}`))).toThrow(/family "mmlu_medical" has subjects; add `subject: NAME` \(one of anatomy/);
  });
  it("names the file for an unknown family or a bad field", () => {
    expect(() => loadRegistry(undefined, dataDirWith(`family: nope\n${source("it")}`))).toThrow(/tasks.local\/medqa.it.yaml: family "nope" is not defined/);
    expect(() => loadRegistry(undefined, dataDirWith(`family: medqa\nextra: 1\n${source("it")}`))).toThrow(UserError);
  });
});
