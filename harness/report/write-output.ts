// Writes a file a command was asked to produce (--out, --svg, --junit …). The folder is made
// when missing; the text goes to a temporary file renamed into place, so a failure never
// leaves half a table that looks whole; a path that cannot be written is the user's to fix,
// said in words, not a stack trace.
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { UserError } from "../types.ts";

export function writeOutputFile(file: string, text: string, flag = "--out"): void {
  const target = resolve(file);
  const temp = `${target}.tmp-${process.pid}`;
  try {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(temp, text);
    renameSync(temp, target);
  } catch (err) {
    try {
      rmSync(temp, { force: true });
    } catch {
      // The folder itself is what could not be written: there is no temporary file.
    }
    const e = err as NodeJS.ErrnoException;
    const why = e.code === "EISDIR" ? "it is a folder" : e.code === "EACCES" || e.code === "EPERM" ? "permission denied" : (e.code ?? e.message);
    throw new UserError(`${flag} ${file}: cannot write it (${why}). Name a file in a folder you can write to.`);
  }
}
