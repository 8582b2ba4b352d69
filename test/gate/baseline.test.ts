// The committed baseline file: round trip, size bound, and errors that name file and field.
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import seedrandom from "seedrandom";
import { describe, expect, it } from "vitest";
import { baselineToSide, buildBaseline, writeBaseline } from "../../harness/gate/baseline.ts";
import { packBits, unpackBits } from "../../harness/gate/bitset.ts";
import { runCheck } from "../../harness/gate/check.ts";
import { DEFAULT_GATE_OPTIONS } from "../../harness/gate/decide.ts";
import { decodeIdList, encodeIdList } from "../../harness/gate/id-list.ts";
import { loadRunFolder } from "../../harness/gate/load-side.ts";
import { UserError } from "../../harness/types.ts";
import { tempDir } from "../helpers.ts";
import { changed, outcomes, writeRun, type FixtureTask } from "./run-fixture.ts";

const OPTIONS = { ...DEFAULT_GATE_OPTIONS, resamples: 2000 };

describe("bitset and id list encodings", () => {
  it("round-trip, and refuse data of the wrong length or a damaged list", () => {
    const values = Array.from({ length: 13 }, (_, i) => i % 3 === 0);
    expect(unpackBits(packBits(values), 13)).toEqual(values);
    expect(unpackBits(packBits([]), 0)).toEqual([]);
    expect(() => unpackBits(packBits(values), 20)).toThrow(/holds 2 bytes, expected 3 for 20 items/);
    const ids = ["a", "b-1", "c/2"];
    const list = encodeIdList(ids);
    expect(decodeIdList(list)).toEqual(ids);
    expect(decodeIdList(encodeIdList([]))).toEqual([]);
    expect(() => decodeIdList({ ...list, count: 4 })).toThrow(/holds 3 ids, count says 4/);
    expect(() => decodeIdList({ ...encodeIdList(["a", "x", "c/2"]), sha256: list.sha256 })).toThrow(/sha256 does not match/);
    expect(() => encodeIdList(["a\nb"])).toThrow(/newline/);
  });
});

