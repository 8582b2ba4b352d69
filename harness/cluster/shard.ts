// Which shard this process runs: given as i/n, or read from the scheduler that started it
// (Slurm job arrays, Kubernetes Indexed Jobs). Pure: the environment comes in as an object.
import type { Shard } from "../record/spec.ts";
import { UserError } from "../types.ts";

/** The environment as process.env gives it. */
export type Env = Readonly<Record<string, string | undefined>>;

/** The word that asks for the shard from the scheduler's environment (auto, or auto/N). */
export const SHARD_AUTO = "auto";

const SLURM_ID = "SLURM_ARRAY_TASK_ID";
const SLURM_COUNT = "SLURM_ARRAY_TASK_COUNT";
const SLURM_MIN = "SLURM_ARRAY_TASK_MIN";
const SLURM_MAX = "SLURM_ARRAY_TASK_MAX";
const SLURM_STEP = "SLURM_ARRAY_TASK_STEP";
const K8S_INDEX = "JOB_COMPLETION_INDEX";

/** A whole number ≥ 0 from the environment, or undefined when the variable is unset or empty. */
function envNumber(env: Env, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return undefined;
  if (!/^\d+$/.test(raw.trim())) throw new UserError(`${name}="${raw}" is not a whole number ≥ 0; --shard auto reads the shard from it`);
  return Number(raw.trim());
}

function checkedShard(index: number, count: number, label: string): Shard {
  if (count < 1) throw new UserError(`${label}: n is the number of shards, at least 1`);
  if (index >= count) {
    const all = Array.from({ length: Math.min(count, 8) }, (_, i) => `${i}/${count}`).join(", ");
    throw new UserError(`${label}: shards are counted from 0, so the ${count} shards are ${all}${count > 8 ? ", …" : ""} (the last is ${count - 1}/${count})`);
  }
  return { index, count };
}

/**
 * The shard of a Slurm array task. The array must be a range (--array=0-7, 1-8, 0-14:2):
 * index = (ID − MIN) / STEP, count = (MAX − MIN) / STEP + 1, checked against
 * SLURM_ARRAY_TASK_COUNT. A list such as --array=1,3,7 has gaps, so shard i of n is not defined.
 */
function slurmShard(env: Env, id: number, given: number | undefined): Shard {
  const min = envNumber(env, SLURM_MIN);
  const max = envNumber(env, SLURM_MAX);
  const step = envNumber(env, SLURM_STEP) ?? 1;
  const reported = envNumber(env, SLURM_COUNT);
  if (step < 1) throw new UserError(`${SLURM_STEP}=${step}: a step of at least 1 was expected`);
  let index: number;
  let count: number;
  if (min !== undefined && max !== undefined) {
    if (max < min || id < min || id > max || (id - min) % step !== 0 || (max - min) % step !== 0) {
      throw new UserError(`${SLURM_ID}=${id} does not lie on the array ${min}-${max}:${step} (${SLURM_MIN}, ${SLURM_MAX}, ${SLURM_STEP}); --shard auto needs an array range such as --array=0-7`);
    }
    index = (id - min) / step;
    count = (max - min) / step + 1;
    if (reported !== undefined && reported !== count) {
      throw new UserError(
        `the Slurm array has ${reported} tasks (${SLURM_COUNT}) but spans ${min}-${max}:${step}: --shard auto needs an array range without gaps (--array=0-${reported - 1}), not a list`,
      );
    }
  } else if (reported !== undefined) {
    // Only the count: the array is taken to start at 0 (--array=0-N).
    index = id;
    count = reported;
  } else {
    throw new UserError(`${SLURM_ID}=${id} is set but neither ${SLURM_COUNT} nor ${SLURM_MIN}/${SLURM_MAX}: cannot tell how many shards the array has; pass --shard auto/N`);
  }
  if (given !== undefined && given !== count) throw new UserError(`--shard auto/${given}: the Slurm array has ${count} tasks (${SLURM_MIN}..${SLURM_MAX}); give the same count or plain --shard auto`);
  return checkedShard(index, count, `--shard auto (${SLURM_ID}=${id}, shard ${index} of ${count})`);
}

/**
 * The shard from the scheduler's environment: a Slurm array task (SLURM_ARRAY_TASK_ID with
 * SLURM_ARRAY_TASK_MIN/MAX/STEP or SLURM_ARRAY_TASK_COUNT), else a Kubernetes Indexed Job pod
 * (JOB_COMPLETION_INDEX, whose count a pod cannot see: it is `count`, from --shard auto/N).
 */
export function shardFromEnv(env: Env, count?: number): Shard {
  const slurmId = envNumber(env, SLURM_ID);
  if (slurmId !== undefined) return slurmShard(env, slurmId, count);
  const k8sIndex = envNumber(env, K8S_INDEX);
  if (k8sIndex !== undefined) {
    if (count === undefined) {
      throw new UserError(`${K8S_INDEX}=${k8sIndex} (a Kubernetes Indexed Job) does not say how many shards there are: pass --shard auto/N with N = the Job's spec.completions`);
    }
    return checkedShard(k8sIndex, count, `--shard auto/${count} (${K8S_INDEX}=${k8sIndex})`);
  }
  throw new UserError(
    `--shard auto: no scheduler shard in the environment: neither ${SLURM_ID} (a Slurm job array, sbatch --array=0-N) nor ${K8S_INDEX} (a Kubernetes Job with completionMode: Indexed) is set; pass --shard i/n to choose one`,
  );
}

/** --shard as given: i/n, auto or auto/N (from the environment), or absent (no sharding). */
export function parseShard(text: string | undefined, env: Env): Shard | null {
  if (text === undefined || text.trim() === "") return null;
  const trimmed = text.trim();
  const auto = /^auto(?:\/(\d+))?$/.exec(trimmed);
  if (auto) return shardFromEnv(env, auto[1] === undefined ? undefined : Number(auto[1]));
  const m = /^(\d+)\/(\d+)$/.exec(trimmed);
  if (!m) throw new UserError(`--shard must look like i/n, shards counted from 0 (0/4, 1/4, 2/4, 3/4), or auto (from Slurm or Kubernetes), got "${text}"`);
  return checkedShard(Number(m[1]), Number(m[2]), `--shard ${text}`);
}
