// The runs a viewer may show: the run folders under the results folders it was given, found
// again on every listing (a run started since appears) and each re-read when its files change
// (a run in progress shows its new samples on refresh). Read through report/load.ts, as
// `table` and `compare` read them; never a live run.
import { statSync } from "node:fs";
import { join, resolve } from "node:path";
import { findRunDirs, loadRunWithSamples, type LoadedRun } from "../report/load.ts";
import { readRunRecord } from "../record/run-files.ts";
import { UserError, type RunRecord, type Sample } from "../types.ts";

export interface ViewRun {
  /** The run's id, or id~2, id~3 … where another folder holds a run of the same id. */
  key: string;
  dir: string;
  run: LoadedRun;
  /** By task, in journal order. */
  samples: Map<string, Sample[]>;
}

function stamp(dir: string): string {
  const of = (f: string) => {
    try {
      const s = statSync(join(dir, f));
      return `${s.size}:${s.mtimeMs}`;
    } catch {
      return "-";
    }
  };
  return `${of("run.json")}|${of("samples.jsonl")}`;
}

export class RunIndex {
  private readonly roots: string[];
  private readonly records = new Map<string, { stamp: string; record: RunRecord }>();
  private readonly loaded = new Map<string, { stamp: string; view: ViewRun }>();

  constructor(roots: readonly string[]) {
    this.roots = roots.map((r) => resolve(r));
    // Refused now, as `table` refuses it, when a folder given holds no run.
    for (const root of roots) {
      if (findRunDirs(root).length === 0) throw new UserError(`${root}: no run folders (folders with run.json) found under it.`);
    }
  }

  /** key → run folder, for every run under the roots now. */
  list(): { key: string; dir: string; record: RunRecord }[] {
    const dirs = [...new Set(this.roots.flatMap((r) => findRunDirs(r)))];
    const seen = new Map<string, number>();
    return dirs.map((dir) => {
      const record = this.recordOf(dir);
      const count = (seen.get(record.run_id) ?? 0) + 1;
      seen.set(record.run_id, count);
      return { key: count === 1 ? record.run_id : `${record.run_id}~${count}`, dir, record };
    });
  }

  /** The run with this key, read again if its files changed; null when there is none. */
  get(key: string): ViewRun | null {
    const entry = this.list().find((r) => r.key === key);
    return entry ? this.load(entry) : null;
  }

  /** Every run under the roots now, read. */
  all(): ViewRun[] {
    return this.list().map((entry) => this.load(entry));
  }

  private load(entry: { key: string; dir: string }): ViewRun {
    const key = entry.key;
    const now = stamp(entry.dir);
    const cached = this.loaded.get(entry.dir);
    if (cached && cached.stamp === now) return cached.view;
    const { run, samples } = loadRunWithSamples(entry.dir);
    const byTask = new Map<string, Sample[]>();
    for (const s of samples) {
      let list = byTask.get(s.task);
      if (!list) byTask.set(s.task, (list = []));
      list.push(s);
    }
    const view: ViewRun = { key, dir: entry.dir, run, samples: byTask };
    this.loaded.set(entry.dir, { stamp: now, view });
    return view;
  }

  private recordOf(dir: string): RunRecord {
    const now = stamp(dir);
    const cached = this.records.get(dir);
    if (cached && cached.stamp === now) return cached.record;
    const record = readRunRecord(join(dir, "run.json"));
    this.records.set(dir, { stamp: now, record });
    return record;
  }
}
