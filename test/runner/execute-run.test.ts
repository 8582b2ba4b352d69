// executeRun on its own, with a scripted answerer: how the worker pool, the journal and the
// record behave when answering goes wrong.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readJournal } from "../../harness/record/journal.ts";
import type { PlannedTask } from "../../harness/runner/plan.ts";
import type { RunSpec } from "../../harness/record/spec.ts";
import type { ProgressReporter } from "../../harness/runner/progress.ts";
import { executeRun, FAILURE_WINDOW, type ItemAnswerer } from "../../harness/runner/run.ts";
import type { Item, Sample } from "../../harness/types.ts";
import { tempDir } from "../helpers.ts";

const silent: ProgressReporter = { start() {}, update() {}, stop() {} } as unknown as ProgressReporter;

function item(id: string): Item {
  return { id, question: `q${id}`, options: ["a", "b", "c", "d"], answer: 0, lang: "en", hash: `h${id}` };
}

function plannedTask(n: number): PlannedTask {
  const items = Array.from({ length: n }, (_, i) => item(String(i)));
  return {
    meta: { id: "medqa.en", family: "medqa", lang: "en", domain: "in-domain" },
    items,
    source: { task: "medqa.en", kind: "local", location: "x", files: [], items_hash: "ih", n },
  };
}

const spec: RunSpec = {
  model: "m", served_model: "m", base_urls: ["http://127.0.0.1:1/v1"], setting: "zero-shot", scoring: "generative",
  prompt_style: "cot", prompt_template_hash: "t", params: { temperature: 0 }, tasks: ["medqa.en"], limit: null, seed: 1,
  shard: null, fewshot: null,
};

function sampleFor(it: Item): Sample {
  return {
    task: "medqa.en", item_id: it.id, item_hash: it.hash, lang: "en", messages: [{ role: "user", content: it.question }],
    content: "Answer: A", reasoning: null, finish_reason: "stop", usage: null, answer: "A", gold: "A", status: "strict",
    correct: true, latency_ms: 1, attempts: 1, finished_at: new Date().toISOString(),
  };
}

describe("executeRun", () => {
  it("when answering one item throws, waits for the items in flight, journals them, and rethrows", async () => {
    const out = tempDir();
    let inFlight = 0;
    const answer: ItemAnswerer = async (_task, it) => {
      inFlight++;
      try {
        if (it.id === "1") throw new Error("cannot build this prompt");
        await new Promise((r) => setTimeout(r, 150));
        return { sample: sampleFor(it), sent: 1 };
      } finally {
        inFlight--;
      }
    };
    const run = executeRun({
      spec, tasks: [plannedTask(8)], outDir: out, runId: "r", answer, concurrency: 4,
      bootstrap: { resamples: 10, seed: 1, level: 0.95 }, server: { models: null, version: null }, progress: silent,
      signal: new AbortController().signal,
    });
    await expect(run).rejects.toThrow("cannot build this prompt");
    // Nothing is still running when the error comes out: the other three items finished and were journaled.
    expect(inFlight).toBe(0);
    const journal = readJournal(join(out, "r", "samples.jsonl"));
    expect([...journal.samples.keys()].map((k) => k.split("\u0000")[1]).sort()).toEqual(["0", "2", "3"]);
  });
});

