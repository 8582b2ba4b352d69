// medeval traces generate end to end through the CLI against the grounded fake generator:
// rejection-sampling counts exact, passages and provenance recorded, the import format read
// back by `traces import`, the store written, resume after Ctrl-C, and bad inputs refused.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeVllm, type FakeVllm } from "../fake-vllm/server.ts";
import { faultWhen } from "../fake-vllm/helpers.ts";
import { groundedBehavior, promptQuestion, type GroundedOptions } from "../fake-vllm/grounded.ts";
import { importTraces } from "../../harness/traces/import.ts";
import { TraceStore } from "../../harness/traces/store.ts";
import { tempDir } from "../helpers.ts";
import { CLI, expectedCounts, markedCorpus, medeval, medqaDataDir, poolItems, type PoolItem } from "./generate-fixtures.ts";

const RATES: GroundedOptions = { wrongRate: 0.4, noAnswerRate: 0.2 };
const SEED = 1234;
const ITEMS = poolItems(12);

let server: FakeVllm;
let home: string;
let data: string;
let corpus: string;

/** The command with defaults; a flag in `extra` replaces the default's value (yargs would join a repeated flag). */
const base = (...extra: string[]) => {
  const defaults: Record<string, string> = { "--tasks": "medqa.en", "--split": "pool", "--corpus": "medwiki", "--passages": "3", "--attempts": "3" };
  for (let i = 0; i < extra.length; i++) if (extra[i] in defaults) defaults[extra[i]] = extra.splice(i, 2)[1] ?? "", i--;
  return ["traces", "generate", ...Object.entries(defaults).flat(), ...common(), ...extra];
};
const common = () => ["--corpus-store", corpus,
  "--model-url", server.url, "--served-model", "fake-model", "--data-dir", data,
  "--max-tokens", "256", "--no-cache", "--progress", "none",
];
const readJsonl = (file: string) => readFileSync(file, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
const questionsAsked = () => server.generationRequests().map((r) => promptQuestion(((r.body as { messages: { content: string }[] }).messages.at(-1)!).content));

beforeAll(async () => {
  server = await startFakeVllm({ servedModelName: "fake-model", root: "/models/fake-7b", respond: groundedBehavior(RATES) });
  home = tempDir();
  data = medqaDataDir(ITEMS);
  corpus = await markedCorpus(ITEMS);
}, 60_000);
afterAll(async () => {
  await server?.close();
});

describe("medeval traces generate", () => {
  it("keeps exactly the replies naming the gold answer; counts every rejection by reason; records passages and provenance", async () => {
    server.reset();
    const out = join(tempDir(), "traces.jsonl");
    const r = await medeval(base("--out", out, "--concurrency", "4"), home);
    expect(`${r.code} ${r.stderr}`).toBe(`0 ${r.code === 0 ? r.stderr : ""}`);
    const e = expectedCounts(ITEMS, RATES, SEED, 3);
    // The rule must reject some and keep some, or the test says little.
    expect(e.kept).toBeGreaterThan(0);
    expect(e.wrong_answer + e.no_answer).toBeGreaterThan(0);
    expect(server.generationRequests().length).toBe(e.attempts);

    const card = JSON.parse(readFileSync(out.replace(/\.jsonl$/, ".card.json"), "utf8"));
    expect(card.counts).toEqual([
      { task: "medqa.en", lang: "en", questions: 12, kept: e.kept, unkept: e.unkept, missing: 0, attempts: e.attempts, rejected: { wrong_answer: e.wrong_answer, no_answer: e.no_answer, request_error: 0, context_overflow: 0 } },
    ]);
    expect(card.complete).toBe(true);
    expect(card.generator).toEqual({ name: "fake-model", served_model: "fake-model", checkpoint: "/models/fake-7b" });
    expect(r.stdout).toMatch(/wrong answer/);
    expect(r.stdout).toContain(`│ medqa.en │ 12`);

    const traces = readJsonl(out);
    expect(traces.length).toBe(e.kept);
    for (const t of traces) {
      const i = ITEMS.findIndex((item) => item.question === t.question);
      expect(t.answer).toBe(ITEMS[i].answer_idx);
      expect(t.split).toBe("dev");
      expect(t.source_dataset).toBe("medqa");
      expect(t.reasoning).toContain(`option ${t.answer} fits best`);
      expect(t.reasoning).not.toMatch(/Answer: [A-D]\s*$/);
      expect(t.generation.attempt).toBe(e.keptAttempt[i]);
      expect(t.generation.seed).toBe(SEED + e.keptAttempt[i]! - 1);
      expect(t.generation.passage_ids).toHaveLength(3);
      expect(t.generation.passage_ids[0]).toBe(`q${i}#0`);
      expect(t.generation.prompt_hash).toMatch(/^[0-9a-f]{64}$/);
    }

    // The file is in the import format: `traces import` reads every trace.
    const store = await TraceStore.open(join(tempDir(), "store"));
    try {
      const report = await importTraces(store, out);
      expect({ added: report.added, rejected: report.rejected }).toEqual({ added: e.kept, rejected: 0 });
    } finally {
      store.close();
    }
  }, 120_000);

  it("writes into the trace store; a second run sends nothing and adds nothing", async () => {
    server.reset();
    const dir = join(tempDir(), "traces");
    const r = await medeval(base("--store", dir, "--limit", "6"), home);
    expect(`${r.code} ${r.stderr}`).toBe(`0 ${r.code === 0 ? r.stderr : ""}`);
    const e = expectedCounts(ITEMS.slice(0, 6), RATES, SEED, 3);
    expect(r.stdout).toContain(`trace store ${dir}: ${e.kept} added, 0 already there`);
    const store = await TraceStore.open(dir, { mustExist: true });
    try {
      expect(await (await store.requireTable("en")).countRows()).toBe(e.kept);
    } finally {
      store.close();
    }
    server.reset();
    const again = await medeval(base("--store", dir, "--limit", "6"), home);
    expect(again.code).toBe(0);
    expect(server.generationRequests().length).toBe(0);
    expect(again.stderr).toContain("6 questions already done");
    expect(again.stdout).toContain(`0 added, ${e.kept} already there`);
  }, 120_000);

  it("a context overflow and failing requests are counted as such; the failed question is retried by the next run", async () => {
    const overflow = ITEMS[1].question;
    const failing = ITEMS[2].question;
    const grounded = groundedBehavior(RATES);
    server.setBehavior({
      respond: faultWhen((req) => req.prompt.includes(overflow), { fault: "context_overflow" }, faultWhen((req) => req.prompt.includes(failing), { fault: "http", status: 500 }, grounded)),
    });
    const out = join(tempDir(), "faults.jsonl");
    try {
      const r = await medeval(base("--out", out, "--limit", "4", "--max-retries", "0"), home);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("some questions or translations are not done");
      const card = JSON.parse(readFileSync(out.replace(/\.jsonl$/, ".card.json"), "utf8"));
      const [s] = card.counts;
      expect(s.rejected.context_overflow).toBe(1);
      expect(s.rejected.request_error).toBe(3);
      expect(s.missing).toBe(1);
      expect(card.complete).toBe(false);
    } finally {
      server.setBehavior({ respond: grounded });
    }
    server.reset();
    const again = await medeval(base("--out", out, "--limit", "4", "--max-retries", "0"), home);
    expect(`${again.code} ${again.stderr}`).toBe(`0 ${again.code === 0 ? again.stderr : ""}`);
    expect(new Set(questionsAsked())).toEqual(new Set([failing]));
  }, 120_000);

  it("Ctrl-C exits 130 losing no finished question; the re-run asks nothing finished again", async () => {
    const grounded = groundedBehavior(RATES);
    server.setBehavior({ respond: async (req) => ({ ...(await grounded(req)), delayMs: 150 }) });
    server.reset();
    const out = join(tempDir(), "resume.jsonl");
    const journal = out.replace(/\.jsonl$/, ".journal.jsonl");
    const journalKeys = () => (existsSync(journal) ? readJsonl(journal).map((l) => l.key as string) : []);
    try {
      const child = spawn(process.execPath, [CLI, ...base("--out", out, "--concurrency", "1")], { env: { ...process.env, MEDEVAL_FROM_SOURCE: "1", MEDEVAL_HOME: home, MEDEVAL_DATA_DIR: "" } });
      let stderr = "";
      child.stderr.on("data", (d) => (stderr += d));
      const exited = new Promise<number | null>((done) => child.on("close", (code) => done(code)));
      const until = Date.now() + 30_000;
      while (journalKeys().length < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      child.kill("SIGINT");
      expect(await exited, stderr).toBe(130);
      const done = journalKeys();
      expect(done.length).toBeGreaterThanOrEqual(3);
      expect(done.length).toBeLessThan(ITEMS.length);
      expect(existsSync(out)).toBe(false);

      server.reset();
      const r = await medeval(base("--out", out, "--concurrency", "1"), home);
      expect(`${r.code} ${r.stderr}`).toBe(`0 ${r.code === 0 ? r.stderr : ""}`);
      expect(r.stderr).toContain(`${done.length} questions already done`);
      const finishedQuestions = new Set(done.map((k) => ITEMS[Number(k.replace(/^medqa\.en\//, ""))]?.question));
      const asked = questionsAsked();
      expect(asked.length).toBeGreaterThan(0);
      expect(asked.filter((q) => finishedQuestions.has(q ?? ""))).toEqual([]);
      const e = expectedCounts(ITEMS, RATES, SEED, 3);
      const card = JSON.parse(readFileSync(out.replace(/\.jsonl$/, ".card.json"), "utf8"));
      expect({ kept: card.counts[0].kept, attempts: card.counts[0].attempts }).toEqual({ kept: e.kept, attempts: e.attempts });
    } finally {
      server.setBehavior({ respond: grounded });
    }
  }, 120_000);
});

describe("medeval traces generate --split train", () => {
  it("reads MedQA's training questions, and records the traces as train", async () => {
    server.reset();
    const train = ITEMS.slice(0, 4);
    writeFileSync(join(data, "medqa", "4_options", "train.jsonl"), train.map((i) => JSON.stringify(i)).join("\n") + "\n");
    const out = join(tempDir(), "train.jsonl");
    const r = await medeval(base("--split", "train", "--out", out), home);
    expect(r.code, r.stderr).toBe(0);
    expect(new Set(questionsAsked())).toEqual(new Set(train.map((i) => i.question)));
    const traces = readJsonl(out);
    expect(traces.length).toBe(expectedCounts(train, RATES, SEED, 3).kept);
    expect(traces.every((t) => t.split === "train")).toBe(true);
  }, 60_000);
});

describe("medeval traces generate: refused before any request", () => {
  const refused = async (args: string[], message: string | RegExp) => {
    server.reset();
    const r = await medeval(args, home);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
    expect(server.generationRequests().length).toBe(0);
  };

  it("the test split (leakage guard)", async () => {
    await refused(base("--split", "test", "--out", join(tempDir(), "t.jsonl")), /--split test: medqa\.en's test split is what medeval evaluates, and the leakage guard/);
  }, 60_000);


  it("an unknown corpus, an unknown task, --attempts 0", async () => {
    await refused(base("--corpus", "nowiki", "--out", join(tempDir(), "t.jsonl")), /no corpus "nowiki" in .* \(it has: medwiki\)/);
    await refused(base("--tasks", "nope.en", "--out", join(tempDir(), "t.jsonl")), /unknown task "nope\.en"/);
    await refused(base("--attempts", "0", "--out", join(tempDir(), "t.jsonl")), /--attempts must be a whole number >= 1, got 0/);
  }, 60_000);

  it("a language with no translated task; English traces translated without a translator, or a translator without --lang-source traces", async () => {
    await refused(base("--lang", "en,it", "--out", join(tempDir(), "t.jsonl")), /no medqa\.it questions to generate from.*medeval translate --tasks medqa\.en --to it --split pool/);
    await refused(base("--lang", "en,it", "--lang-source", "traces", "--out", join(tempDir(), "t.jsonl")), /--lang-source traces: translating medqa\.en's traces into it needs a translator model: name a models\.yaml entry \(--translator NAME\)/);
    await refused(base("--lang", "en,xx", "--lang-source", "traces", "--translator-url", server.url, "--out", join(tempDir(), "t.jsonl")), /unknown target language "xx"/);
    await refused(base("--translator-url", server.url, "--out", join(tempDir(), "t.jsonl")), /--translator\/--translator-url translate kept traces: they go with --lang-source traces/);
  }, 60_000);
});

export type { PoolItem };
