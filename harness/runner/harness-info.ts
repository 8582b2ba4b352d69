// Which medeval made a run: version, git commit (when run from a checkout), Node version.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../package-root.ts";

let cached: { version: string; git_commit: string | null; node: string } | undefined;

export function harnessInfo(): { version: string; git_commit: string | null; node: string } {
  if (cached) return cached;
  const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string };
  let commit: string | null = null;
  try {
    commit = execFileSync("git", ["rev-parse", "HEAD"], { cwd: PACKAGE_ROOT, stdio: ["ignore", "pipe", "ignore"] }).toString().trim() || null;
  } catch {
    commit = null; // not a git checkout (installed package): the version identifies it
  }
  cached = { version: pkg.version, git_commit: commit, node: process.version };
  return cached;
}
