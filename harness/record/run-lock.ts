// One writer per run folder: two processes appending to one journal sent every request twice
// and left twice the lines. The lock is a file in the run folder naming its owner (pid, host,
// since when, which command), created atomically with link(2), which fails when it exists.
// A lock whose owner is gone (same host, pid not running) is taken over; one on another host
// cannot be checked and is left to the person.
//
// Why not proper-lockfile: it judges staleness by the lock's age, refreshed on a timer, so a
// long synchronous step (summarising a large run) lets a live writer's lock be taken; and its
// lock directory does not say who holds it. A pid check answers "is the owner still running"
// exactly on one host, which is where two runs on one folder happen.
import { randomBytes } from "node:crypto";
import { linkSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { UserError } from "../types.ts";

export const LOCK_FILE = "medeval.lock";

const LockOwnerSchema = z.object({ pid: z.number().int(), host: z.string(), started_at: z.string(), command: z.string(), token: z.string() });
export type LockOwner = z.infer<typeof LockOwnerSchema>;

/** Locks this process holds, released on exit (a second Ctrl-C exits without unwinding). */
const held = new Set<RunLock>();
let exitHookInstalled = false;

export class RunLock {
  private constructor(
    readonly file: string,
    private readonly owner: LockOwner,
    /** The dead owner whose lock was taken over, if any (the caller says so). */
    readonly tookOver: LockOwner | null,
  ) {}

  /** Takes the lock of a run folder (which must exist), or refuses, naming the process that holds it. */
  static acquire(dir: string, command: string): RunLock {
    const file = join(dir, LOCK_FILE);
    const me: LockOwner = { pid: process.pid, host: hostname(), started_at: new Date().toISOString(), command, token: randomBytes(8).toString("hex") };
    let tookOver: LockOwner | null = null;
    // A few rounds: the file may vanish or be replaced between looking and taking.
    for (let round = 0; round < 5; round++) {
      if (createExclusive(file, me)) {
        const lock = new RunLock(file, me, tookOver);
        held.add(lock);
        installExitHook();
        return lock;
      }
      const owner = readOwner(file);
      if (owner === "gone") continue;
      if (owner === "unreadable") {
        throw new UserError(`${file}: a lock file medeval cannot read holds ${dir}. If no medeval process writes into this run folder, remove the file and run again.`);
      }
      if (!isStale(owner)) throw new UserError(heldMessage(dir, file, owner));
      if (takeOverStale(file, owner)) tookOver = owner;
    }
    throw new UserError(`${dir}: could not take the run folder's lock (${file}) after several tries; another process keeps taking it. Run again.`);
  }

  /** The live owner of a run folder's lock, or null when no running process holds it. */
  static holder(dir: string): LockOwner | null {
    const owner = readOwner(join(dir, LOCK_FILE));
    return typeof owner === "object" && !isStale(owner) ? owner : null;
  }

  /** Removes the lock if it is still this process's. Idempotent. */
  release(): void {
    if (!held.delete(this)) return;
    const now = readOwner(this.file);
    if (typeof now === "object" && now.token === this.owner.token) unlinkQuietly(this.file);
  }
}

export function describeOwner(owner: LockOwner): string {
  return `${owner.command} (pid ${owner.pid} on ${owner.host}, since ${owner.started_at})`;
}

function heldMessage(dir: string, file: string, owner: LockOwner): string {
  const other = owner.host !== hostname() ? ` It runs on another host, which medeval cannot check: if that process is gone, remove ${file}.` : "";
  return (
    `${dir} is in use: ${describeOwner(owner)} is writing into it. Two writers would mix their samples in one run; ` +
    `wait for it to finish or stop it, or write elsewhere (another --out or --run-id).${other}`
  );
}

/** The lock's content is written in full before it takes the name: no reader sees half an owner. */
function createExclusive(file: string, owner: LockOwner): boolean {
  const tmp = `${file}.${owner.pid}.${owner.token}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(owner)}\n`);
  try {
    linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  } finally {
    unlinkQuietly(tmp);
  }
}

function readOwner(file: string): LockOwner | "gone" | "unreadable" {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return "gone";
    throw err;
  }
  try {
    const parsed = LockOwnerSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : "unreadable";
  } catch {
    return "unreadable";
  }
}

/** Gone for sure: on this host, and no process has its pid (EPERM means one does, of another user). */
function isStale(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/**
 * Removes a dead owner's lock, under a second lock so that two processes finding the same
 * stale lock cannot remove each other's new one. Returns true when it removed it.
 */
function takeOverStale(file: string, stale: LockOwner): boolean {
  const guard = `${file}.takeover`;
  const me: LockOwner = { pid: process.pid, host: hostname(), started_at: new Date().toISOString(), command: "takeover", token: randomBytes(8).toString("hex") };
  if (!createExclusive(guard, me)) {
    const other = readOwner(guard);
    // A taker-over that died mid-way (a few lines of work) leaves its guard; it is as stale as the lock.
    if (other === "unreadable" || (typeof other === "object" && isStale(other))) unlinkQuietly(guard);
    return false;
  }
  try {
    const now = readOwner(file);
    if (typeof now !== "object" || now.token !== stale.token) return false;
    unlinkQuietly(file);
    return true;
  } finally {
    unlinkQuietly(guard);
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const lock of [...held]) lock.release();
  });
}
