import { describe, expect, it } from "vitest";
import { aggregateDefinitions } from "../../harness/report/aggregates.ts";
import type { TaskInfo } from "../../harness/report/load.ts";

const task = (task: string, family: string, lang: string, group?: string): TaskInfo => ({ task, family, lang, domain: "in-domain", ...(group ? { group } : {}) });

function weights(tasks: TaskInfo[], id: string): Record<string, number> {
  const def = aggregateDefinitions(tasks).find((d) => d.id === id);
  return Object.fromEntries((def?.members ?? []).map((m) => [m.task, m.weight]));
}

describe("aggregate membership", () => {
  it("counts two translations of one benchmark once in the language average", () => {
    const tasks = [task("medqa.it", "medqa", "it"), task("medqa.it@ours", "medqa", "it"), task("medmcqa.it", "medmcqa", "it")];
    expect(weights(tasks, "lang:it")).toEqual({ "medqa.it": 0.25, "medqa.it@ours": 0.25, "medmcqa.it": 0.5 });
  });

  it("counts a group of subjects once per language, and plain tasks each once", () => {
    const tasks = [task("mmlu_medical.anatomy.en", "mmlu_medical", "en", "mmlu_medical"), task("mmlu_medical.virology.en", "mmlu_medical", "en", "mmlu_medical"), task("medqa.en", "medqa", "en"), task("medqa.it", "medqa", "it")];
    expect(weights(tasks, "overall")).toEqual({ "mmlu_medical.anatomy.en": 1 / 6, "mmlu_medical.virology.en": 1 / 6, "medqa.en": 1 / 3, "medqa.it": 1 / 3 });
  });
});
