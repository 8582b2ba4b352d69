// Traces marked by split: a trace written for a question of the evaluated split of the same
// benchmark is another test item's answer, refused by default; one whose split is unknown is
// used but warned about; stores made before splits were kept stay readable.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluatedSplitWarning } from "../../harness/runner/fewshot-prepare.ts";
import { importTraces } from "../../harness/traces/import.ts";
import { isRejected, parseTraceRow, type TraceRow } from "../../harness/traces/schema.ts";
import { selectShots } from "../../harness/traces/select.ts";
import { TraceStore } from "../../harness/traces/store.ts";
import { tempDir } from "../helpers.ts";
import { fillerTraces, item, trace, writeJsonl } from "./fixtures.ts";

describe("trace split at import", () => {
  const parse = (extra: Record<string, unknown>) => parseTraceRow({ ...trace("t", "en", "A question?"), ...extra }, "line 1");

  it("reads the split field (validation is dev), else a split named in the source question id, else unknown", () => {
    expect((parse({ split: "validation" }) as TraceRow).split).toBe("dev");
    expect((parse({ split: "TEST" }) as TraceRow).split).toBe("test");
    expect((parse({ source_question_id: "en_test_5" }) as TraceRow).split).toBe("test");
    expect((parse({ source_question_id: "medqa-train-17" }) as TraceRow).split).toBe("train");
    expect((parse({ source_question_id: "dev12" }) as TraceRow).split).toBe("dev");
    expect((parse({ source_question_id: "contest_5" }) as TraceRow).split).toBe("unknown");
    expect((parse({ source_question_id: 17 }) as TraceRow).split).toBe("unknown");
    // The field wins over the id.
    expect((parse({ split: "train", source_question_id: "en_test_5" }) as TraceRow).split).toBe("train");
  });

  it("rejects a split it does not know, naming the field", () => {
    const row = parse({ split: "holdout" });
    expect(isRejected(row)).toBe(true);
    expect(row).toMatchObject({ field: "split", message: expect.stringMatching(/expected train, dev .*test.*"holdout"/) });
  });
});

