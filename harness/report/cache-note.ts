// How many answers a table row or a check side took from the response cache, in one line:
// a reader must be able to tell a score the server gave today from one it gave another day.
import type { TaskSummary } from "../types.ts";

type FromCache = NonNullable<TaskSummary["from_cache"]>;

/** "medqa.en 40 of 100, headqa.es 3 of 100 from the response cache (checkpoint files:ab12…)", or null when none came from it. */
export function cacheNote(tasks: Iterable<{ task: string; n: number; fromCache: FromCache | undefined }>): string | null {
  const parts: string[] = [];
  const identities = new Set<string>();
  let untied = 0;
  for (const t of tasks) {
    if (!t.fromCache) continue;
    parts.push(`${t.task} ${t.fromCache.samples} of ${t.n}`);
    for (const id of t.fromCache.identities) identities.add(id);
    untied += t.fromCache.untied;
  }
  if (parts.length === 0) return null;
  const under = [...[...identities].map((id) => `checkpoint ${id}`), ...(untied > 0 ? [`${untied} with no checkpoint identity, cached before medeval tied the cache to weights`] : [])];
  return `answers from the response cache: ${parts.join(", ")} (${under.join("; ")})`;
}
