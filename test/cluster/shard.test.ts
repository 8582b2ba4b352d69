// --shard i/n | auto | auto/N: the shard given, or read from the Slurm / Kubernetes environment.
import { describe, expect, it } from "vitest";
import { parseShard, shardFromEnv, type Env } from "../../harness/cluster/shard.ts";
import { UserError } from "../../harness/types.ts";

function refused(run: () => unknown, message: string | RegExp): void {
  expect(run).toThrow(UserError);
  expect(run).toThrow(message);
}

describe("parseShard", () => {
  it("takes i/n, none, and auto from the environment", () => {
    expect(parseShard(undefined, {})).toBeNull();
    expect(parseShard("", {})).toBeNull();
    expect(parseShard("2/4", {})).toEqual({ index: 2, count: 4 });
    expect(parseShard(" 0/1 ", {})).toEqual({ index: 0, count: 1 });
    expect(parseShard("auto", { SLURM_ARRAY_TASK_ID: "3", SLURM_ARRAY_TASK_MIN: "0", SLURM_ARRAY_TASK_MAX: "7" })).toEqual({ index: 3, count: 8 });
    expect(parseShard("auto/5", { JOB_COMPLETION_INDEX: "4" })).toEqual({ index: 4, count: 5 });
  });

  it.each([
    ["3/3", "--shard 3/3: shards are counted from 0, so the 3 shards are 0/3, 1/3, 2/3 (the last is 2/3)"],
    ["first", '--shard must look like i/n, shards counted from 0 (0/4, 1/4, 2/4, 3/4), or auto (from Slurm or Kubernetes), got "first"'],
    ["1/0", "--shard 1/0: n is the number of shards, at least 1"],
    ["-1/4", "--shard must look like i/n"],
    ["auto/x", "--shard must look like i/n"],
    ["automatic", "--shard must look like i/n"],
  ])("refuses %s", (text, message) => {
    refused(() => parseShard(text, {}), message);
  });
});

