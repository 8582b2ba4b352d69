// --export-batch: the requests a live run would send, written as OpenAI Batch input lines
// (what `vllm run-batch -i` and the OpenAI Batch API read) instead of being sent. Each body
// is the one the run's own answerer builds (recorded by batch-route.ts), for every scoring mode.
import { renameSync, writeFileSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { pendingItems } from "../engine/engine.ts";
import { readJournal, sampleKey } from "../record/journal.ts";
import type { PlannedTask } from "./plan.ts";
import { UserError } from "../user-error.ts";
import { requestOf, type BatchRequest } from "./batch-route.ts";
import { sampleState, type ItemAnswerer } from "./run.ts";

export { BATCH_CHAT_URL, BATCH_COMPLETIONS_URL } from "./batch-route.ts";

export interface BatchRequestLine {
  custom_id: string;
  method: "POST";
  url: string;
  body: Record<string, unknown>;
}

const CUSTOM_ID_PREFIX = "medeval";

/**
 * Ties a line to its run and item: `medeval:<spec hash>:<run id>:<task>:<item id>`. The spec
 * hash keeps two runs apart even under one run id; the task and item id name the journal key.
 */
export function batchCustomId(specHash: string, runId: string, task: string, itemId: string): string {
  return `${CUSTOM_ID_PREFIX}:${specHash}:${runId}:${task}:${itemId}`;
}

/** The parts of a custom_id written by batchCustomId, or null for one medeval did not write. */
export function parseBatchCustomId(id: string): { specHash: string; runId: string; task: string; itemId: string } | null {
  // Run ids and task ids hold no ":" (checkRunId, task files); an item id may.
  const match = /^medeval:([0-9a-f]+):([^:]+):([^:]+):(.+)$/.exec(id);
  return match ? { specHash: match[1], runId: match[2], task: match[3], itemId: match[4] } : null;
}

/** requests.jsonl → requests-00001.jsonl: the name of part `n` (from 1) of a split export. */
export function batchPartFile(file: string, n: number): string {
  const ext = extname(file);
  return join(dirname(file), `${basename(file, ext)}-${String(n).padStart(5, "0")}${ext || ".jsonl"}`);
}

/** How big one part of a split export may be: vllm run-batch jobs count lines, provider Batch APIs cap bytes. */
export type BatchLimit = { lines: number } | { bytes: number };

export interface ExportBatchInput {
  /** The file to write, or the pattern of its parts when `batchSize` splits it. */
  file: string;
  /** At most this many lines, or bytes, per file (null: one file). */
  batchSize: BatchLimit | null;
  specHash: string;
  runId: string;
  tasks: PlannedTask[];
  /** The run's samples.jsonl (absent for a new run): items answered there are not exported. */
  journalFile: string;
  /** The run's own answerer, built over batch-route.ts's recordingRoute. */
  answer: ItemAnswerer;
}

export interface ExportBatchResult {
  written: number;
  /** The files written, in order. */
  files: string[];
  /** Items with a non-error sample for the same content in the journal. */
  alreadyAnswered: number;
  /** Items the response cache answers: the import (or a live run) takes them from there. */
  cached: number;
}

export async function exportBatch(input: ExportBatchInput): Promise<ExportBatchResult> {
  const existing = readJournal(input.journalFile).samples;
  const jobs = input.tasks.flatMap((task) => task.items.map((item) => ({ key: sampleKey(task.meta.id, item.id), hash: item.hash, task, item })));
  const pending = pendingItems(jobs, existing, sampleState);
  const lines: string[] = [];
  let cached = 0;
  for (const { item: job } of pending) {
    const found = await requestOf(input.answer, job.task, job.item);
    if (found.kind === "cached") {
      cached++;
      continue;
    }
    lines.push(`${JSON.stringify(requestLine(batchCustomId(input.specHash, input.runId, job.task.meta.id, job.item.id), found.request))}\n`);
  }
  const files = writeParts(input.file, input.batchSize, lines);
  return { written: lines.length, files, alreadyAnswered: jobs.length - pending.length, cached };
}

function requestLine(customId: string, request: BatchRequest): BatchRequestLine {
  return { custom_id: customId, method: "POST", url: request.url, body: request.body };
}

/** One file (written even when empty: the export said "nothing left"), or parts within `limit`. */
function writeParts(file: string, limit: BatchLimit | null, lines: string[]): string[] {
  if (limit === null) {
    writeAtomic(file, lines.join(""));
    return [file];
  }
  const parts: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const line of lines) {
    const size = Buffer.byteLength(line);
    if ("bytes" in limit && size > limit.bytes) {
      throw new UserError(`one request line is ${size} bytes, more than the ${limit.bytes} bytes a part may hold: raise the byte limit of the split`);
    }
    const full = "lines" in limit ? current.length >= limit.lines : bytes + size > limit.bytes;
    if (full && current.length > 0) {
      parts.push(current);
      current = [];
      bytes = 0;
    }
    current.push(line);
    bytes += size;
  }
  if (current.length > 0) parts.push(current);
  return parts.map((part, i) => {
    const name = batchPartFile(file, i + 1);
    writeAtomic(name, part.join(""));
    return name;
  });
}

function writeAtomic(file: string, text: string): void {
  const temp = `${file}.partial`;
  writeFileSync(temp, text);
  renameSync(temp, file);
}
