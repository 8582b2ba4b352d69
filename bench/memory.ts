// Memory flat in items (issue 18 targets): peak RSS of whole medeval processes, each phase in
// its own child so its maxRSS is its own.
//   npx tsx bench/memory.ts [--items 200000] [--live 2000] [--runs 10] [--run-items 11000]
// - run: `medeval run` with 200,000 planned items (a synthetic local task) against the fake
//   vLLM. Answering 200,000 items live would take many minutes on this machine, so the run's
//   samples.jsonl already holds all but --live of them (written as the harness writes samples,
//   for the same items and hashes): the process resumes it, answers the rest, and summarises
//   all 200,000 from the journal. Target ≤ 400 MB.
// - table: `medeval table` over --runs run folders (run.json + samples.jsonl) of --run-items
//   items each, 11 tasks per run. Target ≤ 250 MB.
// Both run bin/medeval.js as a user does (dist/ is built first when a source is newer).
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, type WriteStream } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { answerWith, guessLetter } from "../test/fake-vllm/helpers.ts";
import { startFakeVllm } from "../test/fake-vllm/server.ts";
import { tempDir } from "../test/helpers.ts";
import { BIN, ensureBuilt } from "./built.ts";
import { loadItems, loadRegistry } from "../harness/tasks/index.ts";
import { summarizeTask } from "../harness/record/summarize.ts";
import { LETTERS, type Item, type RunRecord, type Sample } from "../harness/types.ts";

const { values } = parseArgs({
  options: {
    items: { type: "string", default: "200000" },
    live: { type: "string", default: "2000" },
    runs: { type: "string", default: "10" },
    "run-items": { type: "string", default: "11000" },
  },
});
const ITEMS = Number(values.items);
const LIVE = Math.min(ITEMS, Number(values.live));
const RUNS = Number(values.runs);
const RUN_ITEMS = Number(values["run-items"]);
const RUN_RSS_TARGET_MB = 400;
const TABLE_RSS_TARGET_MB = 250;
const TABLE_LANGS = ["en", "es", "fr", "it", "de", "pt", "ru", "ja", "zh", "ko", "ar"];
const FROM_SOURCE = process.env.MEDEVAL_FROM_SOURCE === "1";

/** A module preloaded into the measured process: its own peak RSS (kB) written at exit. */
function writeRssProbe(dir: string): string {
  const file = join(dir, "rss-probe.mjs");
  writeFileSync(
    file,
    'import { writeFileSync } from "node:fs";\n' +
      'process.on("exit", () => writeFileSync(process.env.MEDEVAL_BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)));\n',
  );
  return file;
}

interface Measured {
  rssMb: number;
  wallS: number;
  stdout: string;
}

