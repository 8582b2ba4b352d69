// The folder that holds medeval's package.json and tasks/. Found by walking up rather than
// by a fixed number of "..": the same module runs from harness/ (sources, tests) and from
// dist/ (the build bin/medeval.js runs), one level deeper or shallower.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) throw new Error(`medeval's package.json not found above ${from}: the installation is incomplete`);
  }
}

export const PACKAGE_ROOT = findPackageRoot(import.meta.dirname);

/** medeval's version, from its package.json (read here, not by yargs: the bundle in dist/ hides where that is). */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string }).version;
}
