import { describe, expect, it } from "vitest";
import { loadResults } from "../../harness/report/load.ts";
import { groupSystems } from "../../harness/report/systems.ts";
import { tempDir } from "../helpers.ts";
import { outcomes, writeRun } from "../gate/run-fixture.ts";

describe("cached answers in tables", () => {
  it("a row whose answers came from the response cache says how many and under which checkpoint", () => {
    const dir = tempDir();
    writeRun(dir, { runId: "rc", tasks: [{ task: "medqa.en", outcomes: outcomes(100, 60), cached: { count: 40, identity: "files:ab12" } }, { task: "headqa.es", outcomes: outcomes(50, 20) }] });
    writeRun(dir, { runId: "old", model: "old", tasks: [{ task: "medqa.en", outcomes: outcomes(100, 60), cached: { count: 100 } }] });
    writeRun(dir, { runId: "fresh", model: "fresh", tasks: [{ task: "medqa.en", outcomes: outcomes(100, 60) }] });
    const notes = new Map(groupSystems(loadResults([dir])).map((s) => [s.key.model, s.notes]));
    expect(notes.get("rc")).toContain("answers from the response cache: medqa.en 40 of 100 (checkpoint files:ab12)");
    expect(notes.get("old")).toContain("answers from the response cache: medqa.en 100 of 100 (100 with no checkpoint identity, cached before medeval tied the cache to weights)");
    expect(notes.get("fresh")!.join("\n")).not.toMatch(/cache/);
  });
});
