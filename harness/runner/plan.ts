// What a run will do, decided before any request: the tasks and their items (after --limit
// and --shard), and the spec whose hash names the run. Everything that changes the requests
// is in the spec, so a changed spec can never resume into an old run.
import { samplingParams, type ModelSpec } from "../models/schema.ts";
import { loadItems, loadRegistry } from "../tasks/index.ts";
import type { FewShotSpec, Item, ScoringMode, Setting, TaskSourceRecord } from "../types.ts";
import { inShard, type RunSpec, type Shard } from "../record/spec.ts";
import type { TaskMeta } from "../record/summarize.ts";

export interface PlannedTask {
  meta: TaskMeta;
  items: Item[];
  source: TaskSourceRecord;
}

export interface PlanInput {
  model: ModelSpec;
  tasks: readonly string[];
  setting: Setting;
  scoring: ScoringMode;
  promptStyle: string;
  promptTemplateHash: string;
  limit: number | null;
  seed: number;
  shard: Shard | null;
  fewshot: FewShotSpec | null;
  dataDir?: string;
  tasksDir?: string;
  fetchImpl?: typeof fetch;
  /** Never download: local data and the Hub cache only. */
  offline?: boolean;
}

export async function planTasks(input: PlanInput): Promise<PlannedTask[]> {
  const registry = loadRegistry(input.tasksDir, input.dataDir);
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