describe("resuming against another checkpoint", () => {
  const models = (root: string, maxLen = 4096) => ({ object: "list", data: [{ id: "m", object: "model", root, max_model_len: maxLen }] });
  const base = (out: string, root: string | null, signal: AbortSignal, answer: ItemAnswerer, maxLen?: number, allowDifferentCheckpoints = false) =>
    executeRun({
      spec, tasks: [plannedTask(6)], outDir: out, runId: "r", answer, concurrency: 2,
      bootstrap: { resamples: 10, seed: 1, level: 0.95 }, server: { models: root === null ? null : models(root, maxLen), version: "0.11.0" }, progress: silent, signal,
      allowDifferentCheckpoints,
    });

  it("refuses when the server now serves other weights or another context length under the same name, and says which", async () => {
    const out = tempDir();
    const stop = new AbortController();
    let answered = 0;
    // Interrupted after two items: run.json and the journal hold the first checkpoint.
    await base(out, "/ckpt/step-1000", stop.signal, async (_t, it) => {
      if (++answered === 2) stop.abort();
      return { sample: sampleFor(it), sent: 1 };
    });
    const sent: string[] = [];
    const answer: ItemAnswerer = async (_t, it) => (sent.push(it.id), { sample: sampleFor(it), sent: 1 });
    const other = base(out, "/ckpt/step-2000", new AbortController().signal, answer);
    await expect(other).rejects.toThrow(/another checkpoint[\s\S]*\/ckpt\/step-1000 → \/ckpt\/step-2000/);
    await expect(base(out, "/ckpt/step-1000", new AbortController().signal, answer, 8192)).rejects.toThrow(/max_model_len: 4096 → 8192/);
    // A server that no longer says what it serves cannot be trusted to be the same (and would erase the record).
    await expect(base(out, null, new AbortController().signal, answer)).rejects.toThrow(/does not say which weights[\s\S]*--allow-different-checkpoints/);
    expect(sent).toEqual([]);
    // The same checkpoint resumes, sending only what is left.
    const done = readJournal(join(out, "r", "samples.jsonl")).lines;
    expect(done).toBeGreaterThanOrEqual(2);
    const resumed = await base(out, "/ckpt/step-1000", new AbortController().signal, answer);
    expect(resumed.record.complete).toBe(true);
    expect(sent.length).toBe(6 - done);
  });
});

describe("resuming with --allow-different-checkpoints", () => {
  it("goes on when the user vouches that other paths hold the same weights", async () => {
    const out = tempDir();
    const models = (root: string) => ({ object: "list", data: [{ id: "m", object: "model", root, max_model_len: 4096 }] });
    const stop = new AbortController();
    let answered = 0;
    const run = (root: string, signal: AbortSignal, answer: ItemAnswerer, allowDifferentCheckpoints: boolean) =>
      executeRun({
        spec, tasks: [plannedTask(6)], outDir: out, runId: "r", answer, concurrency: 1,
        bootstrap: { resamples: 10, seed: 1, level: 0.95 }, server: { models: models(root), version: null }, progress: silent, signal,
        allowDifferentCheckpoints,
      });
    await run("meta-llama/Llama-3.1-8B-Instruct", stop.signal, async (_t, it) => {
      if (++answered === 2) stop.abort();
      return { sample: sampleFor(it), sent: 1 };
    }, false);
    const answer: ItemAnswerer = async (_t, it) => ({ sample: sampleFor(it), sent: 1 });
    const snapshot = "/hf/hub/models--meta-llama--Llama-3.1-8B-Instruct/snapshots/0e9e39f";
    await expect(run(snapshot, new AbortController().signal, answer, false)).rejects.toThrow(/another checkpoint/);
    const resumed = await run(snapshot, new AbortController().signal, answer, true);
    expect(resumed.record.complete).toBe(true);
  });
});

describe("a resume that fails part-way", () => {
  it("leaves run.json describing the journal, not an empty summary", async () => {
    const out = tempDir();
    const run = (answer: ItemAnswerer) =>
      executeRun({
        spec, tasks: [plannedTask(6)], outDir: out, runId: "r", answer, concurrency: 1,
        bootstrap: { resamples: 10, seed: 1, level: 0.95 }, server: { models: null, version: null }, progress: silent, signal: new AbortController().signal,
      });
    // First run: item 5 ends in an error, the rest are answered.
    await run(async (_t, it) => ({ sample: it.id === "5" ? { ...sampleFor(it), status: "error", correct: false, answer: null, error: "HTTP 503" } : sampleFor(it), sent: 1 }));
    // The resume retries item 5 and its answerer throws (a systematic stop, a full disk).
    await expect(run(async () => { throw new Error("stopped"); })).rejects.toThrow("stopped");
    const record = JSON.parse(readFileSync(join(out, "r", "run.json"), "utf8"));
    expect(record.tasks[0]).toMatchObject({ n: 6, errors: 1 });
    expect(record.usage.requests).toBe(5);
  });
});

describe("a resume whose retried items fail again", () => {
  it("ends as before (the run has answers): it is not taken for a broken endpoint", async () => {
    const out = tempDir();
    const failing = new Set(["2", "4"]);
    const answer: ItemAnswerer = async (_t, it) => ({
      sample: failing.has(it.id) ? { ...sampleFor(it), status: "error", correct: false, answer: null, error: "HTTP 500" } : sampleFor(it),
      sent: 1,
    });
    const run = () =>
      executeRun({
        spec, tasks: [plannedTask(6)], outDir: out, runId: "r", answer, concurrency: 1,
        bootstrap: { resamples: 10, seed: 1, level: 0.95 }, server: { models: null, version: null }, progress: silent, signal: new AbortController().signal,
      });
    await run();
    const resumed = await run();
    expect(resumed.sent).toBe(2);
    expect(resumed.record.tasks[0]).toMatchObject({ n: 6, errors: 2 });
  });
});