async function measure(probe: string, args: string[], home: string): Promise<Measured> {
  const rssFile = join(home, `rss-${Date.now()}.txt`);
  const started = performance.now();
  const child = spawn(process.execPath, ["--import", probe, BIN, ...args], {
    env: { ...process.env, MEDEVAL_HOME: home, MEDEVAL_BENCH_RSS_FILE: rssFile },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const code = await new Promise<number | null>((done) => child.on("close", done));
  const wallS = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`medeval ${args[0]} failed (exit ${code}): ${stderr.slice(-2000)}`);
  return { rssMb: Number(readFileSync(rssFile, "utf8")) / 1024, wallS, stdout };
}

/** Writes lines through a stream, waiting when it is full (memory of this process stays small too). */
async function writeLines(file: string, lines: Iterable<string>): Promise<void> {
  const out: WriteStream = createWriteStream(file);
  for (const line of lines) {
    if (!out.write(`${line}\n`)) await new Promise<void>((ok) => out.once("drain", () => ok()));
  }
  await new Promise<void>((ok, fail) => out.end((err?: Error | null) => (err ? fail(err) : ok())));
}

function syntheticQuestion(i: number): { id: string; question: string; options: string[]; answer: string } {
  return {
    id: `q${i}`,
    question: `A ${20 + (i % 60)}-year-old patient presents with finding number ${i}. What is the most likely diagnosis?`,
    options: [`Diagnosis one (${i})`, "Diagnosis two", "Diagnosis three", "Diagnosis four"],
    answer: LETTERS[(i * 7) % 4],
  };
}

/** A sample as the generative runner writes it, with statuses, correctness and cache use varied by index. */
function syntheticSample(task: string, item: Item, i: number, withErrors: boolean): Sample {
  const gold = LETTERS[item.answer];
  const letter = LETTERS[(i * 13 + task.length) % item.options.length];
  const kind = i % 31 === 0 ? "unparsed" : i % 37 === 0 ? "truncated" : withErrors && i % 97 === 0 ? "error" : i % 7 === 0 ? "lenient" : "strict";
  const answer = kind === "strict" || kind === "lenient" ? letter : null;
  const options = item.options.map((o, k) => `${LETTERS[k]}. ${o}`).join("\n");
  const cached = i % 5 === 0 && kind !== "error";
  return {
    task,
    item_id: item.id,
    item_hash: item.hash,
    lang: item.lang,
    messages: [
      { role: "system", content: "You are a medical expert answering multiple-choice questions." },
      { role: "user", content: `Question: ${item.question}\nOptions:\n${options}\n\nThink step by step about the question and each option, then end your answer with a final line of the form "Answer: X", where X is one of A, B, C, D.` },
    ],
    content: kind === "error" ? null : `Let me think step by step.\nThe key finding points to option ${letter}; the other options do not fit the presentation.\n\n${kind === "strict" ? `Answer: ${letter}` : `so ${letter}`}`,
    reasoning: null,
    finish_reason: kind === "error" ? null : kind === "truncated" ? "length" : "stop",
    usage: kind === "error" ? null : { prompt_tokens: 100 + (i % 17), completion_tokens: 27 + (i % 5), total_tokens: 127 + (i % 17) + (i % 5) },
    answer,
    gold,
    status: kind,
    correct: answer === gold,
    ...(kind === "error" ? { error: "HTTP 500: internal server error" } : {}),
    latency_ms: 400 + (i % 200),
    attempts: kind === "error" ? 4 : 1,
    endpoint: "http://127.0.0.1:8000/v1",
    ...(cached ? { cached: true, cache_identity: i % 10 === 0 ? "ckpt-a" : "ckpt-b" } : { cached: false }),
    scores: { rule: kind === "strict" ? "strict_line" : "lenient" },
    finished_at: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
  };
}

function writeTaskFamily(dir: string, langs: string[], count: number): { tasksDir: string; dataDir: string } {
  const tasksDir = join(dir, "tasks");
  const dataDir = join(dir, "data");
  mkdirSync(tasksDir, { recursive: true });
  mkdirSync(join(dataDir, "syn"), { recursive: true });
  const languages = langs
    .map((l) => `  ${l}:\n    test:\n      local: { path: syn/test.${l}.jsonl, format: jsonl, fields: { id: id, question: question, options: { array: options }, answer: { field: answer, encoding: letter } } }`)
    .join("\n");
  writeFileSync(join(tasksDir, "syn.yaml"), `family: syn\ndomain: out-of-domain\nlanguages:\n${languages}\n`);
  for (const l of langs) {
    const lines: string[] = [];
    for (let i = 0; i < count; i++) lines.push(JSON.stringify(syntheticQuestion(i)));
    writeFileSync(join(dataDir, "syn", `test.${l}.jsonl`), `${lines.join("\n")}\n`);
  }
  return { tasksDir, dataDir };
}

async function itemsOf(tasksDir: string, dataDir: string, task: string): Promise<Item[]> {
  const spec = loadRegistry(tasksDir, dataDir).resolve([task])[0];
  return (await loadItems(spec, "test", { dataDir, offline: true })).items;
}

async function runPhase(work: string, probe: string): Promise<{ m: Measured; record: RunRecord }> {
  const { tasksDir, dataDir } = writeTaskFamily(work, ["en"], ITEMS);
  const items = await itemsOf(tasksDir, dataDir, "syn.en");
  const out = join(work, "results");
  const runDir = join(out, "bench-memory");
  mkdirSync(runDir, { recursive: true });
  // The first LIVE items have no line yet: this run answers them.
  await writeLines(
    join(runDir, "samples.jsonl"),
    (function* () {
      for (let i = LIVE; i < items.length; i++) yield JSON.stringify(syntheticSample("syn.en", items[i], i, false));
    })(),
  );
  const server = await startFakeVllm({ servedModelName: "fake-model", maxModelLen: 100_000, respond: answerWith(guessLetter, "cot") });
  try {
    const args = ["run", "--model-url", server.url, "--served-model", "fake-model", "--tasks", "syn.en", "--tasks-dir", tasksDir, "--data-dir", dataDir];
    const m = await measure(probe, [...args, "--out", out, "--run-id", "bench-memory", "--progress", "none", "--no-cache", "--concurrency", "64"], work);
    const record = JSON.parse(readFileSync(join(runDir, "run.json"), "utf8")) as RunRecord;
    if (record.tasks[0]?.n !== ITEMS) throw new Error(`the run summarised ${record.tasks[0]?.n} samples, not ${ITEMS}`);
    return { m, record };
  } finally {
    await server.close();
  }
}

async function tablePhase(work: string, probe: string, template: RunRecord): Promise<Measured> {
  const perTask = Math.ceil(RUN_ITEMS / TABLE_LANGS.length);
  const { tasksDir, dataDir } = writeTaskFamily(join(work, "table-data"), TABLE_LANGS, perTask);
  const tasks = await Promise.all(TABLE_LANGS.map(async (l) => ({ id: `syn.${l}`, lang: l, items: await itemsOf(tasksDir, dataDir, `syn.${l}`) })));
  const results = join(work, "table-results");
  for (let r = 0; r < RUNS; r++) {
    const model = `model-${r}`;
    const dir = join(results, `${model}-zero-shot-cot-generative`);
    mkdirSync(dir, { recursive: true });
    const summaries = [];
    const lines: string[] = [];
    for (const t of tasks) {
      const samples = t.items.map((item, i) => syntheticSample(t.id, item, i * (r + 3) + r, true));
      for (const s of samples) lines.push(JSON.stringify(s));
      summaries.push(summarizeTask({ id: t.id, family: "syn", lang: t.lang, domain: "out-of-domain" }, samples, template.bootstrap, samples.length));
    }
    await writeLines(join(dir, "samples.jsonl"), lines);
    const record: RunRecord = {
      ...template,
      run_id: `${model}-zero-shot-cot-generative`,
      spec: { ...template.spec, model, served_model: model, tasks: tasks.map((t) => t.id) },
      sources: tasks.map((t) => ({ ...template.sources[0], task: t.id })),
      tasks: summaries,
    };
    writeFileSync(join(dir, "run.json"), `${JSON.stringify(record, null, 2)}\n`);
  }
  const m = await measure(probe, ["table", results], work);
  const rows = m.stdout.split("\n").filter((l) => /model-\d/.test(l)).length;
  if (rows < RUNS) throw new Error(`medeval table printed ${rows} model rows, not ${RUNS}:\n${m.stdout}`);
  return m;
}

async function main(): Promise<void> {
  if (!FROM_SOURCE) ensureBuilt();
  const work = tempDir("medeval-bench-memory-");
  try {
    const probe = writeRssProbe(work);
    const floor = await measure(probe, ["--version"], work);
    const run = await runPhase(work, probe);
    const table = await tablePhase(work, probe, run.record);
    const mb = (x: number) => `${x.toFixed(0)} MB`;
    const verdict = (x: number, target: number) => `target ≤ ${target} MB: ${x <= target ? "ok" : "MISSED"}`;
    const lines = [
      `floor: medeval --version                  peak RSS ${mb(floor.rssMb)}`,
      `medeval run, ${ITEMS.toLocaleString("en")} planned items       peak RSS ${mb(run.m.rssMb)}   ${verdict(run.m.rssMb, RUN_RSS_TARGET_MB)}   (${LIVE.toLocaleString("en")} answered live, the rest resumed; wall ${run.m.wallS.toFixed(1)} s)`,
      `medeval table, ${RUNS} runs × ${RUN_ITEMS.toLocaleString("en")} items     peak RSS ${mb(table.rssMb)}   ${verdict(table.rssMb, TABLE_RSS_TARGET_MB)}   (wall ${table.wallS.toFixed(1)} s)`,
      `${FROM_SOURCE ? "from the TypeScript sources (tsx)" : "compiled dist/"}; machine ${availableParallelism()} cores, 1-min load average ${loadavg()[0].toFixed(1)}`,
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (!existsSync("/proc/self/stat")) throw new Error("this bench reads peak RSS as Linux reports it: run it on Linux");
await main();
