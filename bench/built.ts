// Benches run the installed command (bin/medeval.js) the way a user does, so dist/ must be
// the build of the current sources: build it first when bin/medeval.js would fall back.
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "..");
export const BIN = join(ROOT, "bin", "medeval.js");

/** The environment without MEDEVAL_FROM_SOURCE (set by the test setup), or with it when asked. */
export function cliEnv(fromSource = false): NodeJS.ProcessEnv {
  const { MEDEVAL_FROM_SOURCE: _, ...rest } = process.env;
  return fromSource ? { ...rest, MEDEVAL_FROM_SOURCE: "1" } : rest;
}

export function ensureBuilt(): void {
  const probe = spawnSync(process.execPath, [BIN, "--version"], { env: cliEnv(), encoding: "utf8" });
  if (probe.stderr.includes("running the TypeScript sources")) {
    process.stdout.write("building dist/ first (npm run build) …\n");
    const build = spawnSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" });
    if (build.status !== 0) throw new Error("npm run build failed");
  }
}