describe("items that failed after retries", () => {
  const errorSample = (it: Item, error = "HTTP 500: boom"): Sample => ({ ...sampleFor(it), status: "error", correct: false, answer: null, error });
  const run = (out: string, answer: ItemAnswerer, extra: { acceptErrors?: boolean; n?: number; concurrency?: number } = {}) =>
    executeRun({
      spec, tasks: [plannedTask(extra.n ?? 10)], outDir: out, runId: "r", answer, concurrency: extra.concurrency ?? 1,
      bootstrap: { resamples: 10, seed: 1, level: 0.95 }, server: { models: null, version: null }, progress: silent, signal: new AbortController().signal,
      acceptErrors: extra.acceptErrors,
    });

  it("leave the run not complete, until the user accepts them (recorded in run.json)", async () => {
    const out = tempDir();
    const answer: ItemAnswerer = async (_t, it) => ({ sample: it.id === "3" ? errorSample(it) : sampleFor(it), sent: 1 });
    const first = await run(out, answer);
    expect(first.record.complete).toBe(false);
    expect(first.record.errors_accepted).toBeUndefined();
    expect(first.record.tasks[0]).toMatchObject({ n: 10, planned: 10, scored: 9, errors: 1 });
    expect(first.endpointDown).toBeNull();
    const accepted = await run(out, answer, { acceptErrors: true });
    expect(accepted.record.complete).toBe(true);
    expect(accepted.record.errors_accepted).toBe(true);
    const onDisk = JSON.parse(readFileSync(join(out, "r", "run.json"), "utf8"));
    expect(onDisk).toMatchObject({ complete: true, errors_accepted: true });
    // A resume that answers the item is complete without anything to accept.
    const fixed = await run(out, async (_t, it) => ({ sample: sampleFor(it), sent: 1 }));
    expect(fixed.record).toMatchObject({ complete: true });
    expect(fixed.record.errors_accepted).toBeUndefined();
  });

  it("stop the run when the last FAILURE_WINDOW items all failed mid-run, with the server's last error", async () => {
    const out = tempDir();
    let calls = 0;
    const answer: ItemAnswerer = async (_t, it) => {
      calls++;
      return { sample: Number(it.id) < 10 ? sampleFor(it) : errorSample(it, `connection refused (item ${it.id})`), sent: 1 };
    };
    const outcome = await run(out, answer, { n: 60 });
    expect(calls).toBe(10 + FAILURE_WINDOW);
    expect(outcome.endpointDown).toEqual({ lastError: `connection refused (item ${9 + FAILURE_WINDOW})` });
    expect(outcome.record.complete).toBe(false);
    expect(outcome.record.tasks[0]).toMatchObject({ n: 10 + FAILURE_WINDOW, planned: 60, scored: 10, errors: FAILURE_WINDOW });
  });

  it("a few failures among answers do not stop the run", async () => {
    const out = tempDir();
    const answer: ItemAnswerer = async (_t, it) => ({ sample: Number(it.id) % 4 === 0 ? errorSample(it) : sampleFor(it), sent: 1 });
    const outcome = await run(out, answer, { n: 40, concurrency: 3 });
    expect(outcome.endpointDown).toBeNull();
    expect(outcome.record.tasks[0]).toMatchObject({ n: 40, planned: 40, errors: 10 });
  });

  it("items retried on resume that fail again do not count as an endpoint that stopped answering", async () => {
    const out = tempDir();
    const hopeless = (it: Item) => Number(it.id) % 2 === 0;
    const answer: ItemAnswerer = async (_t, it) => ({ sample: hopeless(it) ? errorSample(it) : sampleFor(it), sent: 1 });
    await run(out, answer, { n: 20 });
    const resumed = await run(out, answer, { n: 20 });
    expect(resumed.sent).toBe(10);
    expect(resumed.endpointDown).toBeNull();
    expect(resumed.record.tasks[0]).toMatchObject({ n: 20, errors: 10 });
  });
});
