// `medeval traces import --fields` and `medeval traces export` through the real CLI: output,
// exit codes, and messages for bad input.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../helpers.ts";
import { writeJsonl, medeval } from "./fixtures.ts";

describe("medeval traces import --fields / export", () => {
  let dir: string;
  let models: string;
  beforeAll(() => {
    dir = tempDir("medeval-traces-cli-io-");
    models = join(dir, "models.yaml");
    writeFileSync(
      models,
      ["models:", "  ft:", "    served_model: ft", "    fine_tuned:", '      answer_label: "Final Answer"', "  plain:", "    served_model: plain", ""].join("\n"),
    );
  });

  // Each call starts the CLI (a few seconds on a busy machine).
  const SLOW = 120_000;

  it("imports MedReason rows with the preset, rejecting an open question with the reason", () => {
    const rows = [1, 2, 3].map((i) => ({ dataset_name: "medqa", id_in_dataset: i, question: `Question ${i}?`, options: "Answer Choices:\nA. yes\nB. no", answer: "no", reasoning: "Because." }));
    const file = writeJsonl(dir, "medreason.jsonl", [...rows, { Question: "Open?", Complex_CoT: "x", Response: "y" }]);
    const imported = medeval(["traces", "import", file, "--fields", "medreason"], dir);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain("3 added, 0 skipped (already in the store), 1 rejected");
    expect(imported.stdout).toMatch(/rejected line 4: options: the row has no answer options/);
  }, SLOW);

  it("names an unknown preset (exit 2)", () => {
    const file = writeJsonl(dir, "any.jsonl", [{}]);

    const unknown = medeval(["traces", "import", file, "--fields", "medreasn"], dir);
    expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringContaining("neither a preset")]);
  }, SLOW);

  it("exports in a models.yaml entry's fine_tuned format, and refuses an entry without one (exit 2)", () => {

    const out = join(dir, "sft");
    const exported = medeval(["traces", "export", "--template", "ft", "--out", out, "--models-file", models, "--dev-fraction", "0"], dir);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain("en: 3 train, 0 dev");
    expect(existsSync(join(out, "card.json"))).toBe(true);

    const noFormat = medeval(["traces", "export", "--template", "plain", "--out", out, "--models-file", models], dir);
    expect([noFormat.code, noFormat.stderr]).toEqual([2, expect.stringContaining("has no fine_tuned: section")]);
    expect(noFormat.stderr).not.toMatch(/\n\s+at /);
  }, SLOW);
});
