// Which medeval made a run: version, git commit (when run from a checkout), Node version.
import { execFileSync } from "node:child_process";
import { PACKAGE_ROOT, packageVersion } from "../package-root.ts";

let cached: { version: string; git_commit: string | null; node: string } | undefined;

export function harnessInfo(): { version: string; git_commit: string | null; node: string } {
  if (cached) return cached;
  let commit: string | null = null;
  try {
    commit = execFileSync("git", ["rev-parse", "HEAD"], { cwd: PACKAGE_ROOT, stdio: ["ignore", "pipe", "ignore"] }).toString().trim() || null;
  } catch {
    commit = null; // not a git checkout (installed package): the version identifies it
  }
  cached = { version: packageVersion(), git_commit: commit, node: process.version };
  return cached;
}
