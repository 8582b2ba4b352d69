// --export-batch: the requests a live run would send, written as OpenAI Batch input lines
// (what `vllm run-batch -i` and the OpenAI Batch API read) instead of being sent.
import { renameSync, writeFileSync } from "node:fs";
import { pendingItems } from "../engine/engine.ts";
import { readJournal, sampleKey } from "../record/journal.ts";
import type { ChatMessage, Item } from "../types.ts";
import type { PreparedRequest } from "./generative.ts";
import type { PlannedTask } from "./plan.ts";
import { sampleState } from "./run.ts";

/** The endpoint every exported line asks for (generative scoring: one chat request per item). */
export const BATCH_CHAT_URL = "/v1/chat/completions";

export interface BatchRequestLine {
  custom_id: string;
  method: "POST";
  url: string;
  body: Record<string, unknown>;
}

/**
 * Ties a line to its run and item: `medeval:<spec hash>:<run id>:<task>:<item id>`. The spec
 * hash keeps two runs apart even under one run id; the task and item id name the journal key.
 */
export function batchCustomId(specHash: string, runId: string, task: string, itemId: string): string {
  return `medeval:${specHash}:${runId}:${task}:${itemId}`;
}

export interface ExportBatchInput {
  file: string;
  specHash: string;
  runId: string;
  tasks: PlannedTask[];
  /** The run's samples.jsonl (absent for a new run): items answered there are not exported. */
  journalFile: string;
  prepare: (task: PlannedTask, item: Item) => Promise<PreparedRequest>;
  buildBody: (messages: ChatMessage[]) => Record<string, unknown>;
}

export interface ExportBatchResult {
  written: number;
  /** Items with a non-error sample for the same content in the journal. */
  alreadyAnswered: number;
}

export async function exportBatch(input: ExportBatchInput): Promise<ExportBatchResult> {
  const existing = readJournal(input.journalFile).samples;
  const jobs = input.tasks.flatMap((task) => task.items.map((item) => ({ key: sampleKey(task.meta.id, item.id), hash: item.hash, task, item })));
  const pending = pendingItems(jobs, existing, sampleState);
  const lines: string[] = [];
  for (const { item: job } of pending) {
    const prepared = await input.prepare(job.task, job.item);
    const line: BatchRequestLine = {
      custom_id: batchCustomId(input.specHash, input.runId, job.task.meta.id, job.item.id),
      method: "POST",
      url: BATCH_CHAT_URL,
      body: input.buildBody(prepared.messages),
    };
    lines.push(`${JSON.stringify(line)}\n`);
  }
  const temp = `${input.file}.partial`;
  writeFileSync(temp, lines.join(""));
  renameSync(temp, input.file);
  return { written: lines.length, alreadyAnswered: jobs.length - pending.length };
}
