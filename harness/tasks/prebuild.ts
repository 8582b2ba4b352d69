// Build step (bin/build.mjs): every task file of the repository's tasks/ folder parsed and
// validated once, for dist/task-files.json (see prebuilt.ts). A file that does not parse is a
// build error: the same file would fail every run.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_TASKS_DIR, parseTaskFileText } from "./registry.ts";
import { TaskFileSchema } from "./task-file-schema.ts";
import { prebuiltKey } from "./prebuilt.ts";

export function prebuildTaskFiles(dir: string = DEFAULT_TASKS_DIR): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    const file = join(dir, name);
    const text = readFileSync(file, "utf8");
    out[prebuiltKey("task", text)] = parseTaskFileText(file, text, TaskFileSchema);
  }
  return out;
}
