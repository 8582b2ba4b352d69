// The run summary streamed from samples.jsonl (summarizeJournal) against the summary as it was
// computed before it streamed: every sample of the journal in memory, then summed. Same JSON,
// byte for byte, on a journal with every status, scoring mode, cache use and resume shape.
import { spawnSync } from "node:child_process";
import { appendFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import seedrandom from "seedrandom";
import { describe, expect, it } from "vitest";
import { summarizeJournal, type PlannedItems } from "../../harness/record/journal-summary.ts";
import { readJournal, sampleKey } from "../../harness/record/journal.ts";
import type { BootstrapSettings, TaskMeta } from "../../harness/record/summarize.ts";
import { bootstrapCI } from "../../harness/stats/bootstrap.ts";
import { SampleStatusSchema, type Sample, type SampleStatus, type TaskSummary } from "../../harness/types.ts";
import { tempDir } from "../helpers.ts";

const boot: BootstrapSettings = { resamples: 500, seed: 7, level: 0.95 };

/** The summary of one task as summarize.ts computed it before it streamed (kept here as the reference). */
function referenceSummary(task: TaskMeta, samples: Sample[], planned: number): TaskSummary {
  const counts = Object.fromEntries(SampleStatusSchema.options.map((s) => [s, 0])) as Record<SampleStatus, number>;
  const values: number[] = [];
  const accNorm: number[] = [];
  const letterMass: number[] = [];
  let correct = 0;
  for (const s of samples) {
    counts[s.status]++;
    if (s.status === "error") continue;
    values.push(s.correct ? 1 : 0);
    if (s.correct) correct++;
    if (typeof s.scores?.acc_norm_correct === "boolean" || s.scores?.scoring === "loglikelihood") accNorm.push(s.scores?.acc_norm_correct === true ? 1 : 0);
    if (typeof s.scores?.letter_mass === "number") letterMass.push(s.scores.letter_mass);
  }
  let cachedCount = 0;
  let untied = 0;
  const identities = new Set<string>();
  for (const s of samples) {
    if (!s.cached) continue;
    cachedCount++;
    if (s.cache_identity === undefined) untied++;
    else identities.add(s.cache_identity);
  }
  const fromCache = cachedCount === 0 ? undefined : { samples: cachedCount, identities: [...identities].sort(), untied };
  const ci = values.length > 0 ? bootstrapCI(values, { resamples: boot.resamples, seed: `${boot.seed}:${task.id}`, level: boot.level }) : null;
  const norm = accNorm.length > 0 ? bootstrapCI(accNorm, { resamples: boot.resamples, seed: `${boot.seed}:${task.id}:acc_norm`, level: boot.level }) : null;
  return {
    task: task.id,
    family: task.family,
    lang: task.lang,
    domain: task.domain,
    ...(task.group ? { group: task.group } : {}),
    n: samples.length,
    planned,
    scored: values.length,
    correct,
    accuracy: values.length > 0 ? correct / values.length : null,
    ci_low: ci?.low ?? null,
    ci_high: ci?.high ?? null,
    strict: counts.strict,
    lenient: counts.lenient,
    option_text: counts.option_text,
    logprob: counts.logprob,
    unparsed: counts.unparsed,
    reasoning_only: counts.reasoning_only,
    truncated: counts.truncated,
    context_overflow: counts.context_overflow,
    errors: counts.error,
    ...(norm ? { acc_norm: norm.mean, acc_norm_ci_low: norm.low, acc_norm_ci_high: norm.high } : {}),
    ...(letterMass.length > 0 ? { letter_mass: letterMass.reduce((a, b) => a + b, 0) / letterMass.length } : {}),
    ...(fromCache ? { from_cache: fromCache } : {}),
  };
}

/** run.ts's finalizeRecord before it streamed: the whole journal read, then summed item by item. */
function referenceJournalSummary(file: string, tasks: PlannedItems[], acceptErrors: boolean) {
  const existing = readJournal(file);
  let complete = true;
  const usage = { prompt_tokens: 0, completion_tokens: 0, requests: 0, cached: 0 };
  const summaries = tasks.map((task) => {
    const samples: Sample[] = [];
    for (const item of task.items) {
      const s = existing.samples.get(sampleKey(task.meta.id, item.id));
      if (!s || s.item_hash !== item.hash) {
        complete = false;
        continue;
      }
      samples.push(s);
      if (s.status === "error" && !acceptErrors) complete = false;
      if (s.cached) usage.cached++;
      else if (s.status !== "error") usage.requests++;
      usage.prompt_tokens += s.usage?.prompt_tokens ?? 0;
      usage.completion_tokens += s.usage?.completion_tokens ?? 0;
    }
    return referenceSummary(task.meta, samples, task.items.length);
  });
  return { tasks: summaries, usage, complete };
}

const STATUSES = SampleStatusSchema.options;

function randomSample(rand: () => number, task: string, id: string, hash: string, mode: "generative" | "loglikelihood" | "first_token"): Sample {
  const status: SampleStatus = mode === "generative" ? STATUSES[Math.floor(rand() * STATUSES.length)] : rand() < 0.85 ? "logprob" : rand() < 0.5 ? "context_overflow" : "error";
  const answered = !["unparsed", "reasoning_only", "truncated", "context_overflow", "error"].includes(status);
  const answer = answered ? "ABCD"[Math.floor(rand() * 4)] : null;
  const scores: Record<string, unknown> | undefined =
    mode === "loglikelihood"
      ? { scoring: "loglikelihood", ...(status === "logprob" ? { acc_norm_correct: rand() < 0.6 } : {}) }
      : mode === "first_token"
        ? { scoring: "first_token", ...(status === "logprob" ? { letter_mass: rand() * 0.37 + 0.6 } : {}) }
        : rand() < 0.5
          ? { rule: "strict_line" }
          : undefined;
  const cached = rand() < 0.3;
  const identity = rand();
  return {
    task,
    item_id: id,
    item_hash: hash,
    lang: "en",
    messages: [{ role: "user", content: `question ${id}` }],
    content: answered ? `Answer: ${answer}` : null,
    reasoning: null,
    finish_reason: status === "error" ? null : "stop",
    usage: status === "error" || rand() < 0.1 ? null : { prompt_tokens: 50 + Math.floor(rand() * 900), completion_tokens: Math.floor(rand() * 300), total_tokens: 0 },
    answer,
    gold: "B",
    status,
    correct: answer === "B",
    ...(status === "error" ? { error: "HTTP 500" } : {}),
    latency_ms: Math.floor(rand() * 1000),
    attempts: 1,
    ...(cached ? { cached: true, ...(identity < 0.3 ? {} : { cache_identity: identity < 0.65 ? "ckpt-a" : "ckpt-b" }) } : rand() < 0.5 ? { cached: false } : {}),
    ...(scores ? { scores } : {}),
    finished_at: "2026-01-01T00:00:00Z",
  };
}

/** Three tasks (generative, loglikelihood, first-token), resumed lines, changed items, strays and a torn tail. */
function variedJournal(dir: string, seed: string): { file: string; tasks: PlannedItems[] } {
  const rand = seedrandom(seed);
  const modes = ["generative", "loglikelihood", "first_token"] as const;
  const tasks: PlannedItems[] = modes.map((mode, t) => ({
    meta: { id: `fam${t}.en`, family: `fam${t}`, lang: "en", domain: t === 0 ? "in-domain" : "out-of-domain", ...(t === 2 ? { group: "g" } : {}) },
    items: Array.from({ length: 150 + t * 40 }, (_, i) => ({ id: `i${i}`, hash: `h${t}-${i}` })),
  }));
  const lines: Sample[] = [];
  tasks.forEach((task, t) => {
    for (const item of task.items) {
      const r = rand();
      if (r < 0.05) continue; // never answered
      const hash = r < 0.08 ? "stale" : item.hash; // answered for other content
      lines.push(randomSample(rand, task.meta.id, item.id, hash, modes[t]));
      if (rand() < 0.1) lines.push(randomSample(rand, task.meta.id, item.id, item.hash, modes[t])); // a retry later in the journal
    }
    lines.push(randomSample(rand, task.meta.id, "not-planned", "x", modes[t]));
  });
  lines.push(randomSample(rand, "other.en", "i1", "h", "generative"));
  // Lines in the order a concurrent run finishes them.
  for (let i = lines.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [lines[i], lines[j]] = [lines[j], lines[i]];
  }
  const file = join(dir, `${seed}.jsonl`);
  writeFileSync(file, lines.map((l) => `${JSON.stringify(l)}\n`).join(""));
  appendFileSync(file, '{"task":"fam0.en","item_id":"i0","ite'); // a write cut by kill -9
  return { file, tasks };
}

describe("summarizeJournal", () => {
  const dir = tempDir();

  for (const seed of ["a", "b", "c"]) {
    for (const acceptErrors of [false, true]) {
      it(`gives the figures of the whole-journal summary, byte for byte (journal ${seed}, errors ${acceptErrors ? "accepted" : "not accepted"})`, () => {
        const { file, tasks } = variedJournal(dir, seed);
        const streamed = summarizeJournal(file, tasks, boot, acceptErrors);
        const reference = referenceJournalSummary(file, tasks, acceptErrors);
        expect(JSON.stringify(streamed)).toBe(JSON.stringify(reference));
        // The journal really is varied: every kind of figure is there to compare.
        expect(streamed.complete).toBe(false);
        expect(streamed.tasks[1].acc_norm).toBeTypeOf("number");
        expect(streamed.tasks[2].letter_mass).toBeTypeOf("number");
        expect(streamed.tasks.every((t) => t.from_cache && t.from_cache.untied > 0 && t.from_cache.identities.length === 2)).toBe(true);
        expect(streamed.tasks[0].errors).toBeGreaterThan(0);
      });
    }
  }

  it("a complete journal is complete; a planned task without lines has an empty summary", () => {
    const file = join(dir, "complete.jsonl");
    const rand = seedrandom("complete");
    const items = Array.from({ length: 20 }, (_, i) => ({ id: `i${i}`, hash: `h${i}` }));
    writeFileSync(file, items.map((it) => `${JSON.stringify({ ...randomSample(rand, "t.en", it.id, it.hash, "loglikelihood"), status: "logprob" })}\n`).join(""));
    const tasks: PlannedItems[] = [
      { meta: { id: "t.en", family: "t", lang: "en", domain: "in-domain" }, items },
      { meta: { id: "u.en", family: "u", lang: "en", domain: "in-domain" }, items: [] },
    ];
    const streamed = summarizeJournal(file, tasks, boot, false);
    expect(JSON.stringify(streamed)).toBe(JSON.stringify(referenceJournalSummary(file, tasks, false)));
    expect(streamed.complete).toBe(true);
    expect(streamed.tasks[1]).toMatchObject({ n: 0, scored: 0, accuracy: null, planned: 0 });
  });

  it("summarises a 40,000-sample journal with the heap capped at 64 MB", () => {
    // Each sample carries its prompt and reply, ~1.4 KB on disk: all of them in memory at once
    // (the summary before it streamed) run out of heap here.
    const file = join(dir, "large.jsonl");
    const n = 40_000;
    const prompt = "A patient presents with fever, cough and a shadow on the chest film. ".repeat(12);
    const chunks: string[] = [];
    for (let i = 0; i < n; i++) {
      chunks.push(
        `${JSON.stringify({
          task: "big.en", item_id: `q${i}`, item_hash: `h${i}`, lang: "en",
          messages: [{ role: "system", content: "You are a medical expert answering multiple-choice questions." }, { role: "user", content: `${prompt}${i}` }],
          content: `Let me think step by step about item ${i}.\n\nAnswer: ${"ABCD"[i % 4]}`, reasoning: null, finish_reason: "stop",
          usage: { prompt_tokens: 300, completion_tokens: 20, total_tokens: 320 }, answer: "ABCD"[i % 4], gold: "A", status: "strict",
          correct: i % 4 === 0, latency_ms: 500, attempts: 1, cached: false, scores: { rule: "strict_line" }, finished_at: "2026-01-01T00:00:00Z",
        })}\n`,
      );
    }
    writeFileSync(file, chunks.join(""));
    const script = join(dir, "capped.mjs");
    const summaryModule = resolve(import.meta.dirname, "../../harness/record/journal-summary.ts");
    writeFileSync(
      script,
      `import { summarizeJournal } from ${JSON.stringify(summaryModule)};\n` +
        `const items = Array.from({ length: ${n} }, (_, i) => ({ id: "q" + i, hash: "h" + i }));\n` +
        `const s = summarizeJournal(${JSON.stringify(file)}, [{ meta: { id: "big.en", family: "big", lang: "en", domain: "in-domain" }, items }], { resamples: 1000, seed: 1, level: 0.95 }, false);\n` +
        `process.stdout.write(JSON.stringify({ complete: s.complete, n: s.tasks[0].n, correct: s.tasks[0].correct, requests: s.usage.requests }));\n`,
    );
    const r = spawnSync(process.execPath, ["--max-old-space-size=64", "--import", "tsx", script], { encoding: "utf8", timeout: 60_000 });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ complete: true, n, correct: n / 4, requests: n });
  }, 90_000);
});
