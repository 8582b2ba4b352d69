import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findRunDirs, loadResults, loadRun } from "../../harness/report/load.ts";
import { scoreSystem } from "../../harness/report/scores.ts";
import { fewshotLabel, paramsLabel, groupSystems, resolveSystem } from "../../harness/report/systems.ts";
import { UserError } from "../../harness/types.ts";
import { tempDir } from "../helpers.ts";
import { makeRun, makeSample, outcomes } from "./make-run.ts";

describe("loading run folders", () => {
  it("recomputes correct from answer and gold, and refuses a journal where they disagree", () => {
    const dir = tempDir();
    const run = makeRun(dir, { model: "m", setting: "zero-shot", tasks: { "medqa.en": [true, false] } });
    expect([...loadRun(run).tasks.get("medqa.en")!.items.values()].map((i) => i.correct)).toEqual([true, false]);
    const forged = { ...makeSample("medqa.en", "q9", false), correct: true };
    appendFileSync(join(run, "samples.jsonl"), `${JSON.stringify(forged)}\n`);
    expect(() => loadRun(run)).toThrow(UserError);
    expect(() => loadRun(run)).toThrow(/samples\.jsonl: task medqa\.en, item q9: "correct" is true, but its answer "B" and gold "A" say false/);
  });

  it("takes the last line per item, skips a torn final line and excludes errors from accuracy", () => {
    const dir = tempDir();
    const retried = JSON.stringify(makeSample("medqa.en", "q1", true));
    const run = makeRun(dir, {
      model: "m",
      setting: "zero-shot",
      tasks: { "medqa.en": [true, false, false, true] },
      statuses: { "medqa.en": { 1: "error", 2: "unparsed" } },
      // a resumed run retried q1 successfully, then the process died mid-write
      extraLines: [`${retried}\n`, '{"task":"medqa.en","item_id":"q'],
    });
    const loaded = loadRun(run);
    expect(loaded.tornFinalLine).toBe(true);
    expect(loaded.superseded).toBe(1);
    const items = loaded.tasks.get("medqa.en")!.items;
    expect(items.size).toBe(4);
    expect(items.get("q1")).toMatchObject({ status: "strict", correct: true });
    const [system] = groupSystems([loaded]);
    const score = scoreSystem(system, { resamples: 500, seed: 1 }).tasks.get("medqa.en")!;
    expect(score).toMatchObject({ total: 4, scored: 4, correct: 3, errors: 0, unparsed: 1 });
    expect(score.accuracy.value).toBe(0.75);
    expect(system.notes.join("\n")).toMatch(/torn final line/);
  });

  it("counts errors apart and leaves them out of accuracy", () => {
    const dir = tempDir();
    const run = makeRun(dir, { model: "m", setting: "zero-shot", tasks: { "headqa.es": [true, true, false, false] }, statuses: { "headqa.es": { 0: "error" } } });
    const [system] = groupSystems([loadRun(run)]);
    const score = scoreSystem(system, {}).tasks.get("headqa.es")!;
    expect(score).toMatchObject({ total: 4, scored: 3, correct: 1, errors: 1 });
    expect(score.accuracy.value).toBeCloseTo(1 / 3, 15);
  });

  it("names the file and line of a bad sample, and the field of a bad run.json", () => {
    const dir = tempDir();
    const run = makeRun(dir, { model: "m", setting: "zero-shot", tasks: { "medqa.en": [true, false] } });
    appendFileSync(join(run, "samples.jsonl"), '{"task":"medqa.en"}\n');
    expect(() => loadRun(run)).toThrow(UserError);
    expect(() => loadRun(run)).toThrow(/samples\.jsonl:3: not a valid sample: field item_id/);
    writeFileSync(join(run, "samples.jsonl"), "not json\n" + JSON.stringify(makeSample("medqa.en", "q0", true)) + "\n");
    expect(() => loadRun(run)).toThrow(/samples\.jsonl:1: not valid JSON/);
    writeFileSync(join(run, "run.json"), JSON.stringify({ schema_version: 1 }));
    expect(() => loadRun(run)).toThrow(/run\.json: not a valid run record: field run_id/);
  });

  it("finds run folders under a results folder and refuses folders without runs", () => {
    const dir = tempDir();
    makeRun(join(dir, "a"), { model: "m1", setting: "zero-shot", tasks: { "medqa.en": [true] } });
    makeRun(dir, { model: "m2", setting: "zero-shot", tasks: { "medqa.en": [false] } });
    expect(findRunDirs(dir)).toHaveLength(2);
    expect(loadResults([dir]).map((r) => r.record.spec.model).sort()).toEqual(["m1", "m2"]);
    const empty = join(dir, "empty");
    mkdirSync(empty);
    expect(() => loadResults([empty])).toThrow(/no run folders/);
    expect(() => loadRun(empty)).toThrow(/no run\.json/);
  });

  it("merges runs of one model × setting over different tasks into one system, newest wins per task", () => {
    const dir = tempDir();
    makeRun(dir, { model: "m", setting: "zero-shot", runId: "r1", tasks: { "medqa.en": outcomes(10, 3), "medqa.it": outcomes(10, 4) }, startedAt: "2025-01-01T00:00:00Z" });
    makeRun(dir, { model: "m", setting: "zero-shot", runId: "r2", tasks: { "medqa.it": outcomes(10, 9) }, startedAt: "2025-02-01T00:00:00Z" });
    makeRun(dir, { model: "m", setting: "few-shot-traces", runId: "r3", tasks: { "medqa.en": outcomes(10, 5) } });
    const systems = groupSystems(loadResults([dir]));
    expect(systems.map((s) => s.label)).toEqual(["m · few-shot-traces", "m · zero-shot"]);
    const zs = systems[1];
    expect([...zs.tasks.keys()].sort()).toEqual(["medqa.en", "medqa.it"]);
    expect(zs.tasks.get("medqa.it")!.run_id).toBe("r2");
    expect(zs.notes.join()).toMatch(/medqa\.it is in runs r1 and r2; using the newer r2/);
  });

  it("keeps few-shot runs with different shots apart (a k or selection ablation is several rows)", () => {
    const dir = tempDir();
    const shots = (k: number, method: string) => ({ k, method, trace_lang: null, format: "multi-turn", store: { en: 100 } });
    makeRun(dir, { model: "m", setting: "few-shot-traces", runId: "k3", tasks: { "medqa.en": outcomes(10, 3) }, fewshot: shots(3, "bm25"), startedAt: "2025-01-01T00:00:00Z" });
    makeRun(dir, { model: "m", setting: "few-shot-traces", runId: "k5", tasks: { "medqa.en": outcomes(10, 8) }, fewshot: shots(5, "random"), startedAt: "2025-02-01T00:00:00Z" });
    // The same shots against a store of another size (a shard's copy) stay one system.
    makeRun(dir, { model: "m", setting: "few-shot-traces", runId: "k5b", tasks: { "medqa.it": outcomes(10, 6) }, fewshot: { ...shots(5, "random"), store: { en: 90 } } });
    makeRun(dir, { model: "m", setting: "zero-shot", runId: "zs", tasks: { "medqa.en": outcomes(10, 2) } });
    const systems = groupSystems(loadResults([dir]));
    expect(systems.map((s) => s.label)).toEqual([
      "m · few-shot-traces · 3-shot bm25",
      "m · few-shot-traces · 5-shot random",
      "m · zero-shot",
    ]);
    expect(systems[0].tasks.get("medqa.en")!.run_id).toBe("k3");
    expect(systems[1].tasks.get("medqa.en")!.run_id).toBe("k5");
    expect(systems[1].tasks.get("medqa.it")!.run_id).toBe("k5b");
    expect(systems.flatMap((s) => s.notes)).toEqual([]);
    expect(() => resolveSystem(`${dir}:m:few-shot-traces`)).toThrow(/holds 2 model × setting combinations/);
    expect(fewshotLabel({ k: 3, method: "embedding", trace_lang: "en", format: "single" })).toBe("3-shot embedding, en traces, single-turn");
  });

  it("keeps runs with other generation parameters apart, naming only the parameters that differ", () => {
    const dir = tempDir();
    makeRun(dir, { model: "m", setting: "zero-shot", runId: "greedy", tasks: { "medqa.en": outcomes(10, 3) }, params: { temperature: 0, top_p: 1, max_tokens: 512 } });
    makeRun(dir, { model: "m", setting: "zero-shot", runId: "sampled", tasks: { "medqa.en": outcomes(10, 5) }, params: { temperature: 0.6, top_p: 1, max_tokens: 512 } });
    makeRun(dir, { model: "m", setting: "zero-shot", runId: "greedy-it", tasks: { "medqa.it": outcomes(10, 4) }, params: { max_tokens: 512, top_p: 1, temperature: 0 } });
    const systems = groupSystems(loadResults([dir]));
    expect(systems.map((s) => s.label)).toEqual(["m · zero-shot · temperature 0", "m · zero-shot · temperature 0.6"]);
    expect([...systems[0].tasks.keys()].sort()).toEqual(["medqa.en", "medqa.it"]);
    expect(paramsLabel({ top_p: 1, temperature: 0, chat_template_kwargs: { enable_thinking: false } })).toBe("chat_template_kwargs.enable_thinking false, temperature 0, top_p 1");
  });

  it("takes task metadata from the task registry when an interrupted run has no summaries yet", () => {
    const dir = tempDir();
    const run = makeRun(dir, { model: "m", setting: "zero-shot", tasks: { "nosuchfamily.xx": [true] }, noSummaries: true });
    expect(() => loadRun(run)).toThrow(/run\.json has no summary for it/);
  });
});

