// Task files parsed and validated at build time. `npm run build` (bin/build.mjs) reads every
// tasks/*.yaml through the same schema as a run does and writes the results to
// dist/task-files.json, keyed by a hash of each file's text; the bundle then takes a task
// file from there whenever its text is unchanged, which spares every start the YAML parse and
// the schema check of the registry (about 70 ms of CPU). A file edited since the build, a
// --tasks-dir of one's own, or the TypeScript sources (tests) all parse as before.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../package-root.ts";

/** Set to true by the bundler (bin/build.mjs's `define`); undefined when the sources run. */
declare const MEDEVAL_BUNDLED: boolean | undefined;

export const PREBUILT_FILE = join(PACKAGE_ROOT, "dist", "task-files.json");

export type TaskFileKind = "task" | "local";

export function prebuiltKey(kind: TaskFileKind, text: string): string {
  return createHash("sha256").update(kind).update("\0").update(text).digest("hex");
}

let prebuilt: Record<string, unknown> | null | undefined;

function load(): Record<string, unknown> | null {
  if (typeof MEDEVAL_BUNDLED === "undefined" || !MEDEVAL_BUNDLED) return null;
  try {
    return JSON.parse(readFileSync(PREBUILT_FILE, "utf8")) as Record<string, unknown>;
  } catch {
    return null; // not written (an older build): every file parses
  }
}

/** The validated contents of a task file with this text, when the build checked the same text. */
export function prebuiltTaskFile(kind: TaskFileKind, text: string): unknown | undefined {
  // Loaded once, absent included (null: `??=` would try again for every file).
  if (prebuilt === undefined) prebuilt = load();
  return prebuilt?.[prebuiltKey(kind, text)];
}
