import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadScores } from "../../harness/report/build.ts";
import { RunIndex } from "../../harness/view/run-index.ts";
import { startViewServer, type ViewServer } from "../../harness/view/server.ts";
import type { Sample } from "../../harness/types.ts";
import { tempDir } from "../helpers.ts";
import { makeViewRun, viewSample } from "./make-view-run.ts";

const TASK = "medqa.en";
let results: string;
let viewer: ViewServer;

async function get(path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(new URL(path, viewer.url));
  return { status: res.status, body: await res.json() };
}

function samplesOf(run: string): Sample[] {
  return readFileSync(join(results, run, "samples.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
}

beforeAll(async () => {
  const base = tempDir("medeval-view-");
  results = join(base, "served");
  makeViewRun(results, { runId: "a", model: "alpha", task: TASK, n: 400 });
  makeViewRun(results, { runId: "b", model: "beta", task: TASK, n: 400, skill: 3, checkpointGiven: true });
  makeViewRun(results, { runId: "ll", model: "gamma", task: TASK, n: 40, scoring: "loglikelihood" });
  makeViewRun(join(results, "live"), { runId: "growing", model: "delta", task: TASK, n: 50, complete: false });
  // A run beside the results folder, not under it: never served.
  makeViewRun(base, { runId: "outside", model: "secret", task: TASK, n: 5 });
  viewer = await startViewServer(new RunIndex([results]), { host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await viewer?.close();
});

describe("view: runs", () => {
  it("lists each run with the same accuracy, interval and n as `table` reports", async () => {
    const { status, body } = await get("/api/runs");
    expect(status).toBe(200);
    expect(body.runs.map((r: any) => r.key)).toEqual(["a", "b", "growing", "ll"]);
    const a = body.runs.find((r: any) => r.key === "a");
    expect(a).toMatchObject({ model: "alpha", setting: "zero-shot", scoring: "generative", checkpoint: "/models/alpha", checkpoint_given: false, complete: true });
    expect(body.runs.find((r: any) => r.key === "b")).toMatchObject({ checkpoint: "/models/beta", checkpoint_given: true });
    const table = loadScores([join(results, "a")], { level: 0.95 }).at(0)!.tasks.get(TASK)!;
    expect(a.tasks[0]).toMatchObject({ task: TASK, total: 400, scored: table.scored, correct: table.correct, accuracy: table.accuracy });
    expect(a.tasks[0].scored).toBe(400 - samplesOf("a").filter((s) => s.status === "error").length);
    expect(a.tasks[0].accuracy.low).toBeLessThan(a.tasks[0].accuracy.value);
    expect(body.runs.find((r: any) => r.key === "growing")).toMatchObject({ complete: false, finished_at: null });
  });

  it("serves only the folders it was given", async () => {
    const { body } = await get("/api/runs");
    expect(body.runs.map((r: any) => r.model)).not.toContain("secret");
    expect((await get(`/api/samples?run=outside&task=${TASK}`)).status).toBe(404);
    for (const path of ["/../run.json", "/assets/../../run-index.ts", "/%2e%2e/package.json", "/vendor/../package.json"]) {
      const res = await fetch(new URL(path, viewer.url));
      expect(res.status, path).toBe(404);
    }
  });

  it("is read-only", async () => {
    const res = await fetch(new URL("/api/runs", viewer.url), { method: "POST", body: "{}" });
    expect(res.status).toBe(405);
  });

  it("refuses a folder with no run in it", () => {
    expect(() => new RunIndex([tempDir()])).toThrow(/no run folders/);
  });
});

describe("view: a task's samples", () => {
  it("filters by status, as the journal has them", async () => {
    const want = samplesOf("a").filter((s) => s.status === "unparsed");
    const { body } = await get(`/api/samples?run=a&task=${TASK}&status=unparsed&limit=1000`);
    expect(want.length).toBeGreaterThan(0);
    expect(body.total).toBe(400);
    expect(body.matched).toBe(want.length);
    expect(body.rows.map((r: any) => r.item_id)).toEqual(want.map((s) => s.item_id));
    expect(body.facets.statuses.unparsed).toBe(want.length);
    const two = await get(`/api/samples?run=a&task=${TASK}&status=truncated,error&limit=1000`);
    expect(two.body.matched).toBe(samplesOf("a").filter((s) => s.status === "truncated" || s.status === "error").length);
    expect((await get(`/api/samples?run=a&task=${TASK}&status=overflow`)).body.matched).toBe(0);
  });

  it("filters by correct/wrong (errors are neither), subject and text, sorts by latency and tokens, pages", async () => {
    const all = samplesOf("a");
    const wrong = (await get(`/api/samples?run=a&task=${TASK}&correct=wrong&limit=1000`)).body;
    expect(wrong.matched).toBe(all.filter((s) => !s.correct && s.status !== "error").length);
    const right = (await get(`/api/samples?run=a&task=${TASK}&correct=right&subject=cardiology&limit=1000`)).body;
    expect(right.rows.every((r: any) => r.correct && r.subject === "cardiology")).toBe(true);
    expect(right.matched).toBe(all.filter((s) => s.correct && s.subject === "cardiology").length);
    const text = (await get(`/api/samples?run=a&task=${TASK}&q=${encodeURIComponent("CASE Q123)")}`)).body;
    expect(text.rows.map((r: any) => r.item_id)).toEqual(["q123"]);
    const slow = (await get(`/api/samples?run=a&task=${TASK}&sort=latency&order=desc&limit=5`)).body;
    expect(slow.rows[0].latency_ms).toBe(Math.max(...all.map((s) => s.latency_ms)));
    const tokens = (await get(`/api/samples?run=a&task=${TASK}&sort=tokens&offset=10&limit=20`)).body.rows.map((r: any) => r.completion_tokens ?? -1);
    expect(tokens).toHaveLength(20);
    expect(tokens).toEqual([...tokens].sort((x: number, y: number) => x - y));
  });

  it("answers a bad query with 400 and what it expected", async () => {
    expect(await get(`/api/samples?run=a&task=${TASK}&status=parsed`)).toMatchObject({ status: 400, body: { error: expect.stringMatching(/strict, lenient/) } });
    expect(await get(`/api/samples?run=a&task=${TASK}&sort=speed`)).toMatchObject({ status: 400 });
    expect(await get(`/api/samples?run=a&task=${TASK}&limit=-1`)).toMatchObject({ status: 400 });
    expect(await get(`/api/samples?run=a&task=nope.en`)).toMatchObject({ status: 404, body: { error: expect.stringContaining(TASK) } });
    expect(await get(`/api/samples?task=${TASK}`)).toMatchObject({ status: 400 });
  });

  it("shows new samples of a run in progress", async () => {
    const before = (await get(`/api/samples?run=growing&task=${TASK}`)).body.total;
    appendFileSync(join(results, "live", "growing", "samples.jsonl"), `${JSON.stringify(viewSample(TASK, 50, { skill: 0, scoring: "generative" }))}\n`);
    expect((await get(`/api/samples?run=growing&task=${TASK}`)).body.total).toBe(before + 1);
    expect((await get("/api/runs")).body.runs.find((r: any) => r.key === "growing").tasks[0].total).toBe(before + 1);
  });
});

describe("view: one sample", () => {
  it("highlights where the answer was read, with the reasoning apart and the messages labelled", async () => {
    const { status, body } = await get(`/api/sample?run=a&task=${TASK}&item=q0`);
    expect(status).toBe(200);
    expect(body.sample.status).toBe("strict");
    expect(body.answer_text.slice(body.span.start, body.span.end)).toBe(`Answer: ${body.sample.answer}`);
    expect(body.reasoning).toBe("Thinking about q0.");
    expect(body.options).toEqual(["Aspirin", "Heparin", "Warfarin", "Dabigatran"]);
    expect(body.messages.map((m: any) => m.label)).toEqual(["system", "question"]);
    expect(body.rule).toBe("strict_line");
  });

  it("has no span for an unparsed reply, and option scores for a logprob run", async () => {
    const unparsed = (await get(`/api/sample?run=a&task=${TASK}&item=q7`)).body;
    expect(unparsed.sample.status).toBe("unparsed");
    expect(unparsed.span).toBeNull();
    const ll = (await get(`/api/sample?run=ll&task=${TASK}&item=q1`)).body;
    const scores = ll.option_scores.scores;
    expect(scores.map((s: any) => s.letter)).toEqual(["A", "B", "C", "D"]);
    expect(scores.reduce((a: number, s: any) => a + s.value, 0)).toBeCloseTo(1, 6);
    expect(scores.reduce((best: any, s: any) => (s.value > best.value ? s : best)).letter).toBe(ll.sample.answer);
    expect((await get(`/api/sample?run=a&task=${TASK}&item=q99999`)).status).toBe(404);
  });
});

describe("view: two runs side by side", () => {
  it("counts and lists the discordant items a paired test uses, each way", async () => {
    const a = new Map(samplesOf("a").map((s) => [s.item_id, s]));
    const b = new Map(samplesOf("b").map((s) => [s.item_id, s]));
    const scored = [...a.keys()].filter((id) => a.get(id)!.status !== "error" && b.get(id)!.status !== "error");
    const aOnly = scored.filter((id) => a.get(id)!.correct && !b.get(id)!.correct);
    const bOnly = scored.filter((id) => !a.get(id)!.correct && b.get(id)!.correct);
    const ab = (await get(`/api/pairs?a=a&b=b&task=${TASK}&filter=a_right_b_wrong&limit=1000`)).body;
    expect(aOnly.length).toBeGreaterThan(0);
    expect(ab.rows.map((r: any) => r.item_id)).toEqual(aOnly);
    expect(ab.counts).toMatchObject({ common: 400, a_right_b_wrong: aOnly.length, a_wrong_b_right: bOnly.length });
    const ba = (await get(`/api/pairs?a=a&b=b&task=${TASK}&filter=a_wrong_b_right&limit=1000`)).body;
    expect(ba.rows.map((r: any) => r.item_id)).toEqual(bOnly);
    expect(ba.rows[0].a.correct).toBe(false);
    expect(ba.rows[0].b.correct).toBe(true);
    const either = (await get(`/api/pairs?a=a&b=b&task=${TASK}`)).body;
    expect(either.matched).toBe(aOnly.length + bOnly.length);
    expect((await get(`/api/pairs?a=a&b=b&task=${TASK}&filter=maybe`)).status).toBe(400);
  });
});

describe("view: the messages as sent", () => {
  it("labels each multi-turn shot with its trace id, and the question", async () => {
    const { sampleDetail } = await import("../../harness/view/sample-detail.ts");
    const s = viewSample(TASK, 0, { skill: 0, scoring: "generative" });
    const question = s.messages[1];
    s.messages = [s.messages[0], { role: "user", content: "shot q 1" }, { role: "assistant", content: "Answer: A" }, { role: "user", content: "shot q 2" }, { role: "assistant", content: "Answer: B" }, question];
    s.shots = ["trace-17", "trace-4"];
    const d = sampleDetail(s);
    expect(d.messages.map((m) => [m.label, m.trace_id])).toEqual([
      ["system", null],
      ["shot 1 · question", "trace-17"],
      ["shot 1 · answer", "trace-17"],
      ["shot 2 · question", "trace-4"],
      ["shot 2 · answer", "trace-4"],
      ["question", null],
    ]);
    expect(d.span).not.toBeNull();
  });
});
