// Writes a file a command was asked to produce (--out, --svg, --junit …), the one writer for
// every path a user names. A regular file (or a new path) gets the text in a temporary file
// beside it, renamed into place, so a failure never leaves half a table that looks whole. A
// FIFO, a device (/dev/null, /dev/stdout) or a socket is written through: renaming over it
// would replace the device with a file. A symlink is followed, so the link stays and its
// target gets the text. "-" is standard output. A path that cannot be written is the user's
// to fix, said in words, not a stack trace.
import { chmodSync, lstatSync, mkdirSync, readlinkSync, renameSync, rmSync, statSync, writeFileSync, type Stats } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { UserError } from "../types.ts";

/** The path a user names for standard output. */
export const STDOUT_PATH = "-";

/** Symlinks deeper than this are a loop (the kernel's own limit is 40). */
const MAX_LINKS = 40;

export function writeOutputFile(file: string, text: string, flag = "--out"): void {
  if (file === STDOUT_PATH) {
    process.stdout.write(text);
    return;
  }
  let temp: string | null = null;
  try {
    const target = followLinks(resolve(file));
    const existing = statOrNull(target);
    if (existing?.isDirectory()) throw Object.assign(new Error("folder"), { code: "EISDIR" });
    if (existing && !existing.isFile()) {
      writeFileSync(target, text);
      return;
    }
    mkdirSync(dirname(target), { recursive: true });
    temp = join(dirname(target), `.${basename(target)}.tmp-${process.pid}`);
    writeFileSync(temp, text);
    // The replaced file keeps its permissions (a group-readable report stays readable).
    if (existing) chmodSync(temp, existing.mode & 0o7777);
    renameSync(temp, target);
  } catch (err) {
    if (temp) {
      try {
        rmSync(temp, { force: true });
      } catch {
        // The folder itself is what could not be written: there is no temporary file.
      }
    }
    throw new UserError(`${flag} ${file}: cannot write it (${reason(err as NodeJS.ErrnoException)}). Name a file in a folder you can write to, or - for standard output.`);
  }
}

/** True when a command's own messages must keep off standard output (the file goes there). */
export function writesToStdout(file: string | undefined): boolean {
  return file === STDOUT_PATH;
}

/** The path a chain of symlinks ends at (which may not exist yet: a dangling link makes its target). */
function followLinks(path: string): string {
  let current = path;
  for (let hops = 0; hops < MAX_LINKS; hops++) {
    let stats: Stats;
    try {
      stats = lstatSync(current);
    } catch {
      return current;
    }
    if (!stats.isSymbolicLink()) return current;
    current = resolve(dirname(current), readlinkSync(current));
  }
  throw Object.assign(new Error("symlink loop"), { code: "ELOOP" });
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

function reason(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case "EISDIR":
      return "it is a folder";
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return "permission denied";
    case "ENOSPC":
      return "no space left on it";
    case "ELOOP":
      return "a loop of symlinks";
    case "ENOTDIR":
      return "a part of the path is a file, not a folder";
    default:
      return e.code ?? e.message;
  }
}
