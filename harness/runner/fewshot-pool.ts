// The plain few-shot setting (lm-evaluation-harness's k-shot): k solved questions from the
// benchmark's own few-shot split (tasks/*.yaml `pool:`, MMLU dev, MedQA dev, MedMCQA train…)
// in the item's language, before the question; their answers only, or with the split's own
// explanations. Never the evaluated split: a pool that is the test data is refused.
import seedrandom from "seedrandom";
import type { ModelSpec } from "../models/schema.ts";
import { buildFewShotMessages, type ShotFormat, type WorkedExample } from "../prompts/fewshot.ts";
import { defaultSystemPrompt, instructionFor, renderQuestion, type PromptStyle } from "../prompts/templates.ts";
import { loadItems, loadRegistry, type LoadItemsOptions } from "../tasks/index.ts";
import { distinctDraws } from "../traces/select.ts";
import { letterOf, UserError, type Item, type PoolFewShotSpec, type TaskSourceRecord } from "../types.ts";
import type { PreparedRequest } from "./generative.ts";
import type { PlannedTask } from "./plan.ts";

/** first: the pool's first k in file order, the same for every item (lm-evaluation-harness's first_n); random: k drawn per item, seeded. */
export const SHOT_SAMPLERS = ["first", "random"] as const;
export type ShotSampler = (typeof SHOT_SAMPLERS)[number];
export const DEFAULT_SHOT_SAMPLER: ShotSampler = "first";

/** answer: each shot ends with its answer line only; explanation: the split's own explanation, then the answer line. */
export const SHOT_CONTENTS = ["answer", "explanation"] as const;
export type ShotContent = (typeof SHOT_CONTENTS)[number];
export const DEFAULT_SHOT_CONTENT: ShotContent = "answer";

export interface PoolShotSettings {
  k: number;
  sampler: ShotSampler;
  content: ShotContent;
  /** Generative prompts only: one chat turn per shot, or all in one user turn. */
  format: ShotFormat;
  seed: number;
}

export interface ShotPool {
  items: Item[];
  source: TaskSourceRecord;
}

/**
 * Each task's pool, loaded and checked: not the test data, at least k usable items (with an
 * explanation when explanations are asked for). Keyed by task id.
 */
export async function loadShotPools(
  tasks: PlannedTask[],
  s: PoolShotSettings,
  opts: LoadItemsOptions & { tasksDir?: string },
): Promise<Map<string, ShotPool>> {
  const registry = loadRegistry(opts.tasksDir, opts.dataDir);
  const pools = new Map<string, ShotPool>();
  for (const task of tasks) {
    const spec = registry.get(task.meta.id)!;
    if (!spec.pool) {
      throw new UserError(
        `${task.meta.id} has no few-shot split configured (languages.${spec.lang}.pool in ${spec.file}), so --setting few-shot has nothing to draw from. ` +
          `Add a pool: source (its dev or train split), run it zero-shot, or use --setting few-shot-traces.`,
      );
    }
    const { items, source } = await loadItems(spec, "pool", opts);
    if (sameData(source, task.source)) {
      throw new UserError(
        `${task.meta.id}: its few-shot split (languages.${spec.lang}.pool in ${spec.file}) is the data being evaluated (${source.location}${source.files[0] ? `, ${source.files[0].path}` : ""}): ` +
          `every shot would be a test question. Point pool: at the benchmark's dev or train split.`,
      );
    }
    let usable = items;
    if (s.content === "explanation") {
      const field = (source.kind === "local" ? spec.pool.local : spec.pool.hub)?.fields.explanation;
      if (!field) {
        throw new UserError(
          `${task.meta.id}: --shot-content explanation needs the pool's explanation field, and ${spec.file} maps none for languages.${spec.lang}.pool ` +
            `(add fields.explanation naming the column, as medmcqa's exp), or use --shot-content answer.`,
        );
      }
      usable = items.filter((item) => item.explanation !== undefined);
    }
    if (usable.length < s.k) {
      const what = s.content === "explanation" ? `${usable.length} of its ${items.length} items have an explanation` : `it has ${items.length} items`;
      throw new UserError(`${task.meta.id}: --shots ${s.k} asks for more examples than its few-shot split (${source.location}) holds: ${what}. Lower --shots.`);
    }
    pools.set(task.meta.id, { items: usable, source });
  }
  return pools;
}

/** The same file (by content or by path) as the evaluated data. */
function sameData(pool: TaskSourceRecord, test: TaskSourceRecord): boolean {
  if (pool.items_hash === test.items_hash) return true;
  const key = (r: TaskSourceRecord) => r.files.map((f) => `${r.kind}|${r.location}|${r.revision ?? ""}|${f.path}`);
  const shas = new Set(test.files.map((f) => f.sha256));
  return pool.files.some((f) => shas.has(f.sha256)) || key(pool).some((k) => key(test).includes(k));
}

/**
 * The k shots for one item: in pool order (first) or a seeded draw keyed by the item, so a
 * shard or a resumed run picks the same ones. A pool row identical to the item is never shown.
 */
export function pickPoolShots(pool: ShotPool, taskId: string, item: Item, s: Pick<PoolShotSettings, "k" | "sampler" | "seed">): Item[] {
  const shots: Item[] = [];
  const offer = (candidate: Item) => {
    if (shots.length < s.k && candidate.hash !== item.hash) shots.push(candidate);
  };
  if (s.sampler === "first") {
    for (const candidate of pool.items) offer(candidate);
  } else {
    const draws = distinctDraws(pool.items.length, seedrandom(`medeval-pool-shots:${s.seed}:${taskId}:${item.id}`));
    // next() by hand: breaking out of for…of would close the generator.
    for (let next = draws.next(); !next.done && shots.length < s.k; next = draws.next()) offer(pool.items[next.value]);
  }
  return shots;
}

/**
 * What a plain few-shot run's spec records: the choices and the identity of each pool's data
 * by content (files and items hash, the Hub repo and revision), never a local path: shards on
 * machines with the data elsewhere still belong together.
 */
export function poolShotSpec(s: PoolShotSettings, pools: Map<string, ShotPool>, generative: boolean): PoolFewShotSpec {
  return {
    source: "pool" as const,
    k: s.k,
    sampler: s.sampler,
    content: s.content,
    ...(generative ? { format: s.format } : {}),
    pools: [...pools].map(([task, { source }]) => ({
      task,
      kind: source.kind,
      ...(source.kind === "hub" ? { repo: source.location, revision: source.revision ?? null } : {}),
      files: source.files,
      items_hash: source.items_hash,
      n: source.n,
    })),
  };
}

function workedExample(shot: Item, content: ShotContent): WorkedExample {
  return { question: shot.question, options: shot.options, answer: letterOf(shot.answer), reasoning: content === "explanation" ? (shot.explanation ?? "") : "" };
}

/** The generative prompt: the shots as worked examples in the run's prompt style, then the question. */
export function poolShotPreparer(pools: Map<string, ShotPool>, model: ModelSpec, style: PromptStyle, s: PoolShotSettings) {
  return (task: PlannedTask, item: Item): Promise<PreparedRequest> => {
    const shots = pickPoolShots(pools.get(task.meta.id)!, task.meta.id, item, s);
    const messages = buildFewShotMessages(item, shots.map((shot) => workedExample(shot, s.content)), {
      format: s.format,
      lang: item.lang,
      system: model.systemPrompt ?? defaultSystemPrompt(item.lang),
      renderQuestion,
      instruction: (optionCount) => instructionFor(style, item.lang, optionCount),
    });
    return Promise.resolve({ messages, shots: shots.map((shot) => shot.id) });
  };
}
