import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ResponseCache } from "../../harness/endpoints/cache.ts";
import { tempDir } from "../helpers.ts";

describe("response cache", () => {
  const body = { model: "m", messages: [{ role: "user", content: "q" }], temperature: 0, top_p: 1, max_tokens: 10, seed: 1 };

  it("keys on model identity and the full body, whatever the key order", () => {
    const k1 = ResponseCache.key("m|/ckpt", body);
    const k2 = ResponseCache.key("m|/ckpt", { seed: 1, max_tokens: 10, top_p: 1, temperature: 0, messages: body.messages, model: "m" });
    expect(k1).toBe(k2);
    expect(ResponseCache.key("m|/other-ckpt", body)).not.toBe(k1);
    expect(ResponseCache.key("m|/ckpt", { ...body, max_tokens: 11 })).not.toBe(k1);
  });

  it("does not cache sampled requests without a seed", () => {
    expect(ResponseCache.key("m", { ...body, temperature: 0.7, seed: undefined })).toBeNull();
    expect(ResponseCache.key("m", { ...body, temperature: 0.7, seed: 3 })).not.toBeNull();
    expect(ResponseCache.key("m", { ...body, temperature: 0, seed: undefined })).not.toBeNull();
  });

  it("stores and returns responses across instances", () => {
    const dir = tempDir();
    const key = ResponseCache.key("m", body)!;
    expect(new ResponseCache(dir).get(key)).toBeUndefined();
    new ResponseCache(dir).set(key, { content: "Answer: B", reasoning: null, finish_reason: "stop", usage: null });
    expect(new ResponseCache(dir).get(key)?.content).toBe("Answer: B");
  });

  it("treats an entry of another shape as a miss, not as an empty reply", () => {
    const dir = tempDir();
    const cache = new ResponseCache(dir);
    const key = ResponseCache.key("m", body)!;
    cache.set(key, { content: "Answer: B", reasoning: null, finish_reason: "stop", usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } });
    const file = join(dir, key.slice(0, 2), `${key}.json`);
    for (const damaged of ["{}", "[]", "null", '{"content": 3, "reasoning": null, "finish_reason": null, "usage": null}', "{\"content\": \"x\""]) {
      writeFileSync(file, damaged);
      expect(cache.get(key), damaged).toBeUndefined();
    }
  });

  it("a key asked twice at once in one process is sent once: the second asker waits and reads the first's reply", async () => {
    const dir = tempDir();
    const key = ResponseCache.key("m", body)!;
    const first = await new ResponseCache(dir).lookup(key);
    expect(first.kind).toBe("miss");
    let second: Awaited<ReturnType<ResponseCache["lookup"]>> | undefined;
    const waiting = new ResponseCache(dir).lookup(key).then((r) => (second = r));
    await new Promise((r) => setTimeout(r, 20));
    expect(second).toBeUndefined();
    new ResponseCache(dir).set(key, { content: "Answer: C", reasoning: null, finish_reason: "stop", usage: null });
    if (first.kind === "miss") first.done();
    await waiting;
    expect(second).toMatchObject({ kind: "hit", value: { content: "Answer: C" } });
  });

  it("when the first asker stores nothing (its request failed), the waiting one sends itself", async () => {
    const dir = tempDir();
    const key = ResponseCache.key("m", { ...body, max_tokens: 99 })!;
    const first = await new ResponseCache(dir).lookup(key);
    const waiting = new ResponseCache(dir).lookup(key);
    if (first.kind === "miss") first.done();
    const second = await waiting;
    expect(second.kind).toBe("miss");
    if (second.kind === "miss") second.done();
  });
});
