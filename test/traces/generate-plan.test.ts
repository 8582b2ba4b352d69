// Which split traces generate reads: a task's training split where its file names one, else
// its pool checked against the split asked for; the test split never.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { planGeneration } from "../../harness/generate/plan.ts";
import { UserError } from "../../harness/user-error.ts";
import { tempDir } from "../helpers.ts";

const fields = "{ question: question, options: { object: options }, answer: { field: answer_idx, encoding: key } }";

function tasksDir(withTrain: boolean): string {
  const dir = tempDir("medeval-gen-plan-");
  mkdirSync(dir, { recursive: true });
  const train = withTrain ? `\n    train:\n      local: { path: q/train.jsonl, format: jsonl, fields: ${fields} }` : "";
  writeFileSync(
    join(dir, "quiz.yaml"),
    `family: quiz\ndomain: in-domain\nlanguages:\n  en:\n    test:\n      local: { path: q/test.jsonl, format: jsonl, fields: ${fields} }\n    pool:\n      local: { path: q/dev.jsonl, format: jsonl, fields: ${fields} }${train}\n`,
  );
  return dir;
}

const plan = (dir: string, split: "pool" | "train" | "dev") => planGeneration({ tasks: "quiz.en", split, langs: null, langSource: "translated", tasksDir: dir });

describe("traces generate: the split read", () => {
  it("--split train reads the training split where the task file names one", () => {
    expect(plan(tasksDir(true), "train").map((p) => [p.spec.id, p.split, p.traceSplit])).toEqual([["quiz.en", "train", "train"]]);
    expect(plan(tasksDir(true), "pool").map((p) => [p.split, p.traceSplit])).toEqual([["pool", "dev"]]);
  });

  it("--split train without one, where the pool is dev, is refused with both ways out", () => {
    const dir = tasksDir(false);
    expect(() => plan(dir, "train")).toThrow(UserError);
    expect(() => plan(dir, "train")).toThrow(/no training split.*its dev split; pass --split pool \(or --split dev\) \(or add a languages\.en\.train source to .*quiz\.yaml\)/);
    expect(plan(dir, "dev").map((p) => p.traceSplit)).toEqual(["dev"]);
  });

  it("the shipped MedQA names its training split", () => {
    expect(planGeneration({ tasks: "medqa.en", split: "train", langs: null, langSource: "translated" }).map((p) => [p.split, p.traceSplit])).toEqual([["train", "train"]]);
  });
});

describe("traces generate --lang-source traces: the plan", () => {
  it("generates in the task's own language only and translates its traces into the others, whether or not --lang names it", () => {
    const dir = tasksDir(false);
    const traces = (langs: string[]) => planGeneration({ tasks: "quiz.en", split: "pool", langs, langSource: "traces", tasksDir: dir }).map((p) => [p.spec.id, p.translateTo]);
    expect(traces(["en", "it", "es"])).toEqual([["quiz.en", ["it", "es"]]]);
    expect(traces(["it"])).toEqual([["quiz.en", ["it"]]]);
    expect(traces(["en"])).toEqual([["quiz.en", []]]);
    expect(() => traces(["en", "de"])).toThrow(/unknown target language "de"/);
    // From translated tasks nothing is translated: quiz.it has no translated task to read.
    expect(() => planGeneration({ tasks: "quiz.en", split: "pool", langs: ["en", "it"], langSource: "translated", tasksDir: dir })).toThrow(/no quiz\.it questions to generate from/);
  });
});
