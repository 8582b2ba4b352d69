// --import-batch: reading batch output files (vLLM run-batch, OpenAI Batch API) for one run.
// Each line is checked against the run (the spec hash in its custom_id) and filed under its
// item; what does not fit is counted and named: foreign lines (another spec, or an item this
// run does not plan), duplicates, failed lines. The replies are then scored by the run's own
// answerers (batch-route.ts), so an imported sample is the sample a live run would write.
import { existsSync, readFileSync } from "node:fs";
import { sampleKey } from "../record/journal.ts";
import { UserError, type Item } from "../types.ts";
import { lineFailed, type BatchOutputLine } from "./batch-route.ts";
import { parseBatchCustomId } from "./export-batch.ts";
import type { PlannedTask } from "./plan.ts";

/** A line left out, with where it is and why. */
export interface SetAside {
  where: string;
  customId: string;
  why: string;
}

export interface BatchOutputs {
  /** The line that answers each item (by journal key): its first successful line, else its first. */
  lines: Map<string, BatchOutputLine>;
  /** Lines read, over all files. */
  read: number;
  foreign: SetAside[];
  /** Second and later lines for an item. */
  duplicated: SetAside[];
}

/** One output line's fields, checked: a clear error naming the file and line when it is not a batch output line. */
function parseOutputLine(text: string, where: string): BatchOutputLine {
  let raw: Record<string, unknown> | null;
  try {
    raw = JSON.parse(text) as Record<string, unknown> | null;
  } catch {
    throw new UserError(`${where}: not valid JSON; a batch output file has one JSON object per line (was the file cut off while it was copied?)`);
  }
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw new UserError(`${where}: not a batch output line (a JSON object with custom_id, response, error)`);
  if (typeof raw.custom_id !== "string") throw new UserError(`${where}: no custom_id; is this the output of \`vllm run-batch -o\` (or a Batch API's output file), not its input?`);
  if ("method" in raw && "body" in raw && !("response" in raw)) {
    throw new UserError(`${where}: this is a request line (method, url, body), from the file --export-batch wrote; import the file \`vllm run-batch -o\` wrote`);
  }
  const response = raw.response as { status_code?: unknown; body?: unknown } | null | undefined;
  if (response !== null && response !== undefined && typeof response !== "object") throw new UserError(`${where}: response must be an object or null`);
  const status = response && typeof response.status_code === "number" ? response.status_code : null;
  return { where, customId: raw.custom_id, status, body: response?.body ?? null, error: raw.error ?? null };
}

/** Reads the output files for the run with `specHash` planning `tasks`. */
export function readBatchOutputs(files: readonly string[], specHash: string, tasks: PlannedTask[]): BatchOutputs {
  const planned = new Map<string, { task: PlannedTask; item: Item }>();
  for (const task of tasks) for (const item of task.items) planned.set(sampleKey(task.meta.id, item.id), { task, item });
  const out: BatchOutputs = { lines: new Map(), read: 0, foreign: [], duplicated: [] };
  for (const file of files) {
    if (!existsSync(file)) throw new UserError(`--import-batch: ${file} does not exist (the file \`vllm run-batch -o\` writes)`);
    const text = readFileSync(file, "utf8");
    text.split("\n").forEach((lineText, i) => {
      if (lineText.trim() === "") return;
      const line = parseOutputLine(lineText, `${file}:${i + 1}`);
      out.read++;
      const id = parseBatchCustomId(line.customId);
      const aside = (why: string): SetAside => ({ where: line.where, customId: line.customId, why });
      if (!id) return void out.foreign.push(aside("not a medeval custom_id"));
      if (id.specHash !== specHash) return void out.foreign.push(aside(`another run's spec (${id.specHash.slice(0, 12)}, run ${id.runId})`));
      const key = sampleKey(id.task, id.itemId);
      if (!planned.has(key)) return void out.foreign.push(aside(`item ${id.task}/${id.itemId} is not planned by this run`));
      const before = out.lines.get(key);
      if (!before) return void out.lines.set(key, line);
      // A retried line may follow a failed one: the answer is the one that succeeded.
      if (lineFailed(before) && !lineFailed(line)) {
        out.lines.set(key, line);
        out.duplicated.push({ where: before.where, customId: before.customId, why: `failed; ${line.where} answers the item` });
      } else {
        out.duplicated.push(aside(`${before.where} already answers the item`));
      }
    });
  }
  return out;
}

/** How an import went, for the end summary: every count with the lines or items behind it. */
export interface ImportReport {
  files: string[];
  /** Lines read over all files. */
  read: number;
  /** Items scored from a line this time. */
  imported: number;
  /** Items the response cache answered (no line needed). */
  fromCache: number;
  /** Lines for items the journal already answered (an import run twice): not scored again. */
  alreadyAnswered: number;
  /** Items this run plans that no line answers (and the cache does not): they stay pending. */
  missing: string[];
  /** Lines that carry no reply (error, non-200) or whose reply could not be scored: their items stay pending. */
  failed: SetAside[];
  /** Lines that came back as a context overflow: recorded as a live run records them (not pending). */
  overflowed: SetAside[];
  duplicated: SetAside[];
  foreign: SetAside[];
  /** The run is complete: nothing missing or failed. */
  complete: boolean;
}
