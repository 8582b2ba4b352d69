import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LOCK_FILE, RunLock } from "../../harness/record/run-lock.ts";
import { tempDir } from "../helpers.ts";

/** The pid of a process that has exited (the OS does not reuse it within a test). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(r.stdout);
}

function writeLock(dir: string, owner: { pid: number; host: string }): void {
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ ...owner, started_at: "2026-12-01T10:00:00.000Z", command: "medeval run", token: "t0" }));
}

describe("run folder lock", () => {
  it("a second writer is refused with the owner's pid, host and start; release lets the next one in", () => {
    const dir = tempDir();
    const first = RunLock.acquire(dir, "medeval run");
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8"))).toMatchObject({ pid: process.pid, host: hostname(), command: "medeval run" });
    expect(() => RunLock.acquire(dir, "medeval merge")).toThrow(new RegExp(`is in use: medeval run \\(pid ${process.pid} on ${hostname()}, since 20\\d\\d-`));
    expect(RunLock.holder(dir)?.pid).toBe(process.pid);
    first.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    expect(RunLock.holder(dir)).toBeNull();
    const second = RunLock.acquire(dir, "medeval merge");
    expect(second.tookOver).toBeNull();
    second.release();
    first.release(); // idempotent: never removes another's lock
  });

  it("a lock left by a dead process on this host is taken over, and says whose it was", () => {
    const dir = tempDir();
    const pid = deadPid();
    writeLock(dir, { pid, host: hostname() });
    expect(RunLock.holder(dir)).toBeNull();
    const lock = RunLock.acquire(dir, "medeval run");
    expect(lock.tookOver).toMatchObject({ pid, started_at: "2026-12-01T10:00:00.000Z" });
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8")).pid).toBe(process.pid);
    lock.release();
  });

  it("a lock held on another host is not taken: medeval cannot tell whether its owner lives", () => {
    const dir = tempDir();
    writeLock(dir, { pid: deadPid(), host: "gpu-node-7" });
    expect(() => RunLock.acquire(dir, "medeval run")).toThrow(/on gpu-node-7, .*another host, which medeval cannot check: if that process is gone, remove .*medeval\.lock/);
  });

  it("a lock file that is not medeval's is refused, not overwritten", () => {
    const dir = tempDir();
    writeFileSync(join(dir, LOCK_FILE), "garbage");
    expect(() => RunLock.acquire(dir, "medeval run")).toThrow(/a lock file medeval cannot read/);
    expect(readFileSync(join(dir, LOCK_FILE), "utf8")).toBe("garbage");
  });
});
