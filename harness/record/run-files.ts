// run.json, the record of a run: read (validated) by everything after the runner, written
// atomically by the runner and by merge so a reader never sees half a file.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { RunRecordSchema, UserError, type RunRecord } from "../types.ts";

export function readRunRecord(file: string): RunRecord {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new UserError(`${file}: cannot read the run record (${(err as Error).message}). Is it a run folder made by \`medeval run\`?`);
  }
  const parsed = RunRecordSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 3).map((i) => `field ${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new UserError(`${file}: not a valid run record: ${issues.join("; ")}`);
  }
  return parsed.data;
}

export function writeJsonAtomic(file: string, value: unknown): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, file);
}

/** Makes a run folder inside --out, or says why it cannot be made. */
export function makeRunFolder(outDir: string, dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new UserError(`--out ${outDir}: cannot make the run folder ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}). Name a folder.`);
  }
}