describe("shardFromEnv: Slurm job arrays", () => {
  it("counts from the array's first index (--array=1-8 is shards 0..7)", () => {
    const env = (id: number): Env => ({ SLURM_ARRAY_TASK_ID: String(id), SLURM_ARRAY_TASK_MIN: "1", SLURM_ARRAY_TASK_MAX: "8", SLURM_ARRAY_TASK_COUNT: "8" });
    expect([1, 2, 8].map((id) => shardFromEnv(env(id)))).toEqual([
      { index: 0, count: 8 },
      { index: 1, count: 8 },
      { index: 7, count: 8 },
    ]);
  });

  it("follows a step (--array=0-6:2 is shards 0..3)", () => {
    expect(shardFromEnv({ SLURM_ARRAY_TASK_ID: "4", SLURM_ARRAY_TASK_MIN: "0", SLURM_ARRAY_TASK_MAX: "6", SLURM_ARRAY_TASK_STEP: "2", SLURM_ARRAY_TASK_COUNT: "4" })).toEqual({ index: 2, count: 4 });
  });

  it("takes the count alone as an array from 0", () => {
    expect(shardFromEnv({ SLURM_ARRAY_TASK_ID: "2", SLURM_ARRAY_TASK_COUNT: "3" })).toEqual({ index: 2, count: 3 });
  });

  it("wins over a Kubernetes index, and accepts a matching auto/N", () => {
    expect(shardFromEnv({ SLURM_ARRAY_TASK_ID: "0", SLURM_ARRAY_TASK_COUNT: "2", JOB_COMPLETION_INDEX: "5" }, 2)).toEqual({ index: 0, count: 2 });
  });

  it.each([
    [{ SLURM_ARRAY_TASK_ID: "x", SLURM_ARRAY_TASK_COUNT: "2" }, 'SLURM_ARRAY_TASK_ID="x" is not a whole number ≥ 0'],
    [{ SLURM_ARRAY_TASK_ID: "1", SLURM_ARRAY_TASK_COUNT: "-2" }, 'SLURM_ARRAY_TASK_COUNT="-2" is not a whole number ≥ 0'],
    [{ SLURM_ARRAY_TASK_ID: "1.5", SLURM_ARRAY_TASK_COUNT: "2" }, 'SLURM_ARRAY_TASK_ID="1.5" is not a whole number'],
    [{ SLURM_ARRAY_TASK_ID: "3" }, "SLURM_ARRAY_TASK_ID=3 is set but neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MIN/SLURM_ARRAY_TASK_MAX"],
    [{ SLURM_ARRAY_TASK_ID: "3", SLURM_ARRAY_TASK_COUNT: "3" }, "shards are counted from 0, so the 3 shards are 0/3, 1/3, 2/3"],
    [{ SLURM_ARRAY_TASK_ID: "0", SLURM_ARRAY_TASK_COUNT: "0" }, "n is the number of shards, at least 1"],
    [{ SLURM_ARRAY_TASK_ID: "9", SLURM_ARRAY_TASK_MIN: "0", SLURM_ARRAY_TASK_MAX: "7" }, "SLURM_ARRAY_TASK_ID=9 does not lie on the array 0-7:1"],
    [{ SLURM_ARRAY_TASK_ID: "3", SLURM_ARRAY_TASK_MIN: "0", SLURM_ARRAY_TASK_MAX: "6", SLURM_ARRAY_TASK_STEP: "2" }, "does not lie on the array 0-6:2"],
    [{ SLURM_ARRAY_TASK_ID: "3", SLURM_ARRAY_TASK_MIN: "1", SLURM_ARRAY_TASK_MAX: "7", SLURM_ARRAY_TASK_COUNT: "3" }, "the Slurm array has 3 tasks (SLURM_ARRAY_TASK_COUNT) but spans 1-7:1"],
    [{ SLURM_ARRAY_TASK_ID: "0", SLURM_ARRAY_TASK_MIN: "0", SLURM_ARRAY_TASK_MAX: "3", SLURM_ARRAY_TASK_STEP: "0" }, "SLURM_ARRAY_TASK_STEP=0: a step of at least 1"],
  ] as [Env, string][])("refuses %o", (env, message) => {
    refused(() => shardFromEnv(env), message);
  });

  it("refuses auto/N that disagrees with the array", () => {
    refused(() => shardFromEnv({ SLURM_ARRAY_TASK_ID: "0", SLURM_ARRAY_TASK_MIN: "0", SLURM_ARRAY_TASK_MAX: "3" }, 8), "--shard auto/8: the Slurm array has 4 tasks");
  });
});

describe("shardFromEnv: Kubernetes Indexed Jobs", () => {
  it("takes the index from JOB_COMPLETION_INDEX and the count from auto/N", () => {
    expect(shardFromEnv({ JOB_COMPLETION_INDEX: "0" }, 3)).toEqual({ index: 0, count: 3 });
    expect(shardFromEnv({ JOB_COMPLETION_INDEX: "2", SLURM_ARRAY_TASK_ID: "" }, 3)).toEqual({ index: 2, count: 3 });
  });

  it.each([
    [{ JOB_COMPLETION_INDEX: "1" }, undefined, "JOB_COMPLETION_INDEX=1 (a Kubernetes Indexed Job) does not say how many shards there are: pass --shard auto/N"],
    [{ JOB_COMPLETION_INDEX: "3" }, 3, "--shard auto/3 (JOB_COMPLETION_INDEX=3): shards are counted from 0"],
    [{ JOB_COMPLETION_INDEX: "0" }, 0, "n is the number of shards, at least 1"],
    [{ JOB_COMPLETION_INDEX: "one" }, 3, 'JOB_COMPLETION_INDEX="one" is not a whole number'],
  ] as [Env, number | undefined, string][])("refuses %o with count %s", (env, count, message) => {
    refused(() => shardFromEnv(env, count), message);
  });
});

describe("shardFromEnv: no scheduler", () => {
  it("names the variables it looked for", () => {
    refused(() => shardFromEnv({ PATH: "/usr/bin" }), /--shard auto: no scheduler shard in the environment: neither SLURM_ARRAY_TASK_ID .* nor JOB_COMPLETION_INDEX .* pass --shard i\/n/);
    refused(() => parseShard("auto/4", {}), "neither SLURM_ARRAY_TASK_ID");
  });
});
