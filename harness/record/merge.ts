// Join the shards of a run (--shard i/n on n machines) into one run folder, after checking
// that they are shards of the same spec, over the same data, that together they cover 0..n-1
// once each, and that no item was answered twice.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readSync, statSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { UserError, type RunRecord } from "../types.ts";
import { SAMPLE_LINES, scanJournal } from "./journal.ts";
import { checkRunId, defaultRunId, inShard, specDifferences, specHash } from "./spec.ts";
import { makeRunFolder, readRunRecord, writeJsonAtomic } from "./run-files.ts";
import { describeOwner, RunLock } from "./run-lock.ts";
import { checkpointConflict, servedCheckpoint } from "./checkpoint.ts";
import { TaskTally, tallyEntry } from "./summarize.ts";
import { printedCommand } from "../invocation.ts";

export interface MergeResult {
  dir: string;
  record: RunRecord;
}

export interface MergeOptions {
  runId?: string;
  /** Shards whose servers named other weights (or another context length) for the model: the same weights at other paths. */
  allowDifferentCheckpoints?: boolean;
  /** One-line notices for the person (a dead process's lock taken over); the command prints them. */
  notice?: (line: string) => void;
}

/** Every shard whose server said which weights it served must name the same ones. */
function checkOneCheckpoint(shards: readonly { dir: string; record: RunRecord }[]): void {
  const conflict = checkpointConflict(shards.map(({ dir, record }) => ({ dir, checkpoint: servedCheckpoint(record.server.models, record.spec.served_model) })));
  if (!conflict) return;
  throw new UserError(
    `${conflict.b.dir} was answered by another checkpoint than ${conflict.a.dir} (from their servers' /v1/models):\n${conflict.differences.map((d) => `  ${d}`).join("\n")}\n` +
      "Shards of one run must come from one model. If these are the same weights stored at different paths, pass --allow-different-checkpoints.",
  );
}

/**
 * The merged run took from the first shard's start to the last one's finish (shards run side
 * by side or one after another): the longest shard alone would understate it.
 */
export function mergedTiming(timings: readonly RunRecord["timing"][]): RunRecord["timing"] {
  const started = timings.map((t) => t.started_at).sort()[0]!;
  const finishes = timings.map((t) => t.finished_at);
  const finished = finishes.every((f): f is string => f !== null) ? [...finishes].sort().at(-1)! : null;
  const span = finished ? (Date.parse(finished) - Date.parse(started)) / 1000 : Number.NaN;
  const longest = Math.max(...timings.map((t) => t.wall_seconds ?? 0));
  return { started_at: started, finished_at: finished, wall_seconds: Number.isFinite(span) ? Math.max(span, longest) : longest };
}

/** The shards of one run share everything but the shard (and the replicas that answered). */
function runOfShard(record: RunRecord): string {
  return specHash({ ...record.spec, shard: null }, record.sources); // base_urls are left out of the hash
}

/**
 * The shard run folders among `paths`: a run folder (with run.json) as it is, and a folder of
 * run folders as a scheduler leaves them (one per array task) for the shards inside it, in
 * shard order. Runs there that are not shards (a merged run) are passed over with a notice;
 * shards of more than one run are refused, since which one is meant cannot be told.
 */
export function shardFolders(paths: readonly string[], notice?: (line: string) => void): string[] {
  return paths.flatMap((path) => (existsSync(join(path, "run.json")) ? [path] : shardsInFolder(path, notice)));
}

function shardsInFolder(folder: string, notice?: (line: string) => void): string[] {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new UserError(`${folder} is neither a run folder (no run.json) nor a folder of shard run folders`);
  const runs = readdirSync(folder, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(folder, e.name, "run.json")))
    .map((e) => ({ dir: join(folder, e.name), record: readRunRecord(join(folder, e.name, "run.json")) }));
  for (const run of runs.filter((r) => !r.record.spec.shard)) notice?.(`${run.dir} is not a shard (its spec has no shard); left out`);
  const shards = runs.filter((r) => r.record.spec.shard).sort((a, b) => a.record.spec.shard!.index - b.record.spec.shard!.index || a.dir.localeCompare(b.dir));
  if (shards.length === 0) throw new UserError(`${folder} holds no shard runs (no folder inside it with a run.json of a --shard run); name the shard run folders, or the folder their --out pointed to`);
  const groups = new Map<string, typeof shards>();
  for (const shard of shards) groups.set(runOfShard(shard.record), [...(groups.get(runOfShard(shard.record)) ?? []), shard]);
  if (groups.size > 1) {
    const listed = [...groups.values()].map((g) => `  ${g.map((s) => `${s.record.spec.shard!.index}/${s.record.spec.shard!.count} ${s.dir}`).join(", ")}`);
    throw new UserError(`${folder} holds the shards of ${groups.size} different runs:\n${listed.join("\n")}\nName the shard folders of one run, or give each run its own --out folder`);
  }
  return shards.map((s) => s.dir);
}

