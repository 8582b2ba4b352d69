// Shared test helpers.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** ../shared/datasets beside the checkout (always there in CI); undefined elsewhere. */
export const SHARED_DATASETS = resolve(import.meta.dirname, "..", "..", "shared", "datasets");
export const SHARED_GENERATIONS = resolve(import.meta.dirname, "..", "..", "shared", "generations", "generations.jsonl");
export const hasSharedDatasets = existsSync(SHARED_DATASETS);
export const hasSharedGenerations = existsSync(SHARED_GENERATIONS);
export const SKIP_SHARED_REASON = "../shared/datasets is not beside this checkout (CI always has it)";

/** Rows as a .jsonl file in dir (a string row is written as it is: a malformed line). */
export function writeJsonl(dir: string, name: string, rows: unknown[]): string {
  const file = join(dir, name);
  writeFileSync(file, rows.map((r) => (typeof r === "string" ? r : JSON.stringify(r))).join("\n") + "\n");
  return file;
}

/** The real CLI from the sources, with MEDEVAL_HOME set to home: exit code and output. */
export function medevalCli(args: string[], home: string): { code: number | null; stdout: string; stderr: string } {
  const root = resolve(import.meta.dirname, "..");
  const r = spawnSync(process.execPath, ["--import", "tsx", join(root, "harness", "cli.ts"), ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, MEDEVAL_HOME: home },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function tempDir(prefix = "medeval-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Is a process with this pid still there? */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Wait (bounded) for a process to be gone; true when it is. */
export async function waitGone(pid: number, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isAlive(pid);
}
