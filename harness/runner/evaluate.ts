// `medeval run` as a function: resolve the model and tasks, choose the prompt for the
// setting, then hand everything to executeRun. Kept apart from the yargs command so tests
// and other commands can call it.
import { existsSync, readdirSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { medevalHome } from "../env.ts";
import { apiKeyFor, defaultModelsFile, loadModelsFile, normaliseBaseUrl, resolveModel, type ModelOverrides } from "../models/load.ts";
import { samplingParams, type ModelSpec } from "../models/schema.ts";
import { buildFineTunedMessages } from "../prompts/fine-tuned.ts";
import { fewShotPromptFingerprint } from "../prompts/fewshot.ts";
import { hashJson } from "../hash.ts";
import { buildZeroShotMessages, templateHash, type PromptStyle } from "../prompts/templates.ts";
import { ResumableRunError, UserError, type ChatMessage, type FewShotSpec, isPoolFewShot, type TraceFewShotSpec, type RunRecord, type ScoringMode, type Setting } from "../types.ts";
import { DEFAULT_LEVEL } from "../stats/bootstrap.ts";
import { ResponseCache } from "../endpoints/cache.ts";
import { createDispatcher } from "../endpoints/dispatcher.ts";
import type { AnswerRoute } from "./batch-route.ts";
import { buildSpec, planTasks, serveIdentity, type PlannedTask } from "./plan.ts";
import { checkRunId, defaultRunId, legacyRunId, specHash, type Shard } from "../record/spec.ts";
import { ServeConfigSchema, startVllmServer, type ServeConfig, type VllmServer } from "../serve/serve.ts";
import { createProgress } from "./progress.ts";
import { DEFAULT_FEWSHOT_FORMAT, DEFAULT_SELECT, DEFAULT_SHOTS } from "./run-defaults.ts";
import { generativeAnswerer, type PreparedRequest } from "./generative.ts";
import { executeRun, EXIT_UNANSWERED_ITEMS, type ItemAnswerer, type RunOutcome } from "./run.ts";
import { makeRunFolder, readRunRecord } from "../record/run-files.ts";
import { describeOwner, RunLock } from "../record/run-lock.ts";
import { logprobPromptStyle, logprobTargetOfStyle, logprobTemplateHash, type LogprobTarget } from "../prompts/lm-eval.ts";
import { loglikelihoodAnswerer } from "./loglikelihood.ts";
import { firstTokenAnswerer } from "./first-token.ts";
import { checkpointConflict, servedCheckpoint, type ServedCheckpoint } from "../record/checkpoint.ts";
import { fetchServerInfo, probeEndpoint, servedModelIds } from "../endpoints/server-info.ts";
import { TraceStore, storeDir } from "../traces/store.ts";
import { establishCheckpointIdentity, type CheckpointIdentity } from "../endpoints/checkpoint-identity.ts";
import { loadRegistry } from "../tasks/index.ts";
import { fewShotPreparer, fewShotSpec, type FewShotSettings } from "./fewshot-prepare.ts";
import { DEFAULT_SHOT_CONTENT, DEFAULT_SHOT_SAMPLER, loadShotPools, pickPoolShots, poolShotPreparer, poolShotSpec, type PoolShotSettings, type ShotContent, type ShotSampler } from "./fewshot-pool.ts";

export interface EvaluateOptions {
  model?: string;
  modelsFile?: string;
  overrides: ModelOverrides;
  /** Task ids, groups or `all`, as the registry resolves them. */
  tasks?: readonly string[];
  setting: Setting;
  promptStyle: PromptStyle;
  scoring: ScoringMode;
  limit: number | null;
  concurrency?: number;
  seed: number;
  dataDir?: string;
  tasksDir?: string;
  out: string;
  runId?: string;
  resume?: string;
  cache: boolean;
  /** Retries per request after the first attempt (DEFAULT_MAX_RETRIES when absent). */
  maxRetries?: number;
  bootstrap: number;
  /** Run only this shard of the items (parsed by the command from --shard i/n or auto). */
  shard?: Shard | null;
  progress: "auto" | "bar" | "plain" | "none";
  /** few-shot-traces: how many traces, chosen how, from which store; few-shot: how many of the pool's questions, picked how, showing what. */
  fewshot?: Omit<FewShotSettings, "seed"> & { store?: string; sampler?: ShotSampler; content?: ShotContent };
  /** loglikelihood scoring: score the option letters (lm-evaluation-harness) or the option texts. */
  logprobTarget?: LogprobTarget;
  /** A server already started for the model's `serve:` entry (by a sweep): used as it is, neither started nor stopped here. */
  servedUrl?: string;
  /** The vllm executable for models with `serve:` (default "vllm" on PATH). */
  vllmBin?: string;
  signal: AbortSignal;
  fetchImpl?: typeof fetch;
  /** Never download datasets (local data and the Hub cache only); also set by HF_HUB_OFFLINE=1. */
  offline?: boolean;
  /** Resume even when the server reports other weights than the run's (the same weights at another path). */
  allowDifferentCheckpoints?: boolean;
  /** One-line notices for the person running (the cache is not read, …); the command prints them. */
  notice?: (line: string) => void;
  /** Items that fail after retries count as done (run.json records it); they stay errors everywhere they are shown. */
  acceptErrors?: boolean;
  /** How long requests wait for an endpoint that is out before they fail (the pool's default 60 s; tests shorten it). */
  unavailableWaitMs?: number;
}

/** With --resume, the stored spec supplies everything the command line leaves out. */
function applyResume(opts: EvaluateOptions): EvaluateOptions {
  if (!opts.resume) return opts;
  const record: RunRecord = readRunRecord(join(opts.out, opts.resume, "run.json"));
  const s = record.spec;
  const params = s.params;
  return {
    ...opts,
    model: opts.model ?? s.model,
    overrides: {
      ...opts.overrides,
      servedModel: opts.overrides.servedModel ?? s.served_model,
      // A model still in models.yaml is reached as the file says (its server may have moved,
      // or be started by medeval: `serve:`); a command-line endpoint is reached where it was.
      modelUrl: opts.overrides.modelUrl ?? (modelInFile(s.model, opts.modelsFile) ? undefined : s.base_urls),
      params: {
        temperature: params.temperature,
        top_p: params.top_p,
        max_tokens: params.max_tokens,
        seed: params.seed ?? null,
        ...Object.fromEntries(Object.entries(opts.overrides.params ?? {}).filter(([, v]) => v !== undefined)),
      },
    },
    tasks: s.tasks,
    setting: s.setting,
    scoring: s.scoring,
    promptStyle: s.prompt_style as PromptStyle,
    logprobTarget: logprobTargetOfStyle(s.prompt_style) ?? opts.logprobTarget,
    limit: s.limit,
    seed: s.seed,
    shard: s.shard,
    fewshot: s.fewshot ? resumedFewShot(s.fewshot, opts.fewshot) : opts.fewshot,
    runId: opts.resume,
  };
}

/**
 * The stored few-shot choices win over the command line's defaults (--shots 3 --select bm25
 * would otherwise be a changed spec); where the store is and how to embed stay the caller's.
 */
function resumedFewShot(stored: FewShotSpec, given: EvaluateOptions["fewshot"]): EvaluateOptions["fewshot"] {
  const format = (stored.format as FewShotSettings["format"] | undefined) ?? given?.format ?? DEFAULT_FEWSHOT_FORMAT;
  if (isPoolFewShot(stored)) {
    return { ...given, k: stored.k, method: given?.method ?? "bm25", traceLang: null, format, allowTestSplitTraces: false, sampler: stored.sampler as ShotSampler, content: stored.content as ShotContent };
  }
  const traces = stored as TraceFewShotSpec;
  return {
    ...given,
    k: traces.k,
    method: traces.method as FewShotSettings["method"],
    traceLang: traces.trace_lang ?? null,
    format,
    allowTestSplitTraces: traces.allow_test_split_traces === true,
  };
}

/**
 * The hash of everything that writes a setting's prompts: the zero-shot templates, plus the
 * few-shot or fine-tuned message builders, so a change to any of them is a new spec.
 */
function promptHashFor(setting: Setting): string {
  if (setting === "few-shot-traces") return hashJson([templateHash(), fewShotPromptFingerprint(), fewShotPreparer.toString()]);
  if (setting === "few-shot") return hashJson([templateHash(), fewShotPromptFingerprint(), poolShotPreparer.toString(), pickPoolShots.toString()]);
  if (setting === "fine-tuned") return hashJson([templateHash(), buildFineTunedMessages.toString()]);
  return templateHash();
}

/** Which split each task evaluates, from its task file (read once). */
function evaluatedSplits(tasksDir: string | undefined, dataDir: string | undefined): (taskId: string) => "dev" | "test" {
  const registry = loadRegistry(tasksDir, dataDir);
  return (taskId) => registry.get(taskId)?.evaluatedSplit ?? "test";
}

/**
 * Who answers, for the response cache: the served name, the weights behind it (where the
 * server says they are, and the identity medeval established for them) and, for a server
 * medeval starts, vllm's arguments (an fp8 run must not be answered from bf16's cache).
 */
export function modelIdentity(model: ModelSpec, root: string | null | undefined, checkpoint: string): string {
  const base = `${model.servedModel}|${root ?? ""}|${checkpoint}`;
  return model.serve ? `${base}|${hashJson(serveIdentity(model.serve))}` : base;
}

/**
 * The response cache for this run, or null: it is read (and written) only under a checkpoint
 * identity tied to the weights. Without one the run says so in one line and asks the server.
 */
export function cacheFor(opts: EvaluateOptions, identity: CheckpointIdentity): { cache: ResponseCache | null; record: NonNullable<RunRecord["cache"]> } {
  if (!opts.cache) return { cache: null, record: { enabled: false, identity: null, basis: "turned off for this run" } };
  if (identity.id === null) {
    opts.notice?.(
      `the response cache is not used for this run: ${identity.why}, so cached answers could not be tied to these weights. ` +
        "Declare fingerprint: (or revision: for a Hub id) in models.yaml, or serve from a local path medeval can read, to use it.",
    );
    return { cache: null, record: { enabled: true, identity: null, basis: identity.why } };
  }
  return { cache: new ResponseCache(join(medevalHome(), "cache", "responses")), record: { enabled: true, identity: identity.id, basis: identity.basis } };
}

/** Marks each sample answered from the cache with the identity it was read under (run.json counts them per task). */
function tagCachedSamples(answer: ItemAnswerer, identity: string | null): ItemAnswerer {
  if (identity === null) return answer;
  return async (task, item, signal) => {
    const answered = await answer(task, item, signal);
    if (answered?.sample.cached) answered.sample.cache_identity = identity;
    return answered;
  };
}

/**
 * A name vLLM does not serve fails every request with a 404: say which names it does serve
 * now, rather than after five failures (or with another model's max_model_len). Only vLLM
 * (it answers /version) is held to its list: llama.cpp lists its one model under a file name
 * and answers to any.
 */
function refuseUnservedName(urls: string[], infos: { models: unknown; version: string | null }[], served: string): void {
  urls.forEach((url, i) => {
    const ids = servedModelIds(infos[i].models);
    if (infos[i].version !== null && ids.length > 0 && !ids.includes(served)) {
      throw new UserError(
        `the server at ${url} does not serve a model named "${served}"; it serves ${ids.map((id) => `"${id}"`).join(", ")} (its /v1/models). ` +
          `Name one of those as the served model (--served-model, or served_model in models.yaml).`,
      );
    }
  });
}

/**
 * max_tokens is reserved out of the context: at or above max_model_len no prompt fits, every
 * request comes back as a context overflow, and the run would look like a model scoring 0.
 */
function refuseImpossibleBudget(model: ModelSpec, maxModelLen: number | null): void {
  const maxTokens = model.params.max_tokens;
  if (maxModelLen === null || typeof maxTokens !== "number" || maxTokens < maxModelLen) return;
  throw new UserError(
    `max_tokens ${maxTokens} leaves no room for a prompt: the server's max_model_len for ${model.servedModel} is ${maxModelLen}, and vLLM reserves max_tokens out of it. ` +
      `Lower --max-tokens (e.g. ${Math.max(256, Math.floor(maxModelLen / 2))}), or serve the model with a longer --max-model-len.`,
  );
}

/**
 * Replicas behind one model must serve the same weights: requests go to whichever is least
 * busy, so two checkpoints would be mixed in one run (and in the cache, keyed by the first).
 */
function refuseMixedReplicas(replicas: { url: string; checkpoint: ServedCheckpoint | null }[], served: string): void {
  const conflict = checkpointConflict(replicas);
  if (!conflict) return;
  throw new UserError(
    `the replicas of ${served} do not serve the same model: ${conflict.a.url} and ${conflict.b.url} differ in\n${conflict.differences.map((d) => `  ${d}`).join("\n")}\n` +
      "A run sends each request to whichever replica is least busy, so their answers would be mixed. List only replicas of one checkpoint in base_urls " +
      "(or pass --allow-different-checkpoints if they hold the same weights at different paths).",
  );
}

function modelInFile(name: string, file?: string): boolean {
  const path = file ?? defaultModelsFile();
  return existsSync(path) && name in loadModelsFile(path).models;
}

export function messagesFor(setting: Setting, model: ModelSpec, style: PromptStyle) {
  return (_task: PlannedTask, item: PlannedTask["items"][number]): Promise<PreparedRequest> => {
    if (setting === "fine-tuned") {
      if (!model.fineTuned) {
        throw new UserError(`--setting fine-tuned needs a fine_tuned: section for model "${model.name}" in models.yaml (the prompt format it was trained on)`);
      }
      // The answer line the model was trained to end with is the one read as "strict".
      return Promise.resolve({ messages: buildFineTunedMessages(item, model.fineTuned), answerLabel: model.fineTuned.answer_label });
    }
    if (setting === "zero-shot") return Promise.resolve({ messages: buildZeroShotMessages(item, { style, systemPrompt: model.systemPrompt }) });
    throw new UserError(`setting ${setting} needs a trace store (internal: few-shot prompts are prepared by fewShotPreparer)`);
  };
}

export function requestBody(model: ModelSpec) {
  return (messages: ChatMessage[]): Record<string, unknown> => {
    const p = model.params;
    return {
      model: model.servedModel,
      messages,
      // Every one explicit: vLLM otherwise falls back to the checkpoint's generation_config.json.
      ...samplingParams(p),
      max_tokens: p.max_tokens,
      ...(p.seed !== null ? { seed: p.seed } : {}),
      ...(p.stop ? { stop: p.stop } : {}),
      ...(model.chatTemplateKwargs ? { chat_template_kwargs: model.chatTemplateKwargs } : {}),
    };
  };
}

/**
 * Numbers from the command line, checked before they reach a slice or the spec: --limit -3
 * ran all but the last 3 items, and --seed abc or --limit 2.5 wrote a run.json no reader accepts.
 */
function checkNumericOptions(opts: EvaluateOptions): void {
  const whole = (flag: string, value: number | undefined | null, min: number) => {
    if (value === undefined || value === null) return;
    if (!Number.isInteger(value) || value < min) throw new UserError(`${flag} must be a whole number ≥ ${min}, got ${value}`);
  };
  whole("--limit", opts.limit, 1);
  if (!Number.isSafeInteger(opts.seed)) throw new UserError(`--seed must be a whole number, got ${opts.seed}`);
  whole("--concurrency", opts.concurrency, 1);
  // Fewer resamples than this give intervals whose ends are a couple of draws (as medeval check requires).
  whole("--bootstrap", opts.bootstrap, 100);
  whole("--max-retries", opts.maxRetries, 0);
  if (opts.setting === "few-shot-traces") whole("--shots", opts.fewshot?.k, 0);
  if (opts.setting === "few-shot") whole("--shots", opts.fewshot?.k, 1);
  const timeout = opts.overrides.timeoutS;
  if (timeout !== undefined && !(timeout > 0)) throw new UserError(`--timeout must be a number of seconds > 0, got ${timeout}`);
  if (opts.runId !== undefined) checkRunId("--run-id", opts.runId);
  // A mistyped data folder would otherwise be passed over silently for a Hub download.
  if (opts.dataDir !== undefined && !existsSync(opts.dataDir)) {
    throw new UserError(`the data folder ${opts.dataDir} (from --data-dir or MEDEVAL_DATA_DIR) does not exist; name the folder that holds medqa/, medmcqa/, … like ../shared/datasets`);
  }
}

/** Everything about a run that is known before its folder is locked: its spec, tasks and run id. */
export interface PreparedEvaluation {
  opts: EvaluateOptions;
  model: ModelSpec;
  serveConfig: ServeConfig | null;
  apiKey: string | undefined;
  spec: ReturnType<typeof buildSpec>;
  /** The spec hash (spec + data), as run.json and batch custom_ids carry it. */
  hash: string;
  logprobMode: Exclude<ScoringMode, "generative"> | null;
  tasks: PlannedTask[];
  runId: string;
  prepare: ReturnType<typeof messagesFor>;
  store: TraceStore | null;
  logprobShots?: (task: PlannedTask, item: PlannedTask["items"][number]) => PlannedTask["items"];
}

/**
 * The run `evaluate` would make, planned but not started (no request, no lock): its run id,
 * tasks and items. The caller closes `store` when it does not go on to run it.
 */
export async function prepareEvaluation(raw: EvaluateOptions): Promise<PreparedEvaluation> {
  // A tab-completed "--resume results/id/" names the same run; a path elsewhere does not.
  const resume = raw.resume?.replace(/\/+$/, "");
  if (resume !== undefined) checkRunId("--resume", resume);
  const opts = applyResume({ ...raw, resume });
  checkNumericOptions(opts);
  if (!opts.tasks || opts.tasks.length === 0) throw new UserError("name the tasks to run: --tasks medqa.en,mmlu_medical.it (see `medeval tasks`)");
  const kShotLoglikelihood = opts.scoring === "loglikelihood" && opts.setting === "few-shot";
  if (opts.scoring !== "generative" && opts.setting !== "zero-shot" && !kShotLoglikelihood) {
    throw new UserError(`--scoring ${opts.scoring} reads answers from log-probabilities of a fixed prompt; it runs with --setting zero-shot (and loglikelihood also with few-shot), not ${opts.setting}`);
  }
  if (kShotLoglikelihood && opts.fewshot?.content === "explanation") {
    throw new UserError("--scoring loglikelihood scores lm-evaluation-harness's k-shot prompt, whose shots carry their answer only: use --shot-content answer, or --scoring generative to show explanations");
  }
  const logprobMode = opts.scoring === "generative" ? null : opts.scoring;
  const target = opts.logprobTarget ?? "letters";
  const model = resolveModel(opts.model, opts.overrides, opts.modelsFile);
  const serveConfig = model.serve ? parseServeConfig(model.name, model.serve) : null;
  if (model.baseUrls.length === 0 && !serveConfig) throw new UserError(`model "${model.name}" has no base_urls`);
  const apiKey = apiKeyFor(model);
  const shard = opts.shard ?? null;
  const planInput = {
    model,
    tasks: opts.tasks,
    setting: opts.setting,
    scoring: opts.scoring,
    promptStyle: logprobMode ? logprobPromptStyle(logprobMode, target) : opts.promptStyle,
    promptTemplateHash: logprobMode ? (kShotLoglikelihood ? hashJson([logprobTemplateHash(), pickPoolShots.toString()]) : logprobTemplateHash()) : promptHashFor(opts.setting),
    limit: opts.limit,
    seed: opts.seed,
    shard,
    fewshot: null as FewShotSpec | null,
    dataDir: opts.dataDir,
    tasksDir: opts.tasksDir,
    fetchImpl: opts.fetchImpl,
    offline: opts.offline ?? process.env.HF_HUB_OFFLINE === "1",
  };
  let store: TraceStore | null = null;
  let prepare = messagesFor(opts.setting, model, opts.promptStyle);
  if (opts.setting === "few-shot-traces") {
    const fs: FewShotSettings = {
      k: opts.fewshot?.k ?? DEFAULT_SHOTS,
      method: opts.fewshot?.method ?? DEFAULT_SELECT,
      traceLang: opts.fewshot?.traceLang ?? null,
      format: opts.fewshot?.format ?? DEFAULT_FEWSHOT_FORMAT,
      seed: opts.seed,
      embed: opts.fewshot?.embed,
      embedModel: opts.fewshot?.embedModel,
      allowTestSplitTraces: opts.fewshot?.allowTestSplitTraces ?? false,
      evaluatedSplitOf: evaluatedSplits(opts.tasksDir, opts.dataDir),
    };
    store = await TraceStore.open(storeDir(opts.fewshot?.store), { mustExist: true });
    planInput.fewshot = await fewShotSpec(fs, store);
    prepare = fewShotPreparer(store, model, fs);
  }
  const tasks = await planTasks(planInput);
  let logprobShots: ((task: PlannedTask, item: PlannedTask["items"][number]) => PlannedTask["items"]) | undefined;
  if (opts.setting === "few-shot") {
    const ps: PoolShotSettings = {
      k: opts.fewshot?.k ?? DEFAULT_SHOTS,
      sampler: opts.fewshot?.sampler ?? DEFAULT_SHOT_SAMPLER,
      content: opts.fewshot?.content ?? DEFAULT_SHOT_CONTENT,
      format: opts.fewshot?.format ?? DEFAULT_FEWSHOT_FORMAT,
      seed: opts.seed,
    };
    const pools = await loadShotPools(tasks, ps, { dataDir: opts.dataDir, tasksDir: opts.tasksDir, fetch: opts.fetchImpl, offline: planInput.offline });
    planInput.fewshot = poolShotSpec(ps, pools, !logprobMode);
    prepare = poolShotPreparer(pools, model, opts.promptStyle, ps);
    logprobShots = (task, item) => pickPoolShots(pools.get(task.meta.id)!, task.meta.id, item, ps);
  }
  const spec = buildSpec(planInput, tasks);
  const hash = specHash(spec, tasks.map((t) => t.source));
  const legacy = legacyRunId(spec, hash);
  const runId = opts.runId ?? (existsSync(join(opts.out, legacy, "run.json")) ? legacy : defaultRunId(spec, hash));
  return { opts, model, serveConfig, apiKey, spec, hash, tasks, runId, prepare, store, logprobShots, logprobMode };
}


export async function evaluate(raw: EvaluateOptions): Promise<RunOutcome> {
  const { opts, model, serveConfig, apiKey, spec, tasks, runId, prepare, store, logprobShots } = await prepareEvaluation(raw);
  // One writer per run folder, from before vLLM starts (two would load the weights twice) to the end.
  const runDir = join(opts.out, runId);
  return holdRunFolder(opts, runDir, store, "medeval run", async () => {
    // `serve:` in models.yaml: medeval starts vLLM itself, logs it to the run folder, stops it after.
    let vllm: VllmServer | null = null;
    let signal = opts.signal;
    try {
      if (serveConfig && opts.servedUrl) {
        // Started by the caller for this model's `serve:` entry (a sweep, for all its cells).
        model.baseUrls = [normaliseBaseUrl(opts.servedUrl)];
        spec.base_urls = model.baseUrls;
      } else if (serveConfig) {
        vllm = await startVllmServer({
          model: serveConfig.model,
          servedName: model.servedModel,
          extraArgs: serveConfig.args,
          vllmBin: opts.vllmBin,
          apiKey,
          logFile: join(runDir, "vllm.log"),
          readyTimeoutMs: serveConfig.ready_timeout_s * 1000,
          env: serveConfig.env,
          signal: opts.signal,
        });
        model.baseUrls = [normaliseBaseUrl(vllm.baseUrl)];
        spec.base_urls = model.baseUrls;
        signal = AbortSignal.any([opts.signal, vllm.died]);
      }
      const outcome = await runPlanned(opts, model, apiKey, spec, tasks, runId, prepare, signal, logprobShots);
      // Requests to a dead server fail in milliseconds, possibly before its exit is noticed:
      // when a served run has errors, give the exit a moment to show before calling it a success.
      if (vllm && outcome.record.tasks.some((t) => t.errors > 0)) await Promise.race([vllm.exited, new Promise((r) => setTimeout(r, 500))]);
      if (vllm?.died.aborted) throw new ResumableRunError(`${String(vllm.died.reason)}\nFinished samples are kept; resume with:`, runId, "", EXIT_UNANSWERED_ITEMS);
      return outcome;
    } finally {
      await vllm?.stop();
    }
  });
}

/**
 * Runs `work` holding the run folder's lock (one writer per run); closes the trace store after.
 * A run that stops on its configuration (no server, a wrong name) before writing anything
 * leaves no empty folder behind for tables and the viewer to list as an incomplete run.
 */
export async function holdRunFolder<T>(opts: EvaluateOptions, runDir: string, store: TraceStore | null, holder: string, work: () => Promise<T>): Promise<T> {
  let lock: RunLock;
  const newFolder = !existsSync(runDir);
  try {
    makeRunFolder(opts.out, runDir);
    lock = RunLock.acquire(runDir, holder);
  } catch (err) {
    store?.close();
    throw err;
  }
  if (lock.tookOver) opts.notice?.(`took over the lock of ${runDir} from ${describeOwner(lock.tookOver)}, which is no longer running`);
  try {
    return await work();
  } finally {
    store?.close();
    lock.release();
    if (newFolder) removeIfEmpty(runDir);
  }
}

function removeIfEmpty(dir: string): void {
  try {
    if (readdirSync(dir).length === 0) rmdirSync(dir);
  } catch {
    // Leaving an empty folder is harmless; failing the run over it would not be.
  }
}

async function runPlanned(
  opts: EvaluateOptions,
  model: ModelSpec,
  apiKey: string | undefined,
  spec: ReturnType<typeof buildSpec>,
  tasks: PlannedTask[],
  runId: string,
  prepare: ReturnType<typeof messagesFor>,
  signal: AbortSignal,
  logprobShots?: (task: PlannedTask, item: PlannedTask["items"][number]) => PlannedTask["items"],
): Promise<RunOutcome> {
  // A server that is not there at all is a setup mistake: say so now, not after the pool has
  // waited out its outage window. (One live replica out of several is enough to start.)
  const live = await Promise.all(model.baseUrls.map((url) => probeEndpoint(url, apiKey)));
  if (!live.some(Boolean)) {
    throw new UserError(
      `no server answers at ${model.baseUrls.join(", ")} (GET /health and /v1/models failed). ` +
        `Is it running (e.g. vllm serve ${model.servedModel} --port 8000), and is the URL right (it usually ends in /v1)?`,
    );
  }
  const liveUrls = model.baseUrls.filter((_, i) => live[i]);
  const infos = await Promise.all(liveUrls.map((url) => fetchServerInfo(url, apiKey)));
  refuseUnservedName(liveUrls, infos, model.servedModel);
  const replicas = liveUrls.map((url, i) => ({ url, checkpoint: servedCheckpoint(infos[i].models, model.servedModel) }));
  if (!opts.allowDifferentCheckpoints) refuseMixedReplicas(replicas, model.servedModel);
  const server = infos[0];
  const checkpoint = replicas[0].checkpoint;
  if (opts.scoring === "generative") refuseImpossibleBudget(model, checkpoint?.max_model_len ?? null);
  // The checkpoint behind the served name, so a cache never mixes two checkpoints served under one name.
  const root = checkpoint?.root;
  const { cache, record: cacheRecord } = cacheFor(opts, identityOf(model, root));
  const dispatcher = createDispatcher(model, { apiKey, concurrency: opts.concurrency, maxRetries: opts.maxRetries, unavailableWaitMs: opts.unavailableWaitMs });
  try {
    return await executeRun({
      spec,
      tasks,
      outDir: opts.out,
      runId,
      answer: runAnswerer({ opts, model, prepare, logprobShots }, dispatcher, cache, cacheRecord, root),
      cache: cacheRecord,
      concurrency: dispatcher.concurrency,
      bootstrap: { resamples: opts.bootstrap, seed: opts.seed, level: DEFAULT_LEVEL },
      server,
      progress: createProgress(opts.progress),
      signal,
      allowDifferentCheckpoints: opts.allowDifferentCheckpoints,
      acceptErrors: opts.acceptErrors,
    });
  } finally {
    dispatcher.close();
  }
}

/** The checkpoint identity for the cache: from `serve:`, the weights' root (as served, or as given), or models.yaml's revision / fingerprint. */
export function identityOf(model: ModelSpec, root: string | null | undefined): CheckpointIdentity {
  const serve = model.serve ? parseServeConfig(model.name, model.serve) : null;
  return establishCheckpointIdentity({ serveModel: serve?.model, serveArgs: serve?.args, root, revision: model.revision, fingerprint: model.fingerprint });
}

/**
 * The run's answerer over `route` (the endpoint pool, or a batch file's recording or replay):
 * the scoring mode's answerer with the cache in front, cached samples tagged.
 */
export function runAnswerer(
  prepared: Pick<PreparedEvaluation, "opts" | "model" | "prepare" | "logprobShots">,
  route: AnswerRoute,
  cache: ResponseCache | null,
  cacheRecord: NonNullable<RunRecord["cache"]>,
  root: string | null | undefined,
): ItemAnswerer {
  const { opts, model, prepare, logprobShots } = prepared;
  const answer = answererFor(opts, model, route, prepare, cache, modelIdentity(model, root, cacheRecord.identity ?? ""), logprobShots);
  return tagCachedSamples(answer, cache ? cacheRecord.identity : null);
}

/** How items are answered: read from generated text, or from log-probabilities. */
function answererFor(
  opts: EvaluateOptions,
  model: ModelSpec,
  dispatcher: AnswerRoute,
  prepare: ReturnType<typeof messagesFor>,
  cache: ResponseCache | null,
  modelIdentity: string,
  logprobShots?: (task: PlannedTask, item: PlannedTask["items"][number]) => PlannedTask["items"],
): ItemAnswerer {
  if (opts.scoring === "loglikelihood") {
    return loglikelihoodAnswerer({ pool: dispatcher.pool, servedModel: model.servedModel, target: opts.logprobTarget ?? "letters", cache, modelIdentity, shots: logprobShots, tokenizeBaseUrl: model.baseUrls[0] });
  }
  if (opts.scoring === "first-token") {
    return firstTokenAnswerer({ pool: dispatcher.pool, servedModel: model.servedModel, buildBody: requestBody(model), systemPrompt: model.systemPrompt, cache, modelIdentity });
  }
  return generativeAnswerer({ dispatcher, buildBody: requestBody(model), prepare, cache, modelIdentity, answerFromReasoning: model.answerFromReasoning });
}

export function parseServeConfig(name: string, raw: Record<string, unknown>): ServeConfig {
  const parsed = ServeConfigSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new UserError(`models.yaml: models.${name}.serve.${issue.path.join(".")}: ${issue.message}`);
}

