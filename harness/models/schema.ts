// models.yaml: which endpoints to evaluate and how to talk to them.
import { z } from "zod";

export const GenerationParamsSchema = z
  .object({
    temperature: z.number().min(0).max(2),
    top_p: z.number().gt(0).max(1),
    max_tokens: z.number().int().positive(),
    seed: z.number().int().nullable(),
    top_k: z.number().int().optional(),
    min_p: z.number().min(0).max(1).optional(),
    repetition_penalty: z.number().positive().max(2).optional(),
    presence_penalty: z.number().min(-2).max(2).optional(),
    frequency_penalty: z.number().min(-2).max(2).optional(),
    stop: z.array(z.string()).optional(),
  })
  .strict();
export type GenerationParams = z.infer<typeof GenerationParamsSchema>;

export const DEFAULT_PARAMS: GenerationParams = { temperature: 0, top_p: 1, max_tokens: 4096, seed: 1234 };

/**
 * Sampling parameters sent with their neutral value unless the user sets them. vLLM fills a
 * field a request leaves out from the checkpoint's generation_config.json (`--generation-config
 * auto`, its default), so "temperature 0" would decode differently on two checkpoints (a
 * repetition_penalty of 1.05 changes greedy output too). top_k -1 is "off" on every vLLM
 * version (current ones prefer 0 but accept -1; older ones refuse 0).
 */
export const NEUTRAL_SAMPLING = { top_k: -1, min_p: 0, repetition_penalty: 1, presence_penalty: 0, frequency_penalty: 0 } as const;

/** Every sampling parameter a chat request carries: the user's where set, else neutral. */
export function samplingParams(p: GenerationParams): Record<"temperature" | "top_p" | keyof typeof NEUTRAL_SAMPLING, number> {
  return {
    temperature: p.temperature,
    top_p: p.top_p,
    top_k: p.top_k ?? NEUTRAL_SAMPLING.top_k,
    min_p: p.min_p ?? NEUTRAL_SAMPLING.min_p,
    repetition_penalty: p.repetition_penalty ?? NEUTRAL_SAMPLING.repetition_penalty,
    presence_penalty: p.presence_penalty ?? NEUTRAL_SAMPLING.presence_penalty,
    frequency_penalty: p.frequency_penalty ?? NEUTRAL_SAMPLING.frequency_penalty,
  };
}

/**
 * How a model's reasoning comes back: in a separate `reasoning`/`reasoning_content` field
 * (vLLM with --reasoning-parser), inline as <think>…</think> in the content, or not at all.
 * Either way the harness reads both places; this records what to expect.
 */
export const ReasoningModeSchema = z.enum(["none", "field", "think-tags"]);

/** The prompt format a fine-tuned model was trained on; evaluated zero-shot with it. */
export const FineTunedFormatSchema = z
  .object({
    system_prompt: z.string().optional(),
    /** Template for the user turn: {question} and {options} are filled in. */
    user_template: z.string().optional(),
    /** The answer label the model was trained to end with, e.g. "Answer" or "Risposta". */
    answer_label: z.string().optional(),
    thinks: ReasoningModeSchema.default("none"),
  })
  .strict();
export type FineTunedFormat = z.infer<typeof FineTunedFormatSchema>;

export const ModelEntrySchema = z
  .object({
    kind: z.enum(["chat", "embeddings"]).default("chat"),
    base_urls: z.array(z.string().url()).min(1).optional(),
    served_model: z.string().min(1),
    /** Name of the environment variable holding the API key (never the key itself). */
    api_key_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name, not a key").optional(),
    params: GenerationParamsSchema.partial().optional(),
    chat_template_kwargs: z.record(z.string(), z.unknown()).optional(),
    system_prompt: z.string().optional(),
    reasoning: ReasoningModeSchema.default("none"),
    /**
     * Read the answer from `reasoning` when the server returns no content (a reasoning parser
     * that saw no </think>: thinking skipped, or a parser on a model that does not think).
     */
    answer_from_reasoning: z.boolean().optional(),
    max_concurrency: z.number().int().positive().optional(),
    timeout_s: z.number().positive().optional(),
    fine_tuned: FineTunedFormatSchema.optional(),
    /** `vllm serve` settings: medeval starts the server itself (validated by the runner). */
    serve: z.record(z.string(), z.unknown()).optional(),
    /** The Hub commit the server loaded (a Hub id in /v1/models' root): ties cached answers to those weights. */
    revision: z.string().regex(/^[0-9a-f]{40}$/, "must be a Hub commit sha (40 hex digits); a branch or tag moves, so cached answers could not be tied to weights").optional(),
    /** Any name that changes whenever the weights do (a build id, a checksum): ties cached answers to the weights when medeval cannot read them. */
    fingerprint: z.string().min(1).optional(),
  })
  .strict();
export type ModelEntry = z.infer<typeof ModelEntrySchema>;

export const ModelsFileSchema = z
  .object({
    defaults: z
      .object({
        params: GenerationParamsSchema.partial().optional(),
        max_concurrency: z.number().int().positive().optional(),
        timeout_s: z.number().positive().optional(),
      })
      .strict()
      .optional(),
    models: z.record(z.string().regex(/^[A-Za-z0-9_.:-]+$/, "model names use letters, digits, _ . : -"), ModelEntrySchema),
  })
  .strict();
export type ModelsFile = z.infer<typeof ModelsFileSchema>;

/** A model ready to run: file entry merged with defaults and command-line overrides. */
export interface ModelSpec {
  name: string;
  kind: "chat" | "embeddings";
  baseUrls: string[];
  servedModel: string;
  apiKeyEnv?: string;
  params: GenerationParams;
  chatTemplateKwargs?: Record<string, unknown>;
  systemPrompt?: string;
  reasoning: "none" | "field" | "think-tags";
  /** Read the answer from `reasoning` when content is null (models.yaml answer_from_reasoning). */
  answerFromReasoning?: boolean;
  maxConcurrency: number;
  timeoutMs: number;
  fineTuned?: FineTunedFormat;
  serve?: Record<string, unknown>;
  revision?: string;
  fingerprint?: string;
}
