// `medeval traces import|stats|search` through the real CLI: output, exit codes, messages.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../helpers.ts";
import { fillerTraces, trace, writeJsonl, medeval } from "./fixtures.ts";

describe("medeval traces", () => {
  let dir: string;
  let file: string;

  beforeAll(() => {
    dir = tempDir("medeval-traces-cli-");
    file = writeJsonl(dir, "traces.jsonl", [
      ...fillerTraces("it", 8),
      trace("it-flu", "it", "Donna con febbre alta e tosse secca durante la stagione influenzale"),
      trace("broken", "it", "Senza opzioni", { options: ["solo una"] }),
    ]);
  });

  it("imports into $MEDEVAL_HOME/traces, then reports the re-import as all skipped", () => {
    const first = medeval(["traces", "import", file], dir);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("9 added, 0 skipped (already in the store), 1 rejected");
    expect(first.stdout).toMatch(/rejected line 10: options: /);
    const again = medeval(["traces", "import", file], dir);
    expect(again.stdout).toContain("0 added, 9 skipped");
  });

  it("stats counts per language and source; search prints ids, scores and snippets", () => {
    const stats = medeval(["traces", "stats"], dir);
    expect(stats.code).toBe(0);
    expect(stats.stdout).toContain(`trace store ${join(dir, "traces")}: 9 traces`);
    expect(stats.stdout).toMatch(/it\s+│ medqa\s+│ 9/);
    const search = medeval(["traces", "search", "febbre e tosse (influenzale)", "--lang", "it", "-k", "2"], dir);
    expect(search.code).toBe(0);
    const rows = search.stdout.split("\n").filter((l) => /│ (it-|syn)/.test(l) || l.includes("it-flu"));
    expect(rows[0]).toContain("it-flu");
    expect(search.stdout).toContain("Donna con febbre alta");
  });

  it("says what to do for a missing store, a missing language and a bad source", () => {
    const noStore = medeval(["traces", "stats", "--store", join(dir, "nowhere")], dir);
    expect(noStore.code).toBe(2);
    expect(noStore.stderr).toMatch(/no trace store at .* traces import FILE/);
    const noLang = medeval(["traces", "search", "fever", "--lang", "es"], dir);
    expect(noLang.code).toBe(2);
    expect(noLang.stderr).toMatch(/no traces in language "es"/);
    const bad = medeval(["traces", "import", join(dir, "missing.jsonl")], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/missing.jsonl: no such file/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    // A source none of whose rows can be imported is a failure, not "0 added".
    const allBad = join(dir, "all-bad.jsonl");
    writeFileSync(allBad, `${JSON.stringify({ id: "x1", question: "q" })}\n${JSON.stringify({ id: "x2", question: "q" })}\n`);
    const none = medeval(["traces", "import", allBad], dir);
    expect(none.code).toBe(2);
    expect(none.stdout).toMatch(/0 added, 0 skipped \(already in the store\), 2 rejected/);
    expect(none.stderr).toMatch(/none of its 2 rows could be imported/);
  });
});
