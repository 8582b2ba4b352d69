// Per-task figures for run.json, computed from the samples on disk: every number a user
// sees can be traced back to sample lines.
import { bootstrapCI } from "../stats/bootstrap.ts";
import type { Sample, SampleStatus, TaskSummary } from "../types.ts";

export interface TaskMeta {
  id: string;
  family: string;
  lang: string;
  domain: "in-domain" | "out-of-domain";
  group?: string;
}

export interface BootstrapSettings {
  resamples: number;
  seed: number;
  level: number;
}

/** Samples that count towards accuracy: everything but requests that failed after retries. */
export function isScored(sample: Pick<Sample, "status">): boolean {
  return sample.status !== "error";
}

/** How many of these samples came from the response cache, and under which checkpoint identities. */
export function cacheUse(samples: Iterable<Pick<Sample, "cached" | "cache_identity">>): TaskSummary["from_cache"] {
  let count = 0;
  let untied = 0;
  const identities = new Set<string>();
  for (const s of samples) {
    if (!s.cached) continue;
    count++;
    if (s.cache_identity === undefined) untied++;
    else identities.add(s.cache_identity);
  }
  return count === 0 ? undefined : { samples: count, identities: [...identities].sort(), untied };
}

/** `planned`: the items the run set out to answer for the task (samples may be fewer). */
export function summarizeTask(task: TaskMeta, samples: Sample[], boot: BootstrapSettings, planned: number): TaskSummary {
  const counts: Record<SampleStatus, number> = {
    strict: 0,
    lenient: 0,
    option_text: 0,
    logprob: 0,
    unparsed: 0,
    reasoning_only: 0,
    truncated: 0,
    context_overflow: 0,
    error: 0,
  };
  const values: number[] = [];
  const accNorm: number[] = [];
  const letterMass: number[] = [];
  let correct = 0;
  for (const s of samples) {
    counts[s.status]++;
    if (!isScored(s)) continue;
    values.push(s.correct ? 1 : 0);
    if (s.correct) correct++;
    // Same denominator as acc: a loglikelihood sample without a length-normalised pick (the
    // prompt overflowed the context) is wrong for acc_norm too, not left out of it.
    if (typeof s.scores?.acc_norm_correct === "boolean" || s.scores?.scoring === "loglikelihood") accNorm.push(s.scores?.acc_norm_correct === true ? 1 : 0);
    if (typeof s.scores?.letter_mass === "number") letterMass.push(s.scores.letter_mass);
  }
  // The seed is mixed with the task id so tasks get independent but reproducible resamples.
  const fromCache = cacheUse(samples);
  const ci = values.length > 0 ? bootstrapCI(values, { resamples: boot.resamples, seed: `${boot.seed}:${task.id}`, level: boot.level }) : null;
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
    ...(accNorm.length > 0 ? accNormSummary(accNorm, task.id, boot) : {}),
    ...(letterMass.length > 0 ? { letter_mass: letterMass.reduce((a, b) => a + b, 0) / letterMass.length } : {}),
    ...(fromCache ? { from_cache: fromCache } : {}),
  };
}

function accNormSummary(values: number[], taskId: string, boot: BootstrapSettings): Pick<TaskSummary, "acc_norm" | "acc_norm_ci_low" | "acc_norm_ci_high"> {
  const ci = bootstrapCI(values, { resamples: boot.resamples, seed: `${boot.seed}:${taskId}:acc_norm`, level: boot.level });
  return { acc_norm: ci.mean, acc_norm_ci_low: ci.low, acc_norm_ci_high: ci.high };
}
