// Row labels are for typing: the same whichever runs are loaded, never ending in " · ", and
// --baseline takes them (or MODEL:SETTING, as the README shows) back.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScores, tableFor } from "../../harness/report/build.ts";
import { loadResults } from "../../harness/report/load.ts";
import { groupSystems } from "../../harness/report/systems.ts";
import { tempDir } from "../helpers.ts";
import { makeRun, outcomes } from "./make-run.ts";

const build = { resamples: 200, seed: "1", level: 0.95, alpha: 0.05, subjects: "group" as const };

describe("row labels", () => {
  it("tell cot from direct, stay the same alone or together, and never end in a separator", () => {
    const dir = tempDir();
    makeRun(join(dir, "cot"), { model: "good-8b", setting: "zero-shot", runId: "cot", tasks: { "medqa.en": outcomes(20, 10) } });
    makeRun(join(dir, "direct"), { model: "good-8b", setting: "zero-shot", promptStyle: "direct", runId: "direct", tasks: { "medqa.en": outcomes(20, 12) } });
    // A system whose parameters lack the one another varies in must not get an empty part.
    makeRun(join(dir, "bare"), { model: "good-8b", setting: "zero-shot", promptStyle: "direct", runId: "bare", tasks: { "medqa.it": outcomes(20, 12) }, params: {} });
    const together = groupSystems(loadResults([dir])).map((s) => s.label);
    expect(together).toEqual(["good-8b · zero-shot", "good-8b · zero-shot · direct", "good-8b · zero-shot · direct · temperature 0"]);
    for (const label of together) expect(label).not.toMatch(/ · $| · · /);
    expect(groupSystems(loadResults([join(dir, "cot")])).map((s) => s.label)).toEqual(["good-8b · zero-shot"]);
    expect(groupSystems(loadResults([join(dir, "direct")])).map((s) => s.label)).toEqual(["good-8b · zero-shot · direct"]);
  });

  it("--baseline MODEL:SETTING picks the default style among several; a typed label picks another", () => {
    const dir = tempDir();
    makeRun(dir, { model: "good-8b", setting: "zero-shot", runId: "cot", tasks: { "medqa.en": outcomes(20, 10) } });
    makeRun(dir, { model: "good-8b", setting: "zero-shot", promptStyle: "direct", runId: "direct", tasks: { "medqa.en": outcomes(20, 12) } });
    const scores = loadScores([dir], build);
    expect(tableFor(scores, { ...build, baseline: "good-8b:zero-shot" }).baseline).toBe("good-8b · zero-shot");
    expect(tableFor(scores, { ...build, baseline: "good-8b:zero-shot:direct" }).baseline).toBe("good-8b · zero-shot · direct");
    expect(tableFor(scores, { ...build, baseline: "good-8b · zero-shot · direct" }).baseline).toBe("good-8b · zero-shot · direct");
  });
});
