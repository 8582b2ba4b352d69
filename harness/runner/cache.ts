// Response cache: the same request to the same model is never sent twice, across runs
// (a second setting sharing prompts, a re-score after an extraction fix).
// Key = the endpoint's model identity + the full request body. One small file per entry,
// written atomically, so concurrent runs and crashes never leave a half entry behind.
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

  set(key: string, value: CachedResponse): void {
    const file = this.path(key);
    mkdirSync(join(this.dir, key.slice(0, 2)), { recursive: true });
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(tmp, JSON.stringify(value));
    renameSync(tmp, file);
  }
}