describe("baseline save and load", () => {
  const base: FixtureTask[] = [
    { task: "medqa.en", outcomes: outcomes(300, 200) },
    { task: "medqa.it", lang: "it", outcomes: [...outcomes(299, 150), "error"], ids: Array.from({ length: 300 }, (_, i) => `medqa.en-${String(i).padStart(5, "0")}`) },
    { task: "mmlu_medical.anatomy.en", group: "mmlu_medical", domain: "out-of-domain", outcomes: outcomes(135, 90) },
  ];

  it("keeps every item's correctness, errors and identity; a check against it equals one against the run", () => {
    const dir = tempDir("medeval-baseline-");
    const runDir = writeRun(dir, { runId: "release-3", tasks: base });
    const file = join(dir, "baseline.json");
    const bytes = writeBaseline(file, buildBaseline(loadRunFolder(runDir), "2025-01-01T00:00:00.000Z"));
    expect(statSync(file).size).toBe(bytes);

    const json = JSON.parse(readFileSync(file, "utf8"));
    expect(json.format).toBe("medeval-baseline");
    expect(json.run.spec.model).toBe("release-3");
    expect(json.id_lists).toHaveLength(2); // medqa.en and medqa.it share their ids
    expect(json.tasks.map((t: { accuracy: number }) => t.accuracy)).toEqual([200 / 300, 150 / 299, 90 / 135]);

    const fromRun = loadRunFolder(runDir);
    const fromFile = baselineToSide(json, file);
    expect(fromFile.tasks).toEqual(fromRun.tasks);
    expect(fromFile.spec).toEqual(fromRun.spec);

    const candTasks = base.map((t) => (t.task === "medqa.en" ? { ...t, outcomes: changed(t.outcomes, 40, 2) } : t));
    const candidate = writeRun(dir, { runId: "release-4", tasks: candTasks });
    const viaFile = runCheck({ baseline: file, candidate, options: OPTIONS, allowMixedScoring: false });
    const viaRun = runCheck({ baseline: runDir, candidate, options: OPTIONS, allowMixedScoring: false });
    expect(viaFile.exitCode).toBe(1);
    expect(viaFile.decision!.rows).toEqual(viaRun.decision!.rows);
    expect(viaFile.baseline.kind).toBe("baseline");
  });

  it("is under 1 MB for MedQA + MedMCQA + MMLU-medical in three languages, even with UUID ids everywhere", () => {
    const rng = seedrandom("baseline-size");
    const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rng() * 16).toString(16)).join("");
    const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
    const sizes: [string, number][] = [
      ["medqa", 6000],
      ["medmcqa", 4183],
      ["mmlu_medical.anatomy", 135],
      ["mmlu_medical.clinical_knowledge", 265],
      ["mmlu_medical.college_biology", 144],
      ["mmlu_medical.college_medicine", 173],
      ["mmlu_medical.medical_genetics", 100],
      ["mmlu_medical.professional_medicine", 272],
    ];
    const tasks: FixtureTask[] = [];
    for (const lang of ["en", "it", "es"]) {
      for (const [name, n] of sizes) {
        // Worst case: no id shared between languages, every id a random UUID.
        tasks.push({ task: `${name}.${lang}`, lang, outcomes: Array.from({ length: n }, () => rng() < 0.6), ids: Array.from({ length: n }, uuid) });
      }
    }
    const items = tasks.reduce((acc, t) => acc + t.outcomes.length, 0);
    expect(items).toBe((6000 + 4183 + 1089) * 3);
    const dir = tempDir("medeval-baseline-size-");
    const runDir = writeRun(dir, { runId: "big", tasks });
    const file = join(dir, "baseline.json");
    const bytes = writeBaseline(file, buildBaseline(loadRunFolder(runDir)));
    expect(bytes).toBeLessThan(1_000_000);
    // And it still reads back item for item.
    const side = baselineToSide(JSON.parse(readFileSync(file, "utf8")), file);
    expect(side.tasks.reduce((acc, t) => acc + t.ids.length, 0)).toBe(items);
    console.log(`baseline for ${items} items with UUID ids: ${bytes} bytes`);
  });

  it("names the file and the field when the baseline is invalid", () => {
    const dir = tempDir("medeval-baseline-");
    const runDir = writeRun(dir, { runId: "r", tasks: base });
    const good = buildBaseline(loadRunFolder(runDir));
    const file = join(dir, "baseline.json");
    const bad = (mutate: (b: Record<string, any>) => void): string => {
      const copy = JSON.parse(JSON.stringify(good));
      mutate(copy);
      try {
        baselineToSide(copy, file);
      } catch (err) {
        expect(err).toBeInstanceOf(UserError);
        return (err as Error).message;
      }
      throw new Error("expected the baseline to be refused");
    };
    expect(bad((b) => delete b.tasks[1].correct)).toMatch(new RegExp(`^${file.replace(/[/.]/g, "\\$&")}: not a valid medeval baseline:\\n  field tasks\\.1\\.correct:`));
    expect(bad((b) => (b.run.spec.scoring = "vibes"))).toContain("field run.spec.scoring");
    expect(bad((b) => (b.version = 2))).toContain("field version");
    expect(bad((b) => (b.tasks[0].n = 299))).toContain("field tasks.0 (medqa.en).n: 299, but id list 0 holds 300 ids");
    expect(bad((b) => (b.tasks[2].id_list = 7))).toContain("field tasks.2 (mmlu_medical.anatomy.en).id_list: 7 is not an index");
    expect(bad((b) => (b.tasks[0].correct = "AAAA"))).toContain("field tasks.0 (medqa.en).correct: holds 3 bytes, expected 38");
    expect(bad((b) => (b.id_lists[0].brotli_base64 = "bm9wZQ=="))).toContain("field id_lists.0: cannot decompress");
    expect(bad((b) => b.tasks.push(b.tasks[0]))).toContain("task listed twice");
  });

  it("is refused by check with exit 2 when it is not JSON or not a baseline", () => {
    const dir = tempDir("medeval-baseline-");
    const candidate = writeRun(dir, { runId: "c", tasks: base });
    const notJson = join(dir, "broken.json");
    writeFileSync(notJson, "{ nope");
    expect(() => runCheck({ baseline: notJson, candidate, options: OPTIONS, allowMixedScoring: false })).toThrow(/broken\.json: baseline is not valid JSON/);
    const other = join(dir, "other.json");
    writeFileSync(other, JSON.stringify({ hello: 1 }));
    expect(() => runCheck({ baseline: other, candidate, options: OPTIONS, allowMixedScoring: false })).toThrow(/not a medeval baseline/);
  });
});
