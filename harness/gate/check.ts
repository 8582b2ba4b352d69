// `medeval check`: load both sides, make sure they can be compared, decide, and write the
// outputs CI systems read. The command file only parses flags and prints.
import { appendFileSync } from "node:fs";
import { writeOutputFile } from "../report/write-output.ts";
import { UserError } from "../types.ts";
import { checkComparable } from "./comparable.ts";
import { decideGate, type GateOptions } from "./decide.ts";
import { renderJUnit } from "./junit.ts";
import { loadSide } from "./load-side.ts";
import { cacheNote } from "../report/cache-note.ts";
import type { GateSide } from "./side.ts";
import { renderMarkdown } from "./markdown.ts";
import { type CheckReport, summarizeSide } from "./report.ts";

export interface CheckInput {
  baseline: string;
  candidate: string;
  options: GateOptions;
  allowMixedScoring: boolean;
  junitFile?: string;
  markdownFile?: string;
  /** $GITHUB_STEP_SUMMARY: the Markdown is appended to it. */
  stepSummaryFile?: string;
}

export function runCheck(input: CheckInput): CheckReport {
  const baseline = loadSide(input.baseline, "baseline");
  const candidate = loadSide(input.candidate, "candidate");
  const comparability = checkComparable(baseline, candidate, { allowMixedScoring: input.allowMixedScoring });
  const report: CheckReport = {
    baseline: summarizeSide(baseline),
    candidate: summarizeSide(candidate),
    exitCode: 2,
    problems: [...comparability.problems, ...untiedCachedAnswers(candidate)],
    warnings: [...comparability.warnings, ...cachedAnswers(candidate)],
  };
  if (comparability.problems.length === 0) {
    const decision = decideGate(comparability.pairs, input.options);
    report.decision = decision;
    report.problems.push(...decision.problems);
    const excluded = decision.rows.filter((r) => r.kind === "task").reduce((acc, r) => acc + r.excluded, 0);
    if (excluded > 0) report.warnings.push(`${excluded} item(s) left out because their request failed in the baseline or the candidate`);
    report.exitCode = report.problems.length > 0 ? 2 : decision.regressions.length > 0 ? 1 : 0;
  }
  writeOutputs(report, input);
  return report;
}

/**
 * A candidate is judged on its own weights' answers: cached answers that carry no checkpoint
 * identity (a run made before the cache knew weights) may be another checkpoint's.
 */
function untiedCachedAnswers(candidate: GateSide): string[] {
  return candidate.tasks
    .filter((t) => (t.fromCache?.untied ?? 0) > 0)
    .map(
      (t) =>
        `candidate ${candidate.origin}: ${t.fromCache!.untied} of ${t.ids.length} answers of ${t.task} came from the response cache with no checkpoint identity, ` +
        "so they may be another checkpoint's. Run the candidate again (medeval run … --no-cache, or with a medeval that ties the cache to weights).",
    );
}

/** Cached answers tied to the candidate's weights are fair, but the reader is told. */
function cachedAnswers(candidate: GateSide): string[] {
  const note = cacheNote(candidate.tasks.map((t) => ({ task: t.task, n: t.ids.length, fromCache: t.fromCache && t.fromCache.untied < t.fromCache.samples ? t.fromCache : undefined })));
  return note ? [`candidate ${note}`] : [];
}

function writeOutputs(report: CheckReport, input: CheckInput): void {
  const markdown = input.markdownFile || input.stepSummaryFile ? renderMarkdown(report) : "";
  if (input.junitFile) writeOutputFile(input.junitFile, renderJUnit(report), "--junit");
  if (input.markdownFile) writeOutputFile(input.markdownFile, markdown, "--markdown");
  if (input.stepSummaryFile) {
    try {
      appendFileSync(input.stepSummaryFile, `${markdown}\n`);
    } catch (err) {
      throw new UserError(`$GITHUB_STEP_SUMMARY ${input.stepSummaryFile}: cannot append to it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
}
