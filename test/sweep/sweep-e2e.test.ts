// A whole sweep against two fake servers (two models, different accuracies) × two settings ×
// three tasks of the shared data: interrupted mid-way and run again, nothing finished is asked
// again and finished cells are skipped; the tables at the end equal `medeval table`'s.
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import tableCommand from "../../harness/commands/table.ts";
import { evaluate } from "../../harness/runner/evaluate.ts";
import { DEFAULT_COMPARISON } from "../../harness/stats/paired-compare.ts";
import { planSweep, type SweepPlan } from "../../harness/sweep/plan.ts";
import { completeDir, runCells, type SweepBase } from "../../harness/sweep/run-sweep.ts";
import { writeSweepReport } from "../../harness/sweep/sweep-report.ts";
import type { Sample } from "../../harness/types.ts";
import { answerWith, guessLetter, lastUserText } from "../fake-vllm/helpers.ts";
import { startFakeVllm, type FakeVllm, type RecordedRequest } from "../fake-vllm/server.ts";
import { hasSharedDatasets, SHARED_DATASETS, SKIP_SHARED_REASON, tempDir, waitGone } from "../helpers.ts";

const LIMIT = 4;
const TASKS = ["medqa.en", "medmcqa.en", "headqa.es"];
const CELLS = 4;
const ITEMS_PER_CELL = LIMIT * TASKS.length;

function sweepFile(dir: string, a: FakeVllm, b: FakeVllm): string {
  const file = join(dir, "two-models.yaml");
  writeFileSync(
    file,
    `models:
  - { name: guesser, base_urls: ["${a.url}"], served_model: model-a }
  - { name: always-b, base_urls: ["${b.url}"], served_model: model-b }
settings:
  cot: { setting: zero-shot, prompt_style: cot }
  direct: { setting: zero-shot, prompt_style: direct }
tasks: [${TASKS.join(", ")}]
limit: ${LIMIT}
report:
  formats: [markdown, csv]
  baseline: "guesser:zero-shot"
  html: true
`,
  );
  return file;
}

function base(out: string, signal: AbortSignal): SweepBase {
  return {
    seed: 7,
    out,
    cache: false,
    bootstrap: 200,
    progress: "none",
    signal,
    concurrency: 2,
    dataDir: SHARED_DATASETS,
    fewshot: { k: 3, method: "bm25", traceLang: null, format: "multi-turn" },
    defaults: { promptStyle: "cot", scoring: "generative", shots: 3, select: "bm25" },
  };
}

/** The finished samples of a run folder (a torn last line is not one). */
function finishedSamples(dir: string): Sample[] {
  const file = join(dir, "samples.jsonl");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Sample];
      } catch {
        return [];
      }
    })
    .filter((s) => s.status !== "error");
}

/** Who was asked what: the served model and the question's text. */
const asked = (r: RecordedRequest) => `${r.body.model as string}|${lastUserText(r.body.messages)}`;

