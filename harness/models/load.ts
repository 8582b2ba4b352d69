// Loading models.yaml into ModelSpecs, with errors that name the file, line and field.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { isNode, LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { UserError } from "../types.ts";
import { DEFAULT_PARAMS, GenerationParamsSchema, ModelsFileSchema, type GenerationParams, type ModelSpec, type ModelsFile } from "./schema.ts";

/** A validated YAML file with the line of any field in it (for checks beyond the schema). */
export interface LoadedYaml<T> {
  data: T;
  /** "file:line" of the node at path (or its nearest parent), for error messages. */
  where(path: (string | number)[]): string;
}

/** Parse a YAML file and validate it; zod issues are reported with their line numbers. */
export function loadYamlFile<T>(file: string, schema: z.ZodType<T>, what: string): T {
  return loadYamlWithLines(file, schema, what).data;
}

/** loadYamlFile, keeping the document so later checks can name a field's line too. */
export function loadYamlWithLines<T>(file: string, schema: z.ZodType<T>, what: string): LoadedYaml<T> {
  if (!existsSync(file)) throw new UserError(`${what} not found: ${file}`);
  const text = readFileSync(file, "utf8");
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = e.linePos?.[0]?.line;
    throw new UserError(`${file}${line ? `:${line}` : ""}: invalid YAML: ${e.message.split("\n")[0]}`);
  }
  const where = (path: (string | number)[]): string => {
    const node = findNode(doc, path.map(String));
    const line = node !== undefined ? lineCounter.linePos(node).line : undefined;
    return `${file}${line ? `:${line}` : ""}`;
  };
  const parsed = schema.safeParse(doc.toJS());
  if (parsed.success) return { data: parsed.data, where };
  const problems = parsed.error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.map(String);
    return `  ${where(path)}: ${path.join(".") || "(top level)"}: ${issue.message}`;
  });
  throw new UserError(`${what} ${file} is not valid:\n${problems.join("\n")}`);
}

function findNode(doc: ReturnType<typeof parseDocument>, path: string[]): number | undefined {
  // Walk up the path until a node exists (a missing field is reported at its parent).
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) return node.range[0];
  }
  return undefined;
}

export function defaultModelsFile(): string {
  return resolve(process.env.MEDEVAL_MODELS ?? "models.yaml");
}

export function loadModelsFile(file = defaultModelsFile()): ModelsFile {
  return loadYamlFile(file, ModelsFileSchema, "models file");
}

export interface ModelOverrides {
  modelUrl?: string[];
  servedModel?: string;
  apiKeyEnv?: string;
  params?: Partial<GenerationParams>;
  maxConcurrency?: number;
  timeoutS?: number;
}

/**
 * The model to run: a named entry of models.yaml, or (with --model-url and --served-model)
 * an endpoint named on the command line. Flags override the file.
 */
export function resolveModel(name: string | undefined, overrides: ModelOverrides, file?: string): ModelSpec {
  const path = file ?? defaultModelsFile();
  const direct = overrides.modelUrl && overrides.modelUrl.length > 0;
  if (file && name && !direct && !existsSync(file)) throw new UserError(`models file not found: ${file} (named with --models-file)`);
  if (!name && !direct) {
    throw new UserError("name a model: --model NAME (an entry of models.yaml) or --model-url URL --served-model NAME");
  }
  const models = existsSync(path) ? loadModelsFile(path) : undefined;
  const entry = name ? models?.models[name] : undefined;
  if (name && !entry && !direct) {
    const known = models ? Object.keys(models.models).join(", ") : "(no models file)";
    throw new UserError(`model "${name}" is not in ${path}. Known models: ${known}. Add it there, or pass --model-url and --served-model.`);
  }
  if (entry && entry.kind !== "chat") {
    throw new UserError(`model "${name}" in ${path} is an embeddings model; name a chat model to evaluate.`);
  }
  const defaults = models?.defaults;
  const baseUrls = direct ? overrides.modelUrl! : entry?.base_urls;
  if (!baseUrls || baseUrls.length === 0) {
    if (entry?.serve) {
      // The server is started by medeval; its URL is known once it runs.
      return buildSpec(name!, [], entry, defaults, overrides);
    }
    throw new UserError(`model "${name}" in ${path} has no base_urls; add one (e.g. http://localhost:8000/v1) or pass --model-url.`);
  }
  const servedModel = overrides.servedModel ?? entry?.served_model;
  if (!servedModel) throw new UserError("--model-url needs --served-model NAME (the name vLLM serves, see GET /v1/models)");
  return buildSpec(name ?? servedModel, baseUrls.map(normaliseBaseUrl), entry, defaults, { ...overrides, servedModel });
}

function buildSpec(
  name: string,
  baseUrls: string[],
  entry: ModelsFile["models"][string] | undefined,
  defaults: ModelsFile["defaults"],
  overrides: ModelOverrides,
): ModelSpec {
  const params: GenerationParams = {
    ...DEFAULT_PARAMS,
    ...defaults?.params,
    ...entry?.params,
    ...stripUndefined(overrides.params ?? {}),
  };
  // The file was validated on load; the flags (--temperature -1, --max-tokens 0) were not.
  const checked = GenerationParamsSchema.safeParse(params);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const field = String(issue.path[0]);
    const flag = `--${field.replaceAll("_", "-")}`;
    throw new UserError(`${flag} ${String(params[field as keyof GenerationParams])}: ${issue.message}`);
  }
  return {
    name,
    kind: "chat",
    baseUrls,
    servedModel: overrides.servedModel ?? entry!.served_model,
    apiKeyEnv: overrides.apiKeyEnv ?? entry?.api_key_env,
    params,
    chatTemplateKwargs: entry?.chat_template_kwargs,
    // fine_tuned.system_prompt belongs to the fine-tuned setting only (buildFineTunedMessages).
    systemPrompt: entry?.system_prompt,
    reasoning: entry?.reasoning ?? "none",
    ...(entry?.answer_from_reasoning ? { answerFromReasoning: true } : {}),
    maxConcurrency: overrides.maxConcurrency ?? entry?.max_concurrency ?? defaults?.max_concurrency ?? 32,
    timeoutMs: 1000 * (overrides.timeoutS ?? entry?.timeout_s ?? defaults?.timeout_s ?? 900),
    fineTuned: entry?.fine_tuned,
    serve: entry?.serve,
    revision: entry?.revision,
    fingerprint: entry?.fingerprint,
  };
}

/** Accept http://host:8000 as well as http://host:8000/v1 (what the openai SDK wants). */
export function normaliseBaseUrl(url: string): string {
  const trimmed = url.replace(/\/+$/, "");
  return /\/v\d+$/.test(trimmed) ? trimmed : `${trimmed}/v1`;
}

function stripUndefined<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The API key for a model, read from the environment variable it names. */
export function apiKeyFor(spec: ModelSpec): string | undefined {
  if (!spec.apiKeyEnv) return undefined;
  const key = process.env[spec.apiKeyEnv];
  if (!key) throw new UserError(`model "${spec.name}" reads its API key from $${spec.apiKeyEnv}, which is not set. Export it, or remove api_key_env from models.yaml.`);
  return key;
}
