// What `medeval tasks` shows per task: language, domain, group, size and where its test set
// comes from. Sizes are counted only from local files (never a download), "?" otherwise.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadItems } from "./load-items.ts";
import type { TaskSpec } from "./task-spec.ts";

export interface TaskRow {
  id: string;
  family: string;
  lang: string;
  subject: string | null;
  domain: string;
  group: string | null;
  /** Test items, when the local file is there to count; null otherwise. */
  size: number | null;
  pool_size: number | null;
  /** Item counts the source's card states (task file `size:`), not counted here. */
  card_size: number | null;
  card_pool_size: number | null;
  /** The data's licence as the task file states it; null when it does not say. */
  license: string | null;
  /** "local:<path>", "hub:<repo>@<revision>" or "not configured". */
  source: string;
  /** Why a size is missing or a source unusable, for people. */
  problem: string | null;
  /** Splits (test, pool) read from the Hub at a branch or tag rather than a commit: their data can change under the same task file. */
  unpinned: string[];
}

/** A Hub revision is pinned when it names a commit; a branch ("main") moves. */
export function isPinnedRevision(revision: string): boolean {
  return /^[0-9a-f]{40}$/.test(revision);
}

export async function describeTasks(tasks: TaskSpec[], dataDir: string | undefined): Promise<TaskRow[]> {
  const rows: TaskRow[] = [];
  for (const task of tasks) {
    const [test, pool] = [await countLocal(task, "test", dataDir), await countLocal(task, "pool", dataDir)];
    rows.push({
      id: task.id,
      family: task.family,
      lang: task.lang,
      subject: task.subject ?? null,
      domain: task.domain,
      group: task.group ?? null,
      size: test.n,
      pool_size: pool.n,
      card_size: task.declaredSize?.test ?? null,
      card_pool_size: task.declaredSize?.pool ?? null,
      license: task.license ?? null,
      source: sourceLabel(task, dataDir),
      problem: test.problem,
      unpinned: (["test", "pool"] as const).filter((split) => {
        const hub = task[split]?.hub;
        return hub !== undefined && !isPinnedRevision(hub.revision);
      }),
    });
  }
  return rows;
}

function sourceLabel(task: TaskSpec, dataDir: string | undefined): string {
  const spec = task.test;
  if (spec?.local && dataDir && existsSync(join(dataDir, spec.local.path))) return `local:${spec.local.path}`;
  if (spec?.hub) return `hub:${spec.hub.repo}@${shortRevision(spec.hub.revision)}${isPinnedRevision(spec.hub.revision) ? "" : " (unpinned)"}`;
  if (spec?.local) return `local:${spec.local.path} (missing)`;
  return "not configured";
}

async function countLocal(task: TaskSpec, split: "test" | "pool", dataDir: string | undefined): Promise<{ n: number | null; problem: string | null }> {
  const local = task[split]?.local;
  if (!local || !dataDir || !existsSync(join(dataDir, local.path))) return { n: null, problem: null };
  try {
    // offline and no fetch: a count must never start a download.
    const { items } = await loadItems({ ...task, [split]: { local } }, split, { dataDir, offline: true });
    return { n: items.length, problem: null };
  } catch (err) {
    return { n: null, problem: (err as Error).message.split("\n")[0] };
  }
}

function shortRevision(revision: string): string {
  return isPinnedRevision(revision) ? revision.slice(0, 10) : revision;
}