export function mergeShards(shardDirs: string[], outDir: string, options: MergeOptions = {}): MergeResult {
  const runId = options.runId;
  if (runId !== undefined) checkRunId("--run-id", runId);
  if (shardDirs.length === 0) throw new UserError("name the shard run folders to merge");
  const shards = shardDirs.map((dir) => {
    const file = join(dir, "run.json");
    if (!existsSync(file)) throw new UserError(`${dir} is not a run folder (no run.json)`);
    return { dir, record: readRunRecord(file) };
  });
  const first = shards[0].record;
  if (!first.spec.shard) throw new UserError(`${shards[0].dir} is not a shard (its spec has no shard); nothing to merge`);
  const count = first.spec.shard.count;
  const seen = new Set<number>();
  for (const { dir, record } of shards) {
    if (!record.spec.shard) throw new UserError(`${dir} is not a shard (its spec has no shard)`);
    if (record.spec.shard.count !== count) throw new UserError(`${dir} is shard ${record.spec.shard.index}/${record.spec.shard.count}, others are /${count}`);
    if (seen.has(record.spec.shard.index)) throw new UserError(`shard ${record.spec.shard.index}/${count} is given twice (${dir})`);
    seen.add(record.spec.shard.index);
    const diffs = specDifferences({ ...first.spec, shard: null, base_urls: null }, { ...record.spec, shard: null, base_urls: null });
    if (diffs.length > 0) throw new UserError(`${dir} is not a shard of the same run as ${shards[0].dir}:\n${diffs.map((d) => `  ${d}`).join("\n")}`);
    const dataDiff = record.sources.find((s, i) => s.items_hash !== first.sources[i]?.items_hash);
    if (dataDiff || record.sources.length !== first.sources.length) {
      throw new UserError(`${dir} was run on different data than ${shards[0].dir} (task ${dataDiff?.task ?? "list"})`);
    }
    const writer = RunLock.holder(dir);
    if (writer) throw new UserError(`${dir} is being written by ${describeOwner(writer)}; merge it when that run has finished`);
    if (!record.complete) throw new UserError(`${dir} (shard ${record.spec.shard.index}/${count}) is not complete; finish it first: ${printedCommand(["run", "--resume", record.run_id, "--out", dirname(dir)])}`);
  }
  if (!options.allowDifferentCheckpoints) checkOneCheckpoint(shards);
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length > 0) {
    throw new UserError(
      `shards ${missing.map((i) => `${i}/${count}`).join(", ")} are missing (found ${seen.size} of ${count}); run them (--shard i/n, or rerun those array tasks) and merge again`,
    );
  }

  // Where each item's last line lies in its shard's journal, grouped by task: the samples are
  // copied over one at a time when the merged journal is written, never all held at once.
  const byTask = new Map<string, LineAt[]>();
  const keys = new Set<string>();
  shards.forEach(({ dir, record }, shard) => {
    const lastLines = new Map<string, LineAt & { task: string; itemId: string }>();
    scanJournal(join(dir, "samples.jsonl"), (sample, offset, length) => {
      const key = SAMPLE_LINES.key(sample);
      const at = lastLines.get(key);
      if (at) Object.assign(at, { offset, length });
      else lastLines.set(key, { shard, offset, length, task: sample.task, itemId: sample.item_id });
    });
    for (const [key, at] of lastLines) {
      if (keys.has(key)) throw new UserError(`item ${at.itemId} of ${at.task} appears in more than one shard (${dir})`);
      if (!inShard(at.task, at.itemId, record.spec.shard)) {
        throw new UserError(`${dir}: item ${at.itemId} of ${at.task} does not belong to shard ${record.spec.shard!.index}/${count}`);
      }
      keys.add(key);
      const lines = byTask.get(at.task);
      if (lines) lines.push(at);
      else byTask.set(at.task, [at]);
    }
  });

  const spec = { ...first.spec, shard: null, base_urls: [...new Set(shards.flatMap((s) => s.record.spec.base_urls))] };
  const hash = specHash(spec, first.sources);
  const id = runId ?? defaultRunId(spec, hash);
  const dir = join(outDir, id);
  makeRunFolder(outDir, dir);
  const lock = RunLock.acquire(dir, "medeval merge");
  if (lock.tookOver) options.notice?.(`took over the lock of ${dir} from ${describeOwner(lock.tookOver)}, which is no longer running`);
  try {
    if (existsSync(join(dir, "run.json"))) throw new UserError(`${dir} already holds a run; remove it or pass --run-id`);
    return writeMerged(dir, id, hash, spec, shards, byTask);
  } finally {
    lock.release();
  }
}

