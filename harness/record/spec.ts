// The spec a run record is named by: its hash, the run id derived from it, the shard rule
// the record's samples follow, and what differs between two specs. Readers (merge) and the
// runner share these, so they live with the record.
import { hashJson, sha256 } from "../hash.ts";
import type { RunRecord, TaskSourceRecord } from "../types.ts";
import { UserError } from "../types.ts";

export interface Shard {
  index: number;
  count: number;
}

export type RunSpec = RunRecord["spec"];

/** Deterministic shard membership from the item's identity, independent of file order. */
export function inShard(taskId: string, itemId: string, shard: Shard | null): boolean {
  if (!shard || shard.count === 1) return true;
  const h = sha256(`${taskId}\u0000${itemId}`);
  return Number.parseInt(h.slice(0, 8), 16) % shard.count === shard.index;
}

/**
 * The hash that identifies what a run asks: base URLs are left out (replicas come and go
 * without changing an answer), the data is in through each task's items_hash.
 */
export function specHash(spec: RunSpec, sources: TaskSourceRecord[]): string {
  const { base_urls: _urls, ...rest } = spec;
  return hashJson({ spec: rest, data: sources.map((s) => ({ task: s.task, items_hash: s.items_hash })) });
}

/** A run id names one folder inside --out: no path of its own (it would write elsewhere). */
export function checkRunId(flag: string, id: string): void {
  if (!/^[A-Za-z0-9_][A-Za-z0-9._+-]*$/.test(id)) {
    throw new UserError(`${flag} ${JSON.stringify(id)}: a run id is one folder name inside --out (letters, digits, ".", "_", "+", "-"); use --out to choose where runs go`);
  }
}

/** Run ids are derived from the spec, so re-running the same command finds (and resumes) the same run. */
export function defaultRunId(spec: RunSpec, hash: string): string {
  const word = (text: string) => text.replace(/[^A-Za-z0-9_.-]+/g, "_");
  const shard = spec.shard ? `-shard${spec.shard.index}of${spec.shard.count}` : "";
  // The prompt style is in the name: a cot and a direct run of one model are told apart at a glance.
  return `${word(spec.model)}-${spec.setting}-${word(spec.prompt_style)}-${spec.scoring}${shard}-${hash.slice(0, 10)}`;
}

/** The run id before it named the prompt style: a run started then is still found by the same command. */
export function legacyRunId(spec: RunSpec, hash: string): string {
  const model = spec.model.replace(/[^A-Za-z0-9_.-]+/g, "_");
  const shard = spec.shard ? `-shard${spec.shard.index}of${spec.shard.count}` : "";
  return `${model}-${spec.setting}-${spec.scoring}${shard}-${hash.slice(0, 10)}`;
}

/** What differs between two specs, for the refusal message. */
export function specDifferences(a: unknown, b: unknown, path = ""): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const isObj = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
    return [...keys].flatMap((k) =>
      specDifferences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k),
    );
  }
  return [`${path}: ${JSON.stringify(a)} → ${JSON.stringify(b)}`];
}
