import { join, resolve } from "node:path";
import yargs from "yargs";
import { afterEach, describe, expect, it, vi } from "vitest";
import tasksCommand from "../../harness/commands/tasks.ts";
import { describeTasks } from "../../harness/tasks/describe-tasks.ts";
import { loadRegistry } from "../../harness/tasks/index.ts";
import { tempDir } from "../helpers.ts";

const FIXTURES = resolve(import.meta.dirname, "..", "fixtures", "data");

async function runTasks(args: string[]): Promise<string> {
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    await yargs(args).command(tasksCommand).strict().parseAsync();
  } finally {
    spy.mockRestore();
  }
  return chunks.join("");
}

afterEach(() => vi.restoreAllMocks());

describe("medeval tasks", () => {
  it("says which tasks read Hub data at a branch rather than a commit", async () => {
    const out = await runTasks(["tasks", "--tasks", "medqa,headqa,medmcqa.it", "--data-dir", tempDir()]);
    expect(out).toMatch(/unpinned: \d+ task\(s\) read Hub data at a branch[\s\S]*headqa\.es \(test, pool\)[\s\S]*medmcqa\.it \(test/);
    expect(out).not.toMatch(/unpinned:[^\n]*medqa\.en/);
  });
});

describe("describeTasks", () => {
  it("counts local items, and says '?' (null) and the Hub source when there is no local file", async () => {
    const registry = loadRegistry();
    const rows = await describeTasks(registry.resolve("medqa,medmcqa.it,mmlu_medical.anatomy.es"), tempDir());
    const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
    expect(byId["medqa.en"]).toMatchObject({ size: null, source: "hub:GBaker/MedQA-USMLE-4-options-hf@17af9355ef", domain: "in-domain" });
    expect(byId["medqa.it"]).toMatchObject({ size: null, source: "not configured" });
    expect(byId["medmcqa.it"].source).toBe("hub:Detsutut/medmcqa-ita@main (unpinned)");
    expect(byId["medmcqa.it"].unpinned).toContain("test");
    expect(byId["medqa.en"].unpinned).toEqual([]);
    expect(byId["mmlu_medical.anatomy.es"]).toMatchObject({ group: "mmlu_medical", subject: "anatomy", domain: "out-of-domain" });
  });

  it("counts from the data directory without downloading anything", async () => {
    const registry = loadRegistry(join(FIXTURES, "tasks"));
    const rows = await describeTasks(registry.list(), join(FIXTURES, "datadir"));
    expect(rows.map((r) => [r.id, r.size, r.pool_size, r.source, r.problem])).toEqual([
      ["demo.it", 3, 2, "local:demo/test.it.jsonl", null],
      ["headqa_mini.es", 3, null, "local:headqa/mini.json", null],
    ]);
  });
});

describe("medeval tasks", () => {
  it("prints a table with language, domain, group, size and source", async () => {
    const out = await runTasks(["tasks", "--tasks-dir", join(FIXTURES, "tasks"), "--data-dir", join(FIXTURES, "datadir")]);
    expect(out).toMatch(/task\s.*lang\s.*domain\s.*group\s.*size\s.*pool\s.*source/);
    expect(out).toMatch(/demo\.it\s.*it\s.*out-of-domain\s.*3\s.*2\s.*local:demo\/test\.it\.jsonl/);
  });

  it("prints JSON with --json, for the selected tasks only", async () => {
    const out = await runTasks(["tasks", "--tasks", "medqa.it", "--json", "--data-dir", tempDir()]);
    expect(JSON.parse(out)).toEqual([
      { id: "medqa.it", family: "medqa", lang: "it", subject: null, domain: "in-domain", group: null, size: null, pool_size: null, card_size: null, card_pool_size: null, license: null, source: "not configured", problem: null, unpinned: [] },
    ]);
  });
});
