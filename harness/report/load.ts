// Reads run folders from disk: run.json (RunRecord) and samples.jsonl (one Sample a line).
// Tables and comparisons are computed from these files only, never from a live run.
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { loadRegistry, type TaskRegistry } from "../tasks/registry.ts";
import { SAMPLE_LINES, scanJournal } from "../record/journal.ts";
import { readRunRecord } from "../record/run-files.ts";
import { UserError, type RunRecord, type Sample, type SampleStatus, type TaskSummary } from "../types.ts";

/** What the statistics need of one sample. */
export interface ItemOutcome {
  item_id: string;
  item_hash: string;
  status: SampleStatus;
  correct: boolean;
  /** Answered from the response cache (and under which checkpoint identity, when one was recorded). */
  cached?: boolean;
  cache_identity?: string;
}

export interface TaskInfo {
  task: string;
  family: string;
  lang: string;
  domain: TaskSummary["domain"];
  group?: string;
}

/** Just the task's identity fields of anything that carries them (a summary, a baseline entry, …). */
export function taskInfoOf(t: TaskInfo): TaskInfo {
  return { task: t.task, family: t.family, lang: t.lang, domain: t.domain, ...(t.group !== undefined ? { group: t.group } : {}) };
}

export interface TaskOutcomes extends TaskInfo {
  /** By item id: the last line per item (a resumed run may append a retry). */
  items: Map<string, ItemOutcome>;
  /** Items the run set out to answer (run.json's planned; else the lines on disk). */
  planned: number;
}

export interface LoadedRun {
  dir: string;
  record: RunRecord;
  /** By task id, in the order the tasks first appear. */
  tasks: Map<string, TaskOutcomes>;
  /** Lines read (not counting a torn final line). */
  lines: number;
  /** Lines superseded by a later line for the same (task, item_id). */
  superseded: number;
  /** A final line without its newline (a write cut by a crash) was skipped. */
  tornFinalLine: boolean;
}

/** Family, language, domain and group of a task: from run.json, else from the task registry. */
function taskInfoResolver(record: RunRecord, runFile: string): (task: string) => TaskInfo {
  const summaries = new Map(record.tasks.map((t) => [t.task, t]));
  let registry: TaskRegistry | null | undefined;
  return (task) => {
    const s = summaries.get(task);
    if (s) return { task, family: s.family, lang: s.lang, domain: s.domain, ...(s.group ? { group: s.group } : {}) };
    // An interrupted run has samples but no task summaries yet.
    if (registry === undefined) {
      try {
        registry = loadRegistry();
      } catch {
        registry = null;
      }
    }
    const spec = registry?.get(task);
    if (spec) return { task, family: spec.family, lang: spec.lang, domain: spec.domain, ...(spec.group ? { group: spec.group } : {}) };
    throw new UserError(
      `${runFile}: samples.jsonl has task ${task}, but run.json has no summary for it and the task registry does not know it; ` +
        "finish or resume the run (\`medeval run\` with the same arguments) so run.json lists its tasks.",
    );
  };
}

/**
 * A sample is correct when its answer is its gold letter: recomputed here, not taken on
 * trust, and a line whose "correct" says otherwise (edited, or written by a broken tool) is
 * refused rather than counted either way. Returns what is wrong, or null.
 */
function correctnessProblem(s: Sample, samplesFile: string): string | null {
  const correct = s.answer !== null && s.answer === s.gold;
  if (s.correct === correct) return null;
  return (
    `${samplesFile}: task ${s.task}, item ${s.item_id}: "correct" is ${s.correct}, but its answer ${JSON.stringify(s.answer)} and gold ${JSON.stringify(s.gold)} say ${correct}. ` +
    "The journal was edited or damaged; restore it, or rerun the run into another --out."
  );
}

/** Loads one run folder (a folder holding run.json and samples.jsonl), reading its samples a line at a time: only what the statistics need of each is kept. */
export function loadRun(dir: string): LoadedRun {
  return readRunFolder(dir);
}