/** A sample's line in one shard's journal. */
interface LineAt {
  shard: number;
  offset: number;
  length: number;
}

/** Bytes of merged journal gathered before each write. */
const WRITE_BATCH_BYTES = 1 << 20;

/** Copies the samples into the merged journal task by task, summing each task's figures on the way. */
function copySamples(file: string, shards: { dir: string }[], byTask: Map<string, LineAt[]>): Map<string, TaskTally> {
  const tallies = new Map<string, TaskTally>();
  const sources = shards.map(({ dir }) => join(dir, "samples.jsonl"));
  const fds = sources.map((source) => openSync(source, "r"));
  const out = openSync(file, "w");
  try {
    let batch: string[] = [];
    let batched = 0;
    for (const [task, lines] of byTask) {
      const tally = new TaskTally(lines.length);
      tallies.set(task, tally);
      for (const at of lines) {
        const bytes = Buffer.allocUnsafe(at.length);
        readSync(fds[at.shard], bytes, 0, at.length, at.offset);
        // Parsed again (it was checked when the shard was read) so the line is written as the schema gives it.
        const sample = SAMPLE_LINES.parse(bytes.toString("utf8"), `${sources[at.shard]} at byte ${at.offset}`);
        tally.add(tallyEntry(sample));
        const line = `${JSON.stringify(sample)}\n`;
        batch.push(line);
        batched += line.length;
        if (batched >= WRITE_BATCH_BYTES) {
          writeSync(out, batch.join(""));
          batch = [];
          batched = 0;
        }
      }
    }
    if (batch.length > 0) writeSync(out, batch.join(""));
  } finally {
    closeSync(out);
    for (const fd of fds) closeSync(fd);
  }
  return tallies;
}

function writeMerged(dir: string, id: string, hash: string, spec: RunRecord["spec"], shards: { dir: string; record: RunRecord }[], byTask: Map<string, LineAt[]>): MergeResult {
  const first = shards[0].record;
  const tallies = copySamples(join(dir, "samples.jsonl"), shards, byTask);
  const plannedOf = (task: string) =>
    shards.reduce((acc, s) => {
      const t = s.record.tasks.find((x) => x.task === task);
      return acc + (t?.planned ?? t?.n ?? 0);
    }, 0);
  const tasks = first.tasks.map((t) =>
    (tallies.get(t.task) ?? new TaskTally()).summary({ id: t.task, family: t.family, lang: t.lang, domain: t.domain, group: t.group }, first.bootstrap, plannedOf(t.task)),
  );
  // Each shard is complete; one whose errors were accepted makes the merged run's accepted too.
  const accepted = shards.some((s) => s.record.errors_accepted === true);
  const sum = (f: (r: RunRecord) => number) => shards.reduce((acc, s) => acc + f(s.record), 0);
  const record: RunRecord = {
    ...first,
    run_id: id,
    spec_hash: hash,
    spec,
    timing: mergedTiming(shards.map((s) => s.record.timing)),
    usage: {
      prompt_tokens: sum((r) => r.usage.prompt_tokens),
      completion_tokens: sum((r) => r.usage.completion_tokens),
      requests: sum((r) => r.usage.requests),
      cached: sum((r) => r.usage.cached),
    },
    complete: true,
    // One cache record when every shard had the same; per task, from_cache counts each sample's own identity.
    cache: shards.every((s) => JSON.stringify(s.record.cache) === JSON.stringify(first.cache)) ? first.cache : undefined,
    ...(accepted ? { errors_accepted: true } : {}),
    tasks,
  };
  writeJsonAtomic(join(dir, "run.json"), record);
  return { dir, record };
}
