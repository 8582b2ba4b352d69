// `medeval merge <folder>`: the shard runs a scheduler left in one folder, found and checked.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mergeShards, shardFolders } from "../../harness/record/merge.ts";
import { inShard } from "../../harness/record/spec.ts";
import { UserError } from "../../harness/types.ts";
import { makeRun } from "../report/make-run.ts";

const TASK = "medqa.en";
const IDS = Array.from({ length: 40 }, (_, i) => `q${i}`);

/** Shard `index` of `count` of one run, with exactly the items inShard gives it. */
function shard(dir: string, index: number, count: number, model = "m"): string {
  const ids = IDS.filter((id) => inShard(TASK, id, { index, count }));
  return makeRun(dir, { model, setting: "zero-shot", runId: `${model}-shard${index}of${count}`, shard: { index, count }, tasks: { [TASK]: ids.map((_, i) => i % 2 === 0) }, itemIds: { [TASK]: ids } });
}

const temp = () => mkdtempSync(join(tmpdir(), "medeval-merge-folder-"));

describe("merge: a folder of shard runs", () => {
  it("finds the shards in shard order, passing over other folders and a merged run", () => {
    const folder = temp();
    const dirs = [2, 0, 1].map((i) => shard(folder, i, 3));
    mkdirSync(join(folder, "slurm-logs"));
    writeFileSync(join(folder, "notes.txt"), "x");
    const notices: string[] = [];
    const found = shardFolders([folder], (l) => notices.push(l));
    expect(found).toEqual([dirs[1], dirs[2], dirs[0]]);
    expect(notices).toEqual([]);

    const merged = mergeShards(found, folder, { runId: "merged" });
    expect(merged.record.spec.shard).toBeNull();
    expect(merged.record.tasks[0].n).toBe(IDS.length);
    // The merged run now lives in the same folder: a second look leaves it out, with a notice.
    expect(shardFolders([folder], (l) => notices.push(l))).toEqual(found);
    expect(notices).toEqual([`${merged.dir} is not a shard (its spec has no shard); left out`]);
  });

  it("takes run folders as they are, beside folders of shards", () => {
    const a = temp();
    const b = temp();
    const s0 = shard(a, 0, 2);
    const s1 = shard(b, 1, 2);
    expect(shardFolders([s0, b])).toEqual([s0, s1]);
    expect(mergeShards(shardFolders([s0, b]), temp()).record.tasks[0].n).toBe(IDS.length);
  });

  it("says which shards are missing and refuses the merge", () => {
    const folder = temp();
    shard(folder, 0, 4);
    shard(folder, 2, 4);
    const found = shardFolders([folder]);
    expect(found).toHaveLength(2);
    expect(() => mergeShards(found, temp())).toThrow(UserError);
    expect(() => mergeShards(found, temp())).toThrow("shards 1/4, 3/4 are missing (found 2 of 4); run them (--shard i/n, or rerun those array tasks) and merge again");
  });

  it.each([
    ["a folder without shard runs", (f: string) => makeRun(f, { model: "m", setting: "zero-shot", runId: "plain", tasks: { [TASK]: [true] } }), "holds no shard runs"],
    ["an empty folder", () => undefined, "holds no shard runs"],
    ["shards of two runs", (f: string) => { shard(f, 0, 2, "m"); shard(f, 1, 2, "other"); }, /holds the shards of 2 different runs:\n  0\/2 .*m-shard0of2\n  1\/2 .*other-shard1of2\nName the shard folders of one run/],
  ] as [string, (f: string) => unknown, string | RegExp][])("refuses %s", (_name, fill, message) => {
    const folder = temp();
    fill(folder);
    expect(() => shardFolders([folder])).toThrow(UserError);
    expect(() => shardFolders([folder])).toThrow(message);
  });

  it("refuses a path that is neither a run nor a folder", () => {
    const file = join(temp(), "x.txt");
    writeFileSync(file, "");
    expect(() => shardFolders([file])).toThrow(`${file} is neither a run folder (no run.json) nor a folder of shard run folders`);
    expect(() => shardFolders([join(temp(), "absent")])).toThrow("is neither a run folder");
  });

  it("names the broken run.json inside the folder", () => {
    const folder = temp();
    mkdirSync(join(folder, "bad"));
    writeFileSync(join(folder, "bad", "run.json"), "{");
    expect(() => shardFolders([folder])).toThrow(`${join(folder, "bad", "run.json")}: cannot read the run record`);
  });
});