describe.skipIf(!hasSharedDatasets)(`medeval sweep end to end (${hasSharedDatasets ? "" : SKIP_SHARED_REASON})`, () => {
  let a: FakeVllm;
  let b: FakeVllm;
  let abortAfter = Infinity;
  const controller = new AbortController();
  const countAndMaybeAbort = () => {
    if (a.generationRequests().length + b.generationRequests().length >= abortAfter) controller.abort();
  };

  beforeAll(async () => {
    const guesser = answerWith(guessLetter, "cot");
    const alwaysB = answerWith(() => "B", "cot");
    a = await startFakeVllm({ servedModelName: "model-a", maxModelLen: 8192, respond: (req) => (countAndMaybeAbort(), guesser(req)) });
    b = await startFakeVllm({ servedModelName: "model-b", maxModelLen: 8192, respond: (req) => (countAndMaybeAbort(), alwaysB(req)) });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it("interrupted and run again: finished items are not asked again, finished cells are skipped, and the tables equal medeval table's", async () => {
    const dir = tempDir("medeval-sweep-");
    const out = join(dir, "results");
    const plan: SweepPlan = planSweep(sweepFile(dir, a, b));
    expect(plan.cells.map((c) => `${c.model.name}/${c.settingName}`)).toEqual(["guesser/cot", "guesser/direct", "always-b/cot", "always-b/direct"]);

    // First pass: stopped half-way through the second cell.
    abortAfter = ITEMS_PER_CELL + ITEMS_PER_CELL / 2;
    const first = await runCells(plan, plan.cells, base(out, controller.signal));
    expect(completeDir(first[0])).not.toBeNull();
    expect(first.slice(1).every((r) => completeDir(r) === null)).toBe(true);
    const firstRequests = a.generationRequests().length + b.generationRequests().length;
    expect(firstRequests).toBeLessThan(CELLS * ITEMS_PER_CELL);
    const finished = [first[0], first[1]].flatMap((r) => finishedSamples(r.outcome!.dir));
    expect(finished.length).toBeGreaterThanOrEqual(ITEMS_PER_CELL);
    expect(finished.length).toBeLessThan(2 * ITEMS_PER_CELL);
    expect(first[1].outcome?.interrupted).toBe(true);

    // Second pass: the rest, and only the rest.
    a.reset();
    b.reset();
    abortAfter = Infinity;
    const second = await runCells(plan, plan.cells, base(out, new AbortController().signal));
    expect(second.map((r) => (r.skipped ? "skipped" : r.outcome?.record.complete ? "ran" : "incomplete"))).toEqual(["skipped", "ran", "ran", "ran"]);
    const again = [...a.generationRequests(), ...b.generationRequests()];
    // No prompt finished in the first pass (both were model-a's cells) was sent again.
    const finishedKeys = new Set(finished.map((s) => `model-a|${s.messages.at(-1)!.content}`));
    expect(again.filter((r) => finishedKeys.has(asked(r))).map((r) => r.body.messages)).toEqual([]);
    // Each item not finished is asked once more (retries after a failure aside), the finished ones never.
    expect(again.filter((r) => r.attempt === 1).map(asked)).toHaveLength(CELLS * ITEMS_PER_CELL - finished.length);

    // The accuracies differ: the two models answer differently.
    const acc = (i: number) => second[i].outcome?.record.tasks.map((t) => t.accuracy) ?? [];
    expect(acc(2)).not.toEqual(acc(1));

    // The tables, over the four run folders, equal medeval table's over the same folders.
    const dirs = second.map((r) => completeDir(r)!);
    const written = writeSweepReport(plan, dirs, out);
    expect(written.map((f) => f.slice(out.length + 1))).toEqual(["two-models.table.md", "two-models.table.csv", "two-models.report.html"]);
    for (const [format, file] of [["markdown", written[0]], ["csv", written[1]]] as const) {
      const byHand = join(dir, `by-hand.${format}`);
      await tableCommand.handler({
        results: dirs,
        format,
        ci: "halfwidth",
        out: byHand,
        baseline: "guesser:zero-shot",
        alpha: DEFAULT_COMPARISON.alpha,
        level: DEFAULT_COMPARISON.level,
        subjects: false,
        "allow-mixed-scoring": false,
        allowMixedScoring: false,
        _: [],
        $0: "medeval",
      });
      expect(readFileSync(file, "utf8")).toBe(readFileSync(byHand, "utf8"));
    }
    expect(readFileSync(written[2], "utf8")).toContain("<html");

    // Third pass over a finished sweep: no cell runs, no request is sent, the tables are rendered again.
    a.reset();
    b.reset();
    const table = readFileSync(written[0], "utf8");
    rmSync(written[0]);
    const third = await runCells(plan, plan.cells, base(out, new AbortController().signal));
    expect(third.every((r) => r.skipped)).toBe(true);
    expect(a.generationRequests().length + b.generationRequests().length).toBe(0);
    writeSweepReport(plan, third.map((r) => completeDir(r)!), out);
    expect(readFileSync(written[0], "utf8")).toBe(table);
  }, 120_000);
});

describe.skipIf(!hasSharedDatasets)(`medeval sweep with a serve: model (${hasSharedDatasets ? "" : SKIP_SHARED_REASON})`, () => {
  const BIN = join(import.meta.dirname, "..", "fixtures", "fake-vllm-bin", "vllm-ready.mjs");

  it("starts the model once for all its cells, passes its URL to each, and stops it after", async () => {
    const dir = tempDir("medeval-sweep-serve-");
    writeFileSync(
      join(dir, "models.yaml"),
      `models:
  served:
    served_model: local-ckpt
    params: { max_tokens: 64 }
    serve:
      model: /checkpoints/step-1000
      args: ["--max-model-len", "4096"]
      ready_timeout_s: 20
`,
    );
    const file = join(dir, "served.yaml");
    writeFileSync(
      file,
      `models: [served]
settings:
  cot: { setting: zero-shot, prompt_style: cot }
  direct: { setting: zero-shot, prompt_style: direct }
tasks: medqa.en
limit: 3
`,
    );
    const out = join(dir, "results");
    const argsFile = join(dir, "args.json");
    process.env.FAKE_VLLM_ARGS_FILE = argsFile;
    try {
      const plan = planSweep(file);
      const seenUrls: (string | undefined)[] = [];
      const results = await runCells(plan, plan.cells, { ...base(out, new AbortController().signal), vllmBin: BIN }, {
        run: async (o) => {
          seenUrls.push(o.servedUrl);
          return evaluate(o);
        },
      });
      expect(results.map((r) => r.outcome?.record.complete)).toEqual([true, true]);
      const log = readFileSync(join(out, "sweep-logs", "served.vllm.log"), "utf8");
      expect(log.match(/fake vllm: loading/g)).toHaveLength(1);
      expect(log.match(/got SIGTERM, shutting down/g)).toHaveLength(1);
      expect(new Set(seenUrls).size).toBe(1);
      expect(seenUrls[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const { pid } = JSON.parse(readFileSync(argsFile, "utf8")) as { pid: number };
      expect(await waitGone(pid)).toBe(true);
      // Each cell's run records the server it was answered by.
      expect(results[0].outcome!.record.spec.base_urls).toEqual([`${seenUrls[0]}/v1`]);
      // Run again: both complete, so the model is not started at all.
      const again = await runCells(plan, plan.cells, { ...base(out, new AbortController().signal), vllmBin: BIN });
      expect(again.every((r) => r.skipped)).toBe(true);
      expect(readFileSync(join(out, "sweep-logs", "served.vllm.log"), "utf8").match(/fake vllm: loading/g)).toHaveLength(1);
      // Each cell's log names the server that answered it.
      expect(readFileSync(join(out, "sweep-logs", "served", "1-served-direct.log"), "utf8")).toContain(`server: ${seenUrls[0]}, started by the sweep for served's cells (its log: ${join(out, "sweep-logs", "served.vllm.log")})`);
    } finally {
      delete process.env.FAKE_VLLM_ARGS_FILE;
    }
  }, 60_000);
});
