// `medeval corpus import|search` through the real CLI: output, exit codes, messages.
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { medevalCli, tempDir } from "../helpers.ts";
import { PASSAGES, writeJsonl } from "./fixtures.ts";

const medeval = medevalCli;

describe("medeval corpus", () => {
  let dir: string;
  let file: string;

  beforeAll(() => {
    dir = tempDir("medeval-corpus-cli-");
    file = writeJsonl(dir, "passages.jsonl", PASSAGES);
  });

  it("imports into $MEDEVAL_HOME/corpus with rejects listed by line, then a re-import skips every passage", () => {
    const first = medeval(["corpus", "import", file, "--name", "medwiki", "--lang-default", "en", "--chunk-chars", "250"], dir);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("5 passages added (6 chunks), 0 replaced, 0 skipped (already in the corpus), 4 rejected");
    expect(first.stdout).toContain("chunks written by language: en 4, it 1, es 1");
    expect(first.stdout).toContain("rejected line 8: language: \"English\" is not a language code");
    const again = medeval(["corpus", "import", file, "--name", "medwiki", "--lang-default", "en"], dir);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("0 passages added (0 chunks), 0 replaced, 5 skipped");
  });

  it("search prints id, language, score, title and an excerpt, best first", () => {
    const search = medeval(["corpus", "search", "appendix pain in the lungs", "--name", "medwiki", "--lang", "en", "-k", "2"], dir);
    expect(search.code).toBe(0);
    const rows = search.stdout.split("\n").filter((l) => /#\d/.test(l));
    expect(rows[0]).toMatch(/7#0\s+│ en\s+│ \d+\.\d\d\s+│ Appendicitis\s+│ Appendicitis is inflammation/);
    expect(rows).toHaveLength(2);
  });

  it("maps fields with --field and says what to do when no row can be imported", () => {
    const other = writeJsonl(dir, "other.jsonl", [{ doc: "d1", body: "Hepatitis is inflammation of the liver.", lang: "en" }]);
    const mapped = medeval(["corpus", "import", other, "--name", "mapped", "--field", "id=doc", "--field", "text=body"], dir);
    expect(mapped.code).toBe(0);
    expect(mapped.stdout).toContain("1 passages added (1 chunks)");
    const unmapped = medeval(["corpus", "import", other, "--name", "unmapped"], dir);
    expect(unmapped.code).toBe(2);
    expect(unmapped.stdout).toContain("rejected line 1: text: missing");
    expect(unmapped.stderr).toMatch(/none of its 1 rows could be imported.*--field/);
  });

  it("a missing file, an unknown corpus, a bad flag are errors that say what to do (exit 2)", () => {
    const missing = medeval(["corpus", "import", join(dir, "nope.jsonl"), "--name", "medwiki"], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.jsonl: no such file\. Give a \.jsonl or \.parquet passage file/);
    const unknown = medeval(["corpus", "search", "fever", "--name", "wikimed"], dir);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no corpus "wikimed" in .*\(it has: mapped, medwiki\)\. Import one: .*corpus import FILE --name wikimed/);
    const badField = medeval(["corpus", "import", file, "--name", "medwiki", "--field", "body=text"], dir);
    expect(badField.code).toBe(2);
    expect(badField.stderr).toContain("--field body=text: expected PASSAGE_FIELD=SOURCE_FIELD");
    const badChunk = medeval(["corpus", "import", file, "--name", "medwiki", "--chunk-chars", "10"], dir);
    expect(badChunk.code).toBe(2);
    expect(badChunk.stderr).toContain("--chunk-chars must be a whole number >= 100");
    for (const r of [missing, unknown, badField, badChunk]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
