// Shared test helpers.
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

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

/** bin/medeval.js, as users start it. */
export const MEDEVAL_BIN = resolve(import.meta.dirname, "..", "bin", "medeval.js");

const execFileAsync = promisify(execFile);

/**
 * The real CLI from the sources, awaited without blocking this process (for tests whose fake
 * server runs in it), MEDEVAL_HOME set to home and no data directory from the environment.
 */
export async function medevalAsync(args: string[], home: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await execFileAsync(process.execPath, [MEDEVAL_BIN, ...args], { env: { ...process.env, MEDEVAL_FROM_SOURCE: "1", MEDEVAL_HOME: home, MEDEVAL_DATA_DIR: "" } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
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
