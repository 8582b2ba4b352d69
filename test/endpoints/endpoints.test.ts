import { afterEach, describe, expect, it } from "vitest";
import type { ChatOutcome } from "../../harness/endpoints/client.ts";
import { AdaptiveLimit } from "../../harness/endpoints/concurrency.ts";
import { createEndpointPool, type EndpointPool, type EndpointPoolOptions } from "../../harness/endpoints/endpoints.ts";
import { lastUserText, replyFor } from "../fake-vllm/helpers.ts";
import { startFakeVllm, type Behavior, type FakeVllm, type Fault } from "../fake-vllm/server.ts";

const body = (i: number) => ({ model: "fake-model", messages: [{ role: "user", content: `Question ${i}?\nA. x\nB. y` }], temperature: 0, max_tokens: 16 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let servers: FakeVllm[] = [];
let pools: EndpointPool[] = [];

async function startServers(n: number, latencyMs: number): Promise<FakeVllm[]> {
  servers = await Promise.all(Array.from({ length: n }, () => startFakeVllm({ latency: { meanMs: latencyMs, jitterMs: latencyMs / 4 }, respond: () => replyFor("A", "direct") })));
  return servers;
}

function pool(urls: string[], overrides: Partial<EndpointPoolOptions> = {}): EndpointPool {
  const p = createEndpointPool({
    baseUrls: urls,
    timeoutMs: 2000,
    maxRetries: 4,
    backoff: { baseMs: 5, maxMs: 40 },
    maxConcurrency: 8,
    probeBackoff: { baseMs: 20, maxMs: 80 },
    unavailableWaitMs: 300,
    ...overrides,
  });
  pools.push(p);
  return p;
}

/** Send `count` requests keeping `concurrency` in flight; `after(done)` runs as each finishes. */
async function drive(p: EndpointPool, from: number, count: number, concurrency: number, after?: (done: number) => void | Promise<void>): Promise<ChatOutcome[]> {
  const outcomes: ChatOutcome[] = [];
  let next = from;
  let done = 0;
  const worker = async () => {
    while (next < from + count) {
      const i = next++;
      outcomes[i - from] = await p.chat(body(i));
      await after?.(++done);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return outcomes;
}

afterEach(async () => {
  for (const p of pools) p.close();
  await Promise.all(servers.map((s) => s.close()));
  pools = [];
  servers = [];
});

describe("endpoint pool routing", () => {
  it("spreads requests over the endpoints and keeps each under its limit", async () => {
    const [a, b, c] = await startServers(3, 15);
    let peak = 0;
    for (const s of [a, b, c]) s.setBehavior({ respond: () => ((peak = Math.max(peak, s.inFlight())), replyFor("A", "direct")) });
    const p = pool([a.url, b.url, c.url], { maxConcurrency: 4 });
    const outcomes = await drive(p, 0, 90, 20);
    expect(outcomes.every((o) => o.kind === "ok")).toBe(true);
    const counts = [a, b, c].map((s) => s.generationRequests().length);
    expect(counts.reduce((x, y) => x + y)).toBe(90);
    for (const n of counts) expect(n).toBeGreaterThanOrEqual(20);
    expect(peak).toBeLessThanOrEqual(4);
    expect(p.capacity()).toBe(12);
  });

  it("shifts requests away from an endpoint that dies mid-run and probes it back in when it returns", async () => {
    const [a, b, c] = await startServers(3, 10);
    const p = pool([a.url, b.url, c.url]);
    let killedAt = -1;
    const first = await drive(p, 0, 150, 12, async (done) => {
      if (done === 40) {
        killedAt = b.generationRequests().length;
        await b.kill();
      }
    });
    // Every request still ends with an answer: those that hit the dead endpoint were retried elsewhere.
    expect(first.every((o) => o.kind === "ok")).toBe(true);
    expect(first.some((o) => o.attempts > 1)).toBe(true);
    expect(first.slice(60).every((o) => o.endpoint !== b.url)).toBe(true);
    const bStats = p.stats().find((s) => s.url === b.url)!;
    expect(bStats).toMatchObject({ healthy: false, outages: 1 });
    expect(b.generationRequests().length).toBe(killedAt);

    await b.revive();
    for (let i = 0; i < 50 && !p.stats().find((s) => s.url === b.url)!.healthy; i++) await sleep(20);
    expect(p.stats().find((s) => s.url === b.url)!.healthy).toBe(true);
    const second = await drive(p, 1000, 60, 12);
    expect(second.every((o) => o.kind === "ok")).toBe(true);
    expect(b.generationRequests().length).toBeGreaterThan(killedAt + 5);
  });

  it("takes out an endpoint whose engine died (503, /health 503) and brings it back", async () => {
    const [a, b] = await startServers(2, 5);
    const p = pool([a.url, b.url]);
    b.setBehavior({ dead: true });
    const outcomes = await drive(p, 0, 40, 6);
    expect(outcomes.every((o) => o.kind === "ok")).toBe(true);
    expect(p.stats()[1]).toMatchObject({ healthy: false });
    b.setBehavior({ dead: false });
    for (let i = 0; i < 50 && !p.stats()[1].healthy; i++) await sleep(20);
    expect(p.stats()[1].healthy).toBe(true);
  });

  it("when every endpoint is out, requests wait a bounded time and then end as errors", async () => {
    const [a] = await startServers(1, 5);
    const p = pool([a.url], { maxRetries: 5, unavailableWaitMs: 1000 });
    await a.kill();
    const outcomes = await Promise.all([0, 1, 2, 3].map((i) => p.chat(body(i))));
    for (const o of outcomes) expect(o.kind).toBe("error");
    expect(outcomes.some((o) => o.kind === "error" && o.failure === "unavailable" && /no endpoint answered/.test(o.message))).toBe(true);
    // The outage has outlasted the wait: a new request fails without waiting all over again.
    const late = await p.chat(body(9));
    expect(late).toMatchObject({ kind: "error", failure: "unavailable", attempts: 1 });
    expect(late.latencyMs).toBeLessThan(700);
  });

  it("a request that comes back within the wait is served", async () => {
    const [a] = await startServers(1, 5);
    const p = pool([a.url], { maxRetries: 0, unavailableWaitMs: 3000 });
    await a.kill();
    const failed = await Promise.all([0, 1, 2].map((i) => p.chat(body(i))));
    expect(failed.every((o) => o.kind !== "ok")).toBe(true);
    expect(p.stats()[0].healthy).toBe(false);
    const waiting = p.chat(body(99));
    await sleep(50);
    await a.revive();
    expect((await waiting).kind).toBe("ok");
  });

  it("aborts requests waiting in the queue", async () => {
    const [a] = await startServers(1, 200);
    const p = pool([a.url], { maxConcurrency: 1 });
    const controller = new AbortController();
    const outcomes = [0, 1, 2].map((i) => p.chat(body(i), { signal: controller.signal }));
    await sleep(30);
    controller.abort();
    const settled = await Promise.all(outcomes);
    expect(settled.map((o) => o.kind)).toEqual(["aborted", "aborted", "aborted"]);
    expect(a.generationRequests()).toHaveLength(1);
  });
});

describe("fault-injecting server", () => {
  it("every request ends in one outcome and every attempt is accounted for", async () => {
    const [a, b] = await startServers(2, 5);
    const faults: Fault[] = [
      { fault: "http", status: 500 },
      { fault: "rate_limit", retryAfter: 0.05 },
      { fault: "hang" },
      { fault: "malformed_json" },
      { fault: "reset", when: "mid_body" },
      { fault: "reset" },
      { fault: "http", status: 503, shape: "flat" },
    ];
    // Attempts are counted across both servers (a retry may go to either): every item fails
    // twice with varied faults and then succeeds, except item 7, which always fails.
    const seen = new Map<string, number>();
    const respond: Behavior = (req) => {
      const key = lastUserText(req.messages);
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      if (key.startsWith("Question 7?")) return { fault: "http", status: 500, message: "always broken" };
      return n <= 2 ? faults[(req.index + n) % faults.length] : replyFor("B", "direct");
    };
    for (const s of [a, b]) s.setBehavior({ respond });
    const p = pool([a.url, b.url], { timeoutMs: 300, maxRetries: 4, failureThreshold: 50 });
    const outcomes = await drive(p, 0, 40, 10);
    expect(outcomes.filter(Boolean)).toHaveLength(40);
    outcomes.forEach((o, i) => {
      if (i === 7) expect(o).toMatchObject({ kind: "error", status: 500, failure: "server", attempts: 5 });
      else expect(o).toMatchObject({ kind: "ok", content: "B", attempts: 3 });
    });
    const attempts = outcomes.reduce((sum, o) => sum + o.attempts, 0);
    expect(attempts).toBe(a.generationRequests().length + b.generationRequests().length);
  });
});

describe("adaptive concurrency", () => {
  it("halves once per burst of overloads and grows back to the maximum", () => {
    const limit = new AdaptiveLimit({ max: 16 });
    const tickets = Array.from({ length: 16 }, () => limit.start());
    for (const t of tickets) limit.onOverload(t);
    expect(limit.current).toBe(8);
    limit.onOverload(limit.start());
    expect(limit.current).toBe(4);
    for (let i = 0; i < 200 && limit.current < 16; i++) limit.onSuccess(limit.start());
    expect(limit.current).toBe(16);
    for (let i = 0; i < 20; i++) limit.onOverload(limit.start());
    expect(limit.current).toBe(1);
  });

  it("backs off on 429 from the server and recovers", async () => {
    const [a] = await startServers(1, 5);
    const p = pool([a.url], { maxConcurrency: 8 });
    const limits: number[] = [];
    a.setBehavior({
      respond: (req) => {
        limits.push(p.stats()[0].limit);
        return req.index >= 30 && req.index < 40 ? { fault: "rate_limit", retryAfter: 0 } : replyFor("A", "direct");
      },
    });
    const outcomes = await drive(p, 0, 200, 8);
    expect(outcomes.every((o) => o.kind === "ok")).toBe(true);
    expect(Math.min(...limits)).toBeLessThan(8);
    expect(p.stats()[0].limit).toBe(8);
  });
});
