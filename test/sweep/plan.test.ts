import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { planSweep, shardCells } from "../../harness/sweep/plan.ts";
import { UserError } from "../../harness/types.ts";
import { estimateRequests, runCells, type SweepBase } from "../../harness/sweep/run-sweep.ts";
import type { EvaluateOptions, PreparedEvaluation } from "../../harness/runner/evaluate.ts";
import type { RunOutcome } from "../../harness/runner/run.ts";

const MODELS = `models:
  good:
    base_urls: [http://localhost:9001/v1]
    served_model: good
  tuned:
    base_urls: [http://localhost:9002/v1]
    served_model: tuned
    fine_tuned:
      answer_label: Answer
`;

function sweepFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "medeval-sweep-"));
  writeFileSync(join(dir, "models.yaml"), MODELS);
  writeFileSync(join(dir, "sweep.yaml"), text);
  return join(dir, "sweep.yaml");
}

function refusal(text: string): string {
  try {
    planSweep(sweepFile(text));
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as Error).message;
  }
  throw new Error("the sweep file was accepted");
}

const GOOD = `models:
  - good
  - tuned
  - name: inline
    base_urls: [http://localhost:9003/v1]
    served_model: x
settings:
  zero:
    setting: zero-shot
  k3:
    setting: few-shot
    shots: 3
  ft:
    setting: fine-tuned
    models: [tuned]
tasks: [medqa.en, medmcqa.en]
exclude:
  - model: inline
    setting: k3
`;

describe("sweep file", () => {
  it("expands models × settings in file order, with models: and exclude: applied", () => {
    const plan = planSweep(sweepFile(GOOD));
    expect(plan.cells.map((c) => `${c.model.name}/${c.settingName}`)).toEqual(["good/zero", "good/k3", "tuned/zero", "tuned/k3", "tuned/ft", "inline/zero"]);
    expect(plan.cells.map((c) => c.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(plan.cells[0].tasks).toEqual(["medqa.en", "medmcqa.en"]);
  });

  it("shards i/n take disjoint, complete shares of the same list", () => {
    const cells = planSweep(sweepFile(GOOD)).cells;
    const shares = [0, 1, 2].map((index) => shardCells(cells, { index, count: 3 }).map((c) => c.index));
    expect(shares.flat().sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(shares[1]).toEqual([1, 4]);
    expect(shardCells(cells, null)).toBe(cells);
  });

  it("refuses an unknown model with its line and field", () => {
    const msg = refusal(GOOD.replace("  - tuned\n", "  - tuned\n  - nosuch\n"));
    expect(msg).toMatch(/sweep\.yaml:4: models\.2: model "nosuch" is not in .*models\.yaml/);
  });

  it("refuses an unknown task with its line and field", () => {
    const msg = refusal(GOOD.replace("tasks: [medqa.en, medmcqa.en]", "tasks:\n  - medqa.en\n  - medqaa.xx"));
    expect(msg).toMatch(/sweep\.yaml:18: tasks\.1: .*medqaa/);
  });

  it("refuses a setting a model cannot take with its line and field", () => {
    const msg = refusal(GOOD.replace("    models: [tuned]\n", ""));
    expect(msg).toMatch(/sweep\.yaml:14: settings\.ft\.setting: model "good" cannot take the fine-tuned setting/);
  });

  it("refuses schema errors with their line", () => {
    expect(refusal(GOOD.replace("shots: 3", "shots: -3"))).toMatch(/sweep\.yaml:12: settings\.k3\.shots/);
    expect(refusal(GOOD.replace("setting: zero-shot", "setting: zero"))).toMatch(/sweep\.yaml:9: settings\.zero\.setting/);
    expect(refusal(`${GOOD}parallel_models: 0\n`)).toMatch(/sweep\.yaml:20: parallel_models: Too small/);
  });

  it("refuses exclusions naming nothing", () => {
    expect(refusal(GOOD.replace("  - model: inline", "  - model: other"))).toMatch(/sweep\.yaml:18: exclude\.0\.model/);
  });
});

describe("sweep cells as runs", () => {
  const base: SweepBase = {
    seed: 1234,
    out: mkdtempSync(join(tmpdir(), "medeval-sweep-out-")),
    cache: true,
    bootstrap: 100,
    progress: "none",
    signal: new AbortController().signal,
    fewshot: { k: 3, method: "bm25", traceLang: null, format: "multi-turn" },
    defaults: { promptStyle: "cot", scoring: "generative", shots: 3, select: "bm25" },
  };

  it("gives each cell the options of its ordinary run, and a failed cell does not stop the others", async () => {
    const plan = planSweep(sweepFile(GOOD.replace("    shots: 3\n", "    shots: 5\n    prompt_style: direct\n")));
    const seen: EvaluateOptions[] = [];
    const notStarted = async () => ({ runId: "r", dir: join(base.out, "r"), items: [], complete: false, missing: [], downloads: [], requests: estimateRequests("generative", 0), prepared: { serveConfig: null } as PreparedEvaluation });
    const run = async (o: EvaluateOptions) => {
      seen.push(o);
      if (o.model === "good" && o.setting === "few-shot") throw new UserError("server down");
      return { record: { tasks: [], complete: true }, dir: join(base.out, "r"), interrupted: false, sent: 0, retries: 0, answered: 0, endpointDown: null } as unknown as RunOutcome;
    };
    const results = await runCells(plan, plan.cells, base, { run, status: notStarted });
    expect(seen.map((o) => `${o.model}/${o.setting}/${o.promptStyle}/${o.fewshot?.k}`)).toEqual([
      "good/zero-shot/cot/3",
      "good/few-shot/direct/5",
      "tuned/zero-shot/cot/3",
      "tuned/few-shot/direct/5",
      "tuned/fine-tuned/cot/3",
      "inline/zero-shot/cot/3",
    ]);
    expect(seen[5].overrides).toMatchObject({ modelUrl: ["http://localhost:9003/v1"], servedModel: "x" });
    expect(seen[0].tasks).toEqual(["medqa.en", "medmcqa.en"]);
    expect(results.filter((r) => r.error).map((r) => `${r.cell.model.name}/${r.cell.settingName}: ${r.error?.message}`)).toEqual(["good/k3: server down"]);
  });
});