describe("selection and the evaluated split", () => {
  let dir: string;
  let store: TraceStore;
  const Q = "A 45-year-old man has crushing chest pain radiating to the left arm and diaphoresis.";
  const q = item("777", "en", "Which drug should be given first to a man with sudden crushing chest pain?");

  beforeAll(async () => {
    dir = tempDir("medeval-traces-split-");
    store = await TraceStore.open(join(dir, "store"));
    const file = writeJsonl(dir, "traces.jsonl", [
      ...fillerTraces("en", 12),
      trace("medqa-test", "en", `${Q} Which drug first?`, { source_question_id: "test-12", split: "test" }),
      trace("medqa-unknown", "en", `${Q} What is the next step?`, { source_question_id: "q-55" }),
      trace("medmcqa-dev", "en", `${Q} Which enzyme rises first?`, { source_dataset: "medmcqa", source_question_id: "abc", split: "dev" }),
      trace("headqa-test", "en", `${Q} Which artery is involved?`, { source_dataset: "headqa", source_question_id: "h1", split: "test" }),
    ]);
    expect((await importTraces(store, file)).rejected).toBe(0);
  });
  afterAll(() => store.close());

  it("refuses the evaluated benchmark's test-split traces by default, and says so", async () => {
    const sel = await selectShots(store, q, { k: 4, method: "bm25", seed: 1, taskFamily: "medqa" });
    expect(sel.shots.map((s) => s.id)).not.toContain("medqa-test");
    expect(sel.excluded).toContainEqual({ id: "medqa-test", reason: "evaluated_split" });
    // Another benchmark's test split is not this benchmark's test items.
    expect(sel.shots.map((s) => s.id)).toEqual(expect.arrayContaining(["headqa-test", "medmcqa-dev", "medqa-unknown"]));
    // Of the evaluated benchmark with no split: used, but flagged.
    expect(sel.at_risk).toEqual([{ id: "medqa-unknown", split: "unknown" }]);
  });

  it("knows MedMCQA evaluates its dev (validation) split", async () => {
    const sel = await selectShots(store, q, { k: 4, method: "bm25", seed: 1, taskFamily: "medmcqa", evaluatedSplit: "dev" });
    expect(sel.excluded).toContainEqual({ id: "medmcqa-dev", reason: "evaluated_split" });
    expect(sel.shots.map((s) => s.id)).toContain("medqa-test");
  });

  it("admits them when allowed, and flags them", async () => {
    const sel = await selectShots(store, q, { k: 4, method: "bm25", seed: 1, taskFamily: "medqa", allowEvaluatedSplit: true });
    expect(sel.shots.map((s) => s.id)).toContain("medqa-test");
    expect(sel.at_risk).toContainEqual({ id: "medqa-test", split: "test" });
  });

  it("says which option admits them when they are all there is", async () => {
    const tiny = await TraceStore.open(join(dir, "tiny"));
    await importTraces(tiny, writeJsonl(dir, "tiny.jsonl", [trace("only", "en", Q, { source_question_id: "en_test_3" })]));
    await expect(selectShots(tiny, q, { k: 1, method: "random", seed: 1, taskFamily: "medqa" })).rejects.toThrow(/medqa's test split, the one being evaluated \(--allow-test-split-traces admits them\)/);
    tiny.close();
  });
});

describe("a store made before splits were kept", () => {
  it("is read with every split unknown, and takes new traces with their split", async () => {
    const dir = tempDir("medeval-traces-old-");
    const made = await TraceStore.open(join(dir, "store"));
    // With vectors: the split column then comes after the vector column, and rows still line up by name.
    await importTraces(made, writeJsonl(dir, "a.jsonl", fillerTraces("en", 6).map((t, i) => ({ ...t, vector: [1, 0, i] }))));
    await (await made.table("en"))!.dropColumns(["split"]); // the old layout
    made.close();
    const store = await TraceStore.open(join(dir, "store"));
    const q = item("1", "en", "Fever and cough in a child: what next?");
    const old = await selectShots(store, q, { k: 3, method: "bm25", seed: 1, taskFamily: "medqa" });
    expect(old.shots).toHaveLength(3);
    expect(old.shots.every((s) => s.split === "unknown")).toBe(true);
    expect(old.at_risk).toHaveLength(3);

    const report = await importTraces(store, writeJsonl(dir, "b.jsonl", [trace("new-train", "en", "Fever and cough in a child with wheeze", { split: "train", vector: [0, 1, 0] })]));
    expect(report.added).toBe(1);
    const random = await selectShots(store, q, { k: 7, method: "random", seed: 2 });
    const splits = Object.fromEntries(random.shots.map((s) => [s.id, s.split]));
    expect(splits["new-train"]).toBe("train");
    expect(splits["en-0"]).toBe("unknown");
    store.close();
  });
});

describe("evaluatedSplitWarning", () => {
  it("is silent when no shot may be a test item, and counts prompts and traces otherwise", () => {
    expect(evaluatedSplitWarning([{ task: "medqa.en", scores: {} }])).toBeNull();
    const warning = evaluatedSplitWarning([
      { task: "medqa.en", scores: { shots_from_evaluated_split: [{ id: "a", split: "test" }, { id: "b", split: "unknown" }] } },
      { task: "medqa.en", scores: { shots_from_evaluated_split: [{ id: "a", split: "test" }] } },
      { task: "medqa.en", scores: {} },
    ]);
    expect(warning).toMatch(/^warning: 2 prompt\(s\) of medqa\.en used 1 trace\(s\) written for its evaluated \(test\) split and 1 trace\(s\) of the evaluated benchmark whose split is unknown/);
    expect(warning).toContain("--allow-test-split-traces");
  });
});
