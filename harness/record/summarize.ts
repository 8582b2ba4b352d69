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

/** Counts cache use sample by sample: how many came from the response cache, under which checkpoint identities. */
export class CacheTally {
  private count = 0;
  private untied = 0;
  private readonly identities = new Set<string>();

  add(cached: boolean | undefined, identity: string | undefined): void {
    if (!cached) return;
    this.count++;
    if (identity === undefined) this.untied++;
    else this.identities.add(identity);
  }

  result(): TaskSummary["from_cache"] {
    return this.count === 0 ? undefined : { samples: this.count, identities: [...this.identities].sort(), untied: this.untied };
  }
}

/** How many of these samples came from the response cache, and under which checkpoint identities. */
export function cacheUse(samples: Iterable<Pick<Sample, "cached" | "cache_identity">>): TaskSummary["from_cache"] {
  const tally = new CacheTally();
  for (const s of samples) tally.add(s.cached, s.cache_identity);
  return tally.result();
}

/** What a task's summary takes of one sample. */
export interface TallyEntry {
  status: SampleStatus;
  correct: boolean;
  /** The length-normalised verdict, when the sample counts towards acc_norm (else undefined). */
  accNorm?: boolean;
  letterMass?: number;
  cached?: boolean;
  cacheIdentity?: string;
}

/** The fields of a sample its task's summary reads. */
export function tallyEntry(s: Pick<Sample, "status" | "correct" | "scores" | "cached" | "cache_identity">): TallyEntry {
  // Same denominator as acc: a loglikelihood sample without a length-normalised pick (the
  // prompt overflowed the context) is wrong for acc_norm too, not left out of it.
  const countsForAccNorm = typeof s.scores?.acc_norm_correct === "boolean" || s.scores?.scoring === "loglikelihood";
  return {
    status: s.status,
    correct: s.correct,
    accNorm: countsForAccNorm ? s.scores?.acc_norm_correct === true : undefined,
    letterMass: typeof s.scores?.letter_mass === "number" ? s.scores.letter_mass : undefined,
    cached: s.cached,
    cacheIdentity: s.cache_identity,
  };
}

/** A growing vector of 0/1 values, one byte each: what the bootstrap resamples. */
class ZeroOnes {
  private data: Uint8Array;
  length = 0;
  constructor(capacity: number) {
    this.data = new Uint8Array(Math.max(16, capacity));
  }
  push(one: boolean): void {
    if (this.length === this.data.length) {
      const grown = new Uint8Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = one ? 1 : 0;
  }
  values(): Uint8Array {
    return this.data.subarray(0, this.length);
  }
}

/**
 * One task's figures, counted sample by sample: status counts, correct, acc_norm and
 * letter_mass sums, cache use, and the 0/1 vectors the bootstrap needs (no sample is kept).
 */
export class TaskTally {
  private readonly counts: Record<SampleStatus, number> = {
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
  private n = 0;
  private correct = 0;
  private readonly values: ZeroOnes;
  private readonly accNorm: ZeroOnes;
  private letterMassSum = 0;
  private letterMassCount = 0;
  private readonly cache = new CacheTally();

  /** `expected`: about how many samples will come (the planned items); the vectors grow past it. */
  constructor(expected = 0) {
    this.values = new ZeroOnes(expected);
    this.accNorm = new ZeroOnes(0);
  }

  add(s: TallyEntry): void {
    this.n++;
    this.counts[s.status]++;
    this.cache.add(s.cached, s.cacheIdentity);
    if (!isScored(s)) return;
    this.values.push(s.correct);
    if (s.correct) this.correct++;
    if (s.accNorm !== undefined) this.accNorm.push(s.accNorm);
    if (s.letterMass !== undefined) {
      this.letterMassSum += s.letterMass;
      this.letterMassCount++;
    }
  }

  /** `planned`: the items the run set out to answer for the task (samples may be fewer). */
  summary(task: TaskMeta, boot: BootstrapSettings, planned: number): TaskSummary {
    const values = this.values.values();
    const counts = this.counts;
    // The seed is mixed with the task id so tasks get independent but reproducible resamples.
    const fromCache = this.cache.result();
    const ci = values.length > 0 ? bootstrapCI(values, { resamples: boot.resamples, seed: `${boot.seed}:${task.id}`, level: boot.level }) : null;
    return {
      task: task.id,
      family: task.family,
      lang: task.lang,
      domain: task.domain,
      ...(task.group ? { group: task.group } : {}),
      n: this.n,
      planned,
      scored: values.length,
      correct: this.correct,
      accuracy: values.length > 0 ? this.correct / values.length : null,
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
      ...(this.accNorm.length > 0 ? accNormSummary(this.accNorm.values(), task.id, boot) : {}),
      ...(this.letterMassCount > 0 ? { letter_mass: this.letterMassSum / this.letterMassCount } : {}),
      ...(fromCache ? { from_cache: fromCache } : {}),
    };
  }
}

/** `planned`: the items the run set out to answer for the task (samples may be fewer). */
export function summarizeTask(task: TaskMeta, samples: Iterable<Sample>, boot: BootstrapSettings, planned: number): TaskSummary {
  const tally = new TaskTally(planned);
  for (const s of samples) tally.add(tallyEntry(s));
  return tally.summary(task, boot, planned);
}

function accNormSummary(values: Uint8Array, taskId: string, boot: BootstrapSettings): Pick<TaskSummary, "acc_norm" | "acc_norm_ci_low" | "acc_norm_ci_high"> {
  const ci = bootstrapCI(values, { resamples: boot.resamples, seed: `${boot.seed}:${taskId}:acc_norm`, level: boot.level });
  return { acc_norm: ci.mean, acc_norm_ci_low: ci.low, acc_norm_ci_high: ci.high };
}
