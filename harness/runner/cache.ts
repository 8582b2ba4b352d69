// Response cache: the same request to the same model is never sent twice, across runs
// (a second setting sharing prompts, a re-score after an extraction fix).
// Key = the endpoint's model identity + the full request body. One small file per entry,
// written atomically, so concurrent runs and crashes never leave a half entry behind.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hashJson } from "../hash.ts";

export interface CachedResponse {
  content: string | null;
  reasoning: string | null;
  finish_reason: string | null;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
  logprobs?: unknown;
}

const nullableString = (v: unknown) => v === null || typeof v === "string";

function isCachedResponse(v: unknown): v is CachedResponse {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const r = v as Record<string, unknown>;
  const usage = r.usage as Record<string, unknown> | null | undefined;
  const usageOk =
    usage === null || (typeof usage === "object" && usage !== undefined && ["prompt_tokens", "completion_tokens", "total_tokens"].every((k) => typeof usage[k] === "number"));
  return "content" in r && nullableString(r.content) && "reasoning" in r && nullableString(r.reasoning) && "finish_reason" in r && nullableString(r.finish_reason) && usageOk;
}

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
    // Valid JSON of another shape (a file edited or damaged outside medeval) is a miss too:
    // trusted, it would become a sample without a reply.
    return isCachedResponse(value) ? value : undefined;
  }

  set(key: string, value: CachedResponse): void {
    const file = this.path(key);
    mkdirSync(join(this.dir, key.slice(0, 2)), { recursive: true });
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(tmp, JSON.stringify(value));
    renameSync(tmp, file);
  }
}
