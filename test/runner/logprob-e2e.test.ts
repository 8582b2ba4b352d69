// Logprob scoring end to end on real items from ../shared/datasets, through executeRun:
// the fake server's logprobs make a known set of items right, and run.json must report
// exactly that accuracy, every sample status "logprob". Also: a systematic failure stops
// the whole run with the UserError, not with one error sample per item.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { firstTokenMessages, loglikelihoodPrompt, logprobPromptStyle, logprobTemplateHash } from "../../harness/prompts/lm-eval.ts";
import { createEndpointPool, type EndpointPool } from "../../harness/endpoints/endpoints.ts";
import { firstTokenAnswerer } from "../../harness/runner/first-token.ts";
import { loglikelihoodAnswerer } from "../../harness/runner/loglikelihood.ts";
import type { PlannedTask } from "../../harness/runner/plan.ts";
import type { RunSpec } from "../../harness/record/spec.ts";
import { createProgress } from "../../harness/runner/progress.ts";
import { executeRun, type ItemAnswerer } from "../../harness/runner/run.ts";
import { loadItems, loadRegistry } from "../../harness/tasks/index.ts";
import { letterOf, UserError, type Item, type Sample, type ScoringMode } from "../../harness/types.ts";
import { firstTokenReply, lastUserText } from "../fake-vllm/helpers.ts";
import { startFakeVllm, type FakeVllm } from "../fake-vllm/server.ts";
import { hasSharedDatasets, SHARED_DATASETS, SKIP_SHARED_REASON, tempDir } from "../helpers.ts";

const TASKS = "medqa.en,medmcqa.en,mmlu_medical.anatomy.en,headqa.es";
const LIMIT = 12;

/** Every third item is answered wrongly (the next option), the rest rightly. */
const targetOf = (item: Item, i: number) => letterOf(i % 3 === 0 ? (item.answer + 1) % item.options.length : item.answer);

async function planned(): Promise<PlannedTask[]> {
  const out: PlannedTask[] = [];
  for (const spec of loadRegistry().resolve(TASKS)) {
    const { items, source } = await loadItems(spec, "test", { dataDir: SHARED_DATASETS });
    out.push({ meta: { id: spec.id, family: spec.family, lang: spec.lang, domain: spec.domain }, items: items.slice(0, LIMIT), source });
  }
  return out;
}

function spec(scoring: ScoringMode, tasks: PlannedTask[]): RunSpec {
  return {
    model: "fake",
    served_model: "fake-model",
    base_urls: [],
    setting: "zero-shot",
    scoring,
    prompt_style: logprobPromptStyle(scoring === "loglikelihood" ? "loglikelihood" : "first-token", "letters"),
    prompt_template_hash: logprobTemplateHash(),
    params: { temperature: 0 },
    tasks: tasks.map((t) => t.meta.id),
    limit: LIMIT,
    seed: 1,
    shard: null,
    fewshot: null,
  };
}

function run(scoring: ScoringMode, tasks: PlannedTask[], answer: ItemAnswerer, out = tempDir()) {
  return executeRun({
    spec: spec(scoring, tasks),
    tasks,
    outDir: out,
    answer,
    concurrency: 4,
    bootstrap: { resamples: 200, seed: 1, level: 0.95 },
    server: { models: null, version: null },
    progress: createProgress("none"),
    signal: new AbortController().signal,
  });
}

function expectedAccuracy(task: PlannedTask): number {
  return task.items.filter((item, i) => targetOf(item, i) === letterOf(item.answer)).length / task.items.length;
}

