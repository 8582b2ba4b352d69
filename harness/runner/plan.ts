// What a run will do, decided before any request: the tasks and their items (after --limit
// and --shard), and the spec whose hash names the run. Everything that changes the requests
// is in the spec, so a changed spec can never resume into an old run.
import { hashJson, sha256 } from "../hash.ts";
import { samplingParams, type ModelSpec } from "../models/schema.ts";
import { loadItems, loadRegistry } from "../tasks/index.ts";
import type { Item, RunRecord, ScoringMode, Setting, TaskSourceRecord } from "../types.ts";
import { UserError } from "../types.ts";
import type { TaskMeta } from "./summarize.ts";

export interface Shard {
  index: number;
  count: number;
}

export interface PlannedTask {
  meta: TaskMeta;
  items: Item[];
  source: TaskSourceRecord;
}

export interface PlanInput {
  model: ModelSpec;
  tasks: string;
  setting: Setting;
  scoring: ScoringMode;
  promptStyle: string;
  promptTemplateHash: string;
  limit: number | null;
  seed: number;
  shard: Shard | null;
  fewshot: Record<string, unknown> | null;
  dataDir?: string;
  tasksDir?: string;
  fetchImpl?: typeof fetch;
  /** Never download: local data and the Hub cache only. */
  offline?: boolean;
}

export type RunSpec = RunRecord["spec"];

export function parseShard(text: string | undefined): Shard | null {
  if (!text) return null;
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new UserError(`--shard must look like i/n, shards counted from 0 (0/4, 1/4, 2/4, 3/4), got "${text}"`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1) throw new UserError(`--shard ${text}: n is the number of shards, at least 1`);
  if (index >= count) {
    const all = Array.from({ length: Math.min(count, 8) }, (_, i) => `${i}/${count}`).join(", ");
    throw new UserError(`--shard ${text}: shards are counted from 0, so the ${count} shards are ${all}${count > 8 ? ", …" : ""} (the last is ${count - 1}/${count})`);
  }
  return { index, count };
}

/** Deterministic shard membership from the item's identity, independent of file order. */
export function inShard(taskId: string, itemId: string, shard: Shard | null): boolean {
  if (!shard || shard.count === 1) return true;
  const h = sha256(`${taskId}\u0000${itemId}`);
  return Number.parseInt(h.slice(0, 8), 16) % shard.count === shard.index;
}

export async function planTasks(input: PlanInput): Promise<PlannedTask[]> {
  const registry = loadRegistry(input.tasksDir);
  const specs = registry.resolve(input.tasks);
  const planned: PlannedTask[] = [];
  for (const spec of specs) {
    const { items, source } = await loadItems(spec, "test", { dataDir: input.dataDir, fetch: input.fetchImpl, offline: input.offline });
    // --limit takes the first N items in source order (as lm-evaluation-harness does), then sharding.
    const limited = input.limit !== null ? items.slice(0, input.limit) : items;
    const mine = limited.filter((item) => inShard(spec.id, item.id, input.shard));
    planned.push({
      meta: { id: spec.id, family: spec.family, lang: spec.lang, domain: spec.domain, ...(spec.group ? { group: spec.group } : {}) },
      items: mine,
      source,
    });
  }
  return planned;
}

/**
 * What of a `serve:` entry decides the answers: the checkpoint, vllm's arguments (dtype,
 * quantization, chat template, reasoning parser) and vLLM's own VLLM_* switches
 * (VLLM_BATCH_INVARIANT); not how long to wait, not which GPUs, and never a secret such as
 * HF_TOKEN or VLLM_API_KEY, since the spec is written to run.json.
 */
export function serveIdentity(serve: Record<string, unknown>): Record<string, unknown> {
  const env = (serve.env ?? {}) as Record<string, unknown>;
  const vllmEnv = Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith("VLLM_") && !/KEY|TOKEN|SECRET|PASSWORD/i.test(k)).sort(([a], [b]) => a.localeCompare(b)));
  return { model: serve.model, args: serve.args ?? [], env: vllmEnv };
}

export function buildSpec(input: PlanInput, tasks: PlannedTask[]): RunSpec {
  const m = input.model;
  return {
    model: m.name,
    served_model: m.servedModel,
    base_urls: m.baseUrls,
    setting: input.setting,
    scoring: input.scoring,
    prompt_style: input.promptStyle,
    prompt_template_hash: input.promptTemplateHash,
    params: {
      // Every sampling parameter the requests carry, neutral ones included (see NEUTRAL_SAMPLING).
      ...m.params,
      ...samplingParams(m.params),
      ...(m.chatTemplateKwargs ? { chat_template_kwargs: m.chatTemplateKwargs } : {}),
      ...(m.systemPrompt !== undefined ? { system_prompt: m.systemPrompt } : {}),
      ...(m.fineTuned ? { fine_tuned: m.fineTuned } : {}),
      ...(m.answerFromReasoning ? { answer_from_reasoning: true } : {}),
      ...(m.serve ? { serve: serveIdentity(m.serve) } : {}),
    },
    tasks: tasks.map((t) => t.meta.id),
    limit: input.limit,
    seed: input.seed,
    shard: input.shard,
    fewshot: input.fewshot,
  };
}

/**
 * The hash that identifies what a run asks: base URLs are left out (replicas come and go
 * without changing an answer), the data is in through each task's items_hash.
 */
export function specHash(spec: RunSpec, sources: TaskSourceRecord[]): string {
  const { base_urls: _urls, ...rest } = spec;
  return hashJson({ spec: rest, data: sources.map((s) => ({ task: s.task, items_hash: s.items_hash })) });
}

/** A run id names one folder inside --out: no path of its own (it would write elsewhere). */
export function checkRunId(flag: string, id: string): void {
  if (!/^[A-Za-z0-9_][A-Za-z0-9._+-]*$/.test(id)) {
    throw new UserError(`${flag} ${JSON.stringify(id)}: a run id is one folder name inside --out (letters, digits, ".", "_", "+", "-"); use --out to choose where runs go`);
  }
}

/** Run ids are derived from the spec, so re-running the same command finds (and resumes) the same run. */
export function defaultRunId(spec: RunSpec, hash: string): string {
  const word = (text: string) => text.replace(/[^A-Za-z0-9_.-]+/g, "_");
  const shard = spec.shard ? `-shard${spec.shard.index}of${spec.shard.count}` : "";
  // The prompt style is in the name: a cot and a direct run of one model are told apart at a glance.
  return `${word(spec.model)}-${spec.setting}-${word(spec.prompt_style)}-${spec.scoring}${shard}-${hash.slice(0, 10)}`;
}

/** The run id before it named the prompt style: a run started then is still found by the same command. */
export function legacyRunId(spec: RunSpec, hash: string): string {
  const model = spec.model.replace(/[^A-Za-z0-9_.-]+/g, "_");
  const shard = spec.shard ? `-shard${spec.shard.index}of${spec.shard.count}` : "";
  return `${model}-${spec.setting}-${spec.scoring}${shard}-${hash.slice(0, 10)}`;
}

/** What differs between two specs, for the refusal message. */
export function specDifferences(a: unknown, b: unknown, path = ""): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const isObj = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
    return [...keys].flatMap((k) =>
      specDifferences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k),
    );
  }
  return [`${path}: ${JSON.stringify(a)} → ${JSON.stringify(b)}`];
}
