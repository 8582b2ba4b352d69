// run.json's per-task figures from samples: denominators and status counts.
import { describe, expect, it } from "vitest";
import { summarizeTask } from "../../harness/record/summarize.ts";
import type { Sample } from "../../harness/types.ts";

const meta = { id: "medqa.en", family: "medqa", lang: "en", domain: "in-domain" as const };
const boot = { resamples: 200, seed: 1, level: 0.95 };

function sample(id: string, status: Sample["status"], correct: boolean, scores?: Record<string, unknown>): Sample {
  return {
    task: "medqa.en", item_id: id, item_hash: `h${id}`, lang: "en", messages: [], content: null, reasoning: null,
    finish_reason: null, usage: null, answer: correct ? "A" : null, gold: "A", status, correct, latency_ms: 1, attempts: 1,
    ...(scores ? { scores } : {}), finished_at: "2026-01-01T00:00:00Z",
  };
}

describe("summarizeTask", () => {
  it("loglikelihood: a context overflow is wrong for acc_norm as for acc (same denominator); errors are left out of both", () => {
    const ll = { scoring: "loglikelihood", target: "letters" };
    const samples = [
      sample("1", "logprob", true, { ...ll, acc_norm_correct: true }),
      sample("2", "logprob", false, { ...ll, acc_norm_correct: true }),
      sample("3", "context_overflow", false, ll),
      sample("4", "context_overflow", false, ll),
      sample("5", "error", false, ll),
    ];
    const s = summarizeTask(meta, samples, boot, samples.length);
    expect(s).toMatchObject({ n: 5, scored: 4, correct: 1, accuracy: 0.25, context_overflow: 2, errors: 1 });
    expect(s.acc_norm).toBe(0.5);
  });

  it("generative samples get no acc_norm", () => {
    const s = summarizeTask(meta, [sample("1", "strict", true, { rule: "strict_line" }), sample("2", "context_overflow", false)], boot, 2);
    expect(s.acc_norm).toBeUndefined();
    expect(s.accuracy).toBe(0.5);
  });
});