describe.skipIf(!hasSharedDatasets)(`logprob scoring on real data (${hasSharedDatasets ? "" : SKIP_SHARED_REASON})`, () => {
  let tasks: PlannedTask[];
  let server: FakeVllm;
  let pool: EndpointPool;

  beforeAll(async () => {
    tasks = await planned();
    // The prompt each option is scored after → the letter the fake model prefers there.
    const preferredAfter = new Map<string, string>();
    const letterFor = new Map<string, string>();
    for (const t of tasks) {
      t.items.forEach((item, i) => {
        preferredAfter.set(loglikelihoodPrompt(t.meta.family, item, "letters").context, targetOf(item, i));
        letterFor.set(lastUserText(firstTokenMessages(item)), targetOf(item, i));
      });
    }
    server = await startFakeVllm({
      servedModelName: "fake-model",
      maxModelLen: 16_384,
      scorer: (prefix, token) => {
        const preferred = preferredAfter.get(prefix);
        if (preferred === undefined) return -1;
        return token === ` ${preferred}` ? -0.25 : -2.5;
      },
      respond: (req) => {
        if (req.endpoint === "completions") return { content: "\n" };
        const letter = letterFor.get(lastUserText(req.messages)) ?? "A";
        return firstTokenReply({ [` ${letter}`]: Math.log(0.8), [letter === "A" ? "B" : "A"]: Math.log(0.1), The: Math.log(0.05) });
      },
    });
    pool = createEndpointPool({ baseUrls: [server.url], timeoutMs: 10_000, maxRetries: 1, backoff: { baseMs: 1, maxMs: 5 }, maxConcurrency: 8 });
  });
  afterAll(async () => {
    pool?.close();
    await server?.close();
  });

  it("loglikelihood: reports exactly the accuracy the server's logprobs imply, one request per item", async () => {
    server.reset();
    const answer = loglikelihoodAnswerer({ pool, servedModel: "fake-model", target: "letters", cache: null, modelIdentity: "fake" });
    const { record, dir, sent } = await run("loglikelihood", tasks, answer);
    const n = tasks.reduce((sum, t) => sum + t.items.length, 0);
    expect(sent).toBe(n);
    expect(server.generationRequests()).toHaveLength(n);
    expect(record.complete).toBe(true);
    for (const t of tasks) {
      const summary = record.tasks.find((s) => s.task === t.meta.id)!;
      expect(summary.n).toBe(LIMIT);
      expect(summary.logprob).toBe(LIMIT);
      expect(summary.accuracy).toBeCloseTo(expectedAccuracy(t), 12);
    }
    const samples = readFileSync(join(dir, "samples.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Sample);
    expect(samples).toHaveLength(n);
    for (const s of samples) {
      const scores = s.scores as { logprobs: number[]; acc_norm_correct: boolean; batched: boolean };
      expect(s.status).toBe("logprob");
      expect(scores.batched).toBe(true);
      // Letters are one character each: acc_norm is acc (as in lm-evaluation-harness).
      expect(scores.acc_norm_correct).toBe(s.correct);
      expect(Math.max(...scores.logprobs)).toBe(-0.25);
    }
  });

  it("first-token: reports exactly the accuracy the first tokens imply", async () => {
    const answer = firstTokenAnswerer({ pool, servedModel: "fake-model", cache: null, modelIdentity: "fake" });
    const { record } = await run("first-token", tasks, answer);
    for (const t of tasks) {
      const summary = record.tasks.find((s) => s.task === t.meta.id)!;
      expect(summary.logprob).toBe(LIMIT);
      expect(summary.accuracy).toBeCloseTo(expectedAccuracy(t), 12);
    }
  });

  it("a chat-only endpoint stops the run with the UserError", async () => {
    const chatOnly = await startFakeVllm({ servedModelName: "fake-model", completions: false });
    const chatPool = createEndpointPool({ baseUrls: [chatOnly.url], timeoutMs: 10_000, maxRetries: 1, backoff: { baseMs: 1, maxMs: 5 }, maxConcurrency: 8 });
    try {
      const answer = loglikelihoodAnswerer({ pool: chatPool, servedModel: "fake-model", target: "letters", cache: null, modelIdentity: "fake" });
      const err = await run("loglikelihood", tasks, answer).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toMatch(/chat-only: use --scoring first-token or generative/);
      // Only the requests already in flight when it tripped went out, not one per item.
      expect(chatOnly.generationRequests().length).toBeLessThanOrEqual(4);
    } finally {
      chatPool.close();
      await chatOnly.close();
    }
  });
});