/** A run and its samples in full (the last line per item), for readers that show them. */
export function loadRunWithSamples(dir: string): { run: LoadedRun; samples: Sample[] } {
  const samples = new Map<string, Sample>();
  const run = readRunFolder(dir, (s) => samples.set(SAMPLE_LINES.key(s), s));
  return { run, samples: [...samples.values()] };
}

function readRunFolder(dir: string, keep?: (sample: Sample) => void): LoadedRun {
  const runFile = join(dir, "run.json");
  const samplesFile = join(dir, "samples.jsonl");
  if (!existsSync(runFile)) throw new UserError(`${dir}: no run.json here. Name a run folder (<results>/<run-id>/) made by \`medeval run\`.`);
  if (!existsSync(samplesFile)) throw new UserError(`${dir}: run.json but no samples.jsonl; the run folder is incomplete.`);
  const record = readRunRecord(runFile);
  const infoOf = taskInfoResolver(record, runFile);
  const tasks = new Map<string, TaskOutcomes>();
  for (const t of record.tasks) tasks.set(t.task, { ...infoOf(t.task), items: new Map(), planned: t.planned ?? t.n });

  // A line whose "correct" is wrong is refused only if no later line for its item replaces it.
  const damaged = new Map<string, string>();
  const scan = scanJournal(samplesFile, (s) => {
    keep?.(s);
    let task = tasks.get(s.task);
    if (!task) tasks.set(s.task, (task = { ...infoOf(s.task), items: new Map(), planned: 0 }));
    const key = SAMPLE_LINES.key(s);
    const problem = correctnessProblem(s, samplesFile);
    damaged.delete(key);
    if (problem) damaged.set(key, problem);
    task.items.set(s.item_id, {
      item_id: s.item_id,
      item_hash: s.item_hash,
      status: s.status,
      correct: s.correct,
      ...(s.cached ? { cached: true, ...(s.cache_identity !== undefined ? { cache_identity: s.cache_identity } : {}) } : {}),
    });
  });
  for (const problem of damaged.values()) throw new UserError(problem);
  const lines = scan.count;
  let distinct = 0;
  for (const t of tasks.values()) distinct += t.items.size;
  const superseded = lines - distinct;
  const tornFinalLine = scan.tornBytes > 0;
  // A planned task the run never reached stays: its cells say 0 of its items were scored.
  for (const [id, t] of tasks) {
    t.planned = Math.max(t.planned, t.items.size);
    if (t.planned === 0) tasks.delete(id);
  }
  return { dir, record, tasks, lines, superseded, tornFinalLine };
}

/** Run folders under a results folder (or the folder itself when it is a run folder), sorted. */
export function findRunDirs(root: string, maxDepth = 4): string[] {
  if (!existsSync(root)) throw new UserError(`${root} does not exist. Name a results folder or a run folder.`);
  if (statSync(root).isFile()) {
    if (basename(root) === "run.json") return [dirname(root)];
    throw new UserError(`${root} is a file. Name a results folder, a run folder or a run.json.`);
  }
  const found: string[] = [];
  const walk = (dir: string, depth: number): void => {
    if (existsSync(join(dir, "run.json"))) {
      found.push(dir);
      return;
    }
    if (depth >= maxDepth) return;
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.isDirectory() && !entry.name.startsWith(".") && entry.name !== "node_modules") walk(join(dir, entry.name), depth + 1);
    }
  };
  walk(root, 0);
  return found;
}

/** Every run under the given results folders or run folders, each loaded once. */
export function loadResults(paths: readonly string[]): LoadedRun[] {
  const dirs = new Set<string>();
  for (const p of paths) {
    const found = findRunDirs(p);
    if (found.length === 0) throw new UserError(`${p}: no run folders (folders with run.json) found under it.`);
    for (const d of found) dirs.add(resolve(d));
  }
  return [...dirs].map(loadRun);
}