describe("aggregates", () => {
  it("computes per-language, per-domain, group and overall macro/micro figures from samples", () => {
    const dir = tempDir();
    const run = makeRun(dir, {
      model: "m",
      setting: "zero-shot",
      tasks: {
        "medqa.en": outcomes(100, 80),
        "medqa.it": outcomes(100, 60),
        "mmlu_medical.anatomy.en": outcomes(50, 40),
        "mmlu_medical.clinical_knowledge.en": outcomes(150, 60),
        "headqa.es": outcomes(200, 100),
      },
    });
    const [system] = groupSystems([loadRun(run)]);
    const scores = scoreSystem(system, { resamples: 1000, seed: 3 });
    const agg = new Map(scores.aggregates.map((a) => [a.id, a]));
    expect([...agg.keys()]).toEqual([
      "overall",
      "domain:in-domain",
      "domain:out-of-domain",
      "lang:en",
      "lang:it",
      "lang:es",
      "group:mmlu_medical",
      "group:mmlu_medical.en",
    ]);
    // group = mean of its subjects: (0.8 + 0.4) / 2
    expect(agg.get("group:mmlu_medical.en")!.macro.value).toBeCloseTo(0.6, 15);
    expect(agg.get("group:mmlu_medical.en")!.micro.value).toBeCloseTo(100 / 200, 15);
    // EN: MedQA 0.8 and the MMLU group 0.6 count once each
    expect(agg.get("lang:en")!.macro.value).toBeCloseTo(0.7, 15);
    expect(agg.get("lang:en")!.micro.value).toBeCloseTo(180 / 300, 15);
    // overall units: medqa.en .8, medqa.it .6, mmlu en .6, headqa.es .5
    expect(agg.get("overall")!.macro.value).toBeCloseTo(0.625, 15);
    expect(agg.get("overall")!.micro.value).toBeCloseTo(340 / 600, 15);
    expect(agg.get("domain:in-domain")!.macro.value).toBeCloseTo(0.7, 15);
    for (const a of scores.aggregates) {
      expect(a.macro.low!).toBeLessThanOrEqual(a.macro.value!);
      expect(a.macro.high!).toBeGreaterThanOrEqual(a.macro.value!);
    }
    // same seed, same figures
    expect(scoreSystem(system, { resamples: 1000, seed: 3 }).aggregates).toEqual(scores.aggregates);
  });
});
