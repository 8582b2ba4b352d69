// Whether a candidate can be compared with a baseline at all. A gate that quietly compares
// different items, or a partial run, passes or fails for the wrong reason: those cases are
// problems (exit 2) that name what differs; differences that may be intended are warnings.
import { canonicalJson } from "../hash.ts";
import type { GateSide, GateTask } from "./side.ts";

export interface TaskPair {
  baseline: GateTask;
  candidate: GateTask;
}

export interface Comparability {
  /** Each makes the comparison meaningless: exit 2. */
  problems: string[];
  /** Shown in every output, but the gate still decides. */
  warnings: string[];
  /** Baseline tasks with their candidate counterparts, in the baseline's order. */
  pairs: TaskPair[];
}

const EXAMPLES = 3;

function examples(ids: string[]): string {
  const shown = ids.slice(0, EXAMPLES).map((id) => JSON.stringify(id));
  return ids.length > EXAMPLES ? `${shown.join(", ")}, …` : shown.join(", ");
}

/** How the item sets of one task differ, or null when they are the same items with the same content. */
export function itemDifference(base: GateTask, cand: GateTask): string | null {
  if (base.itemsDigest === cand.itemsDigest) return null;
  const candIds = new Set(cand.ids);
  const baseIds = new Set(base.ids);
  const onlyBase = base.ids.filter((id) => !candIds.has(id));
  const onlyCand = cand.ids.filter((id) => !baseIds.has(id));
  if (onlyBase.length === 0 && onlyCand.length === 0) {
    return (
      `task ${base.task}: the same ${base.ids.length} item ids, but the item content differs (items digest ` +
      `${base.itemsDigest.slice(0, 12)} vs ${cand.itemsDigest.slice(0, 12)}): the dataset or its revision changed. ` +
      "Evaluate both on the same data, or save a new baseline on the new data."
    );
  }
  const parts: string[] = [];
  if (onlyBase.length > 0) parts.push(`${onlyBase.length} item(s) only in the baseline (${examples(onlyBase)})`);
  if (onlyCand.length > 0) parts.push(`${onlyCand.length} item(s) only in the candidate (${examples(onlyCand)})`);
  return (
    `task ${base.task}: different items: baseline has ${base.ids.length}, candidate ${cand.ids.length}; ${parts.join("; ")}. ` +
    "Run the candidate with the baseline's --limit / --shard settings and data, or save a new baseline."
  );
}

export function checkComparable(baseline: GateSide, candidate: GateSide, opts: { allowMixedScoring: boolean }): Comparability {
  const problems: string[] = [];
  const warnings: string[] = [];

  if (!candidate.complete) {
    const items = candidate.unanswered?.length ? ` Items without an answer: ${candidate.unanswered.join("; ")}.` : "";
    problems.push(
      `candidate ${candidate.origin}: the run is not complete (run.json "complete": false, or errors not accepted); its figures would rest on fewer items than planned.${items} ` +
        "Resume it with `medeval run --resume RUN_ID` to retry them, or finish it with --accept-errors (tasks within --max-error-rate are then judged on the items both sides scored).",
    );
  }
  if (!baseline.complete) {
    problems.push(`baseline ${baseline.origin}: it was saved from an incomplete run. Save a baseline from a complete run.`);
  }

  const b = baseline.spec;
  const c = candidate.spec;
  if (b.scoring !== c.scoring) {
    const message = `scoring modes differ: baseline "${b.scoring}", candidate "${c.scoring}"`;
    if (opts.allowMixedScoring) warnings.push(`${message} (allowed by --allow-mixed-scoring)`);
    else problems.push(`${message}. Accuracies from different scoring modes are not comparable; pass --allow-mixed-scoring to compare anyway.`);
  }
  const soft: [string, unknown, unknown][] = [
    ["setting", b.setting, c.setting],
    ["prompt style", b.prompt_style, c.prompt_style],
    ["prompt template hash", b.prompt_template_hash, c.prompt_template_hash],
    ["generation parameters", b.params, c.params],
    ["few-shot settings", b.fewshot, c.fewshot],
  ];
  for (const [what, x, y] of soft) {
    if (canonicalJson(x) !== canonicalJson(y)) warnings.push(`${what} differ: baseline ${canonicalJson(x)}, candidate ${canonicalJson(y)}`);
  }

  const candidateTasks = new Map(candidate.tasks.map((t) => [t.task, t]));
  const pairs: TaskPair[] = [];
  const missing: string[] = [];
  for (const base of baseline.tasks) {
    const cand = candidateTasks.get(base.task);
    if (!cand) {
      missing.push(base.task);
      continue;
    }
    const difference = itemDifference(base, cand);
    if (difference) problems.push(difference);
    else pairs.push({ baseline: base, candidate: cand });
  }
  if (missing.length > 0) {
    problems.push(
      `missing tasks: the candidate did not evaluate ${missing.join(", ")} (${missing.length} of the baseline's ${baseline.tasks.length}). ` +
        `Run the candidate with --tasks ${baseline.tasks.map((t) => t.task).join(",")}.`,
    );
  }
  const baselineTaskIds = new Set(baseline.tasks.map((t) => t.task));
  const extra = candidate.tasks.filter((t) => !baselineTaskIds.has(t.task)).map((t) => t.task);
  if (extra.length > 0) warnings.push(`not gated (not in the baseline): ${extra.join(", ")}`);

  return { problems, warnings, pairs };
}
