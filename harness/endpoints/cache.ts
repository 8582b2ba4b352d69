// Response cache: the same request to the same model is never sent twice, across runs
// (a second setting sharing prompts, a re-score after an extraction fix).
// Key = the endpoint's model identity + the full request body. One small file per entry,
// written atomically, so concurrent runs and crashes never leave a half entry behind.
// Within a process a prompt asked twice at once is sent once: the second asker waits for
// the first's reply. Across processes it is not (see the README's Response cache).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { hashJson } from "../hash.ts";
import { UsageSchema } from "../types.ts";

/**
 * One cached reply. Read back through this schema: valid JSON of another shape (a file edited
 * or damaged outside medeval) is a miss; trusted, it would become a sample without a reply.
 */
const CachedResponseSchema = z.object({
  content: z.string().nullable(),
  reasoning: z.string().nullable(),
  finish_reason: z.string().nullable(),
  usage: UsageSchema.nullable(),
  logprobs: z.unknown().optional(),
});
export type CachedResponse = z.infer<typeof CachedResponseSchema>;

/** Requests on their way, by entry file, shared by every cache of this process (two runs at once). */
const inFlight = new Map<string, Promise<void>>();

/** A cached reply, or a miss the caller now answers for: `done()` once it has set (or given up on) the entry. */
export type CacheLookup = { kind: "hit"; value: CachedResponse } | { kind: "miss"; done: () => void };

export class ResponseCache {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  /**
   * The cache key, or null when the request must not be cached: sampling (temperature > 0)
   * without a seed gives a different answer each time, by design.
   */
  static key(modelIdentity: string, body: Record<string, unknown>): string | null {
    const temperature = typeof body.temperature === "number" ? body.temperature : 1;
    if (temperature > 0 && (body.seed === undefined || body.seed === null)) return null;
    return hashJson({ model: modelIdentity, body });
  }

  private path(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  get(key: string): CachedResponse | undefined {
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(this.path(key), "utf8"));
    } catch {
      return undefined; // missing, or unreadable: treat as a miss and ask again
    }
    const parsed = CachedResponseSchema.safeParse(value);
    return parsed.success ? parsed.data : undefined;
  }

  /**
   * The entry, or a miss that makes this caller the one to send: until it calls done(), other
   * askers of the same key in this process wait, then read what it stored (or send themselves
   * when it stored nothing, as after an error).
   */
  async lookup(key: string, accept: (value: CachedResponse) => boolean = () => true): Promise<CacheLookup> {
    const file = this.path(key);
    for (;;) {
      const pending = inFlight.get(file);
      if (pending) {
        await pending;
        continue;
      }
      const value = this.get(key);
      if (value && accept(value)) return { kind: "hit", value };
      let finish!: () => void;
      const mine = new Promise<void>((resolve) => (finish = resolve));
      inFlight.set(file, mine);
      return {
        kind: "miss",
        done: () => {
          if (inFlight.get(file) === mine) inFlight.delete(file);
          finish();
        },
      };
    }
  }

  set(key: string, value: CachedResponse): void {
    const file = this.path(key);
    mkdirSync(join(this.dir, key.slice(0, 2)), { recursive: true });
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(tmp, JSON.stringify(value));
    renameSync(tmp, file);
  }
}
