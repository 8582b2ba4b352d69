// dist/task-files.json (harness/tasks/prebuilt.ts) stands in for parsing tasks/*.yaml in the
// build: each shipped file must come back from its JSON exactly as the parser makes it (no
// field that JSON drops or changes), under the key of its own text and of no other.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { prebuildTaskFiles } from "../../harness/tasks/prebuild.ts";
import { prebuiltKey } from "../../harness/tasks/prebuilt.ts";
import { DEFAULT_TASKS_DIR, parseTaskFileText } from "../../harness/tasks/registry.ts";
import { TaskFileSchema } from "../../harness/tasks/task-file-schema.ts";

describe("task files checked at build time", () => {
  const built = JSON.parse(JSON.stringify(prebuildTaskFiles())) as Record<string, unknown>;
  const files = readdirSync(DEFAULT_TASKS_DIR).filter((f) => f.endsWith(".yaml"));

  it("holds one entry per shipped task file", () => {
    expect(Object.keys(built)).toHaveLength(files.length);
  });

  it.each(files)("%s survives the JSON round trip exactly", (name) => {
    const file = join(DEFAULT_TASKS_DIR, name);
    const text = readFileSync(file, "utf8");
    expect(built[prebuiltKey("task", text)]).toStrictEqual(parseTaskFileText(file, text, TaskFileSchema));
  });

  it("keys by the text and the kind of file: an edit or a local file misses", () => {
    const text = readFileSync(join(DEFAULT_TASKS_DIR, files[0]), "utf8");
    expect(built[prebuiltKey("task", `${text}\n# edited`)]).toBeUndefined();
    expect(built[prebuiltKey("local", text)]).toBeUndefined();
  });
});
