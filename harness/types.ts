// The contract between rooms: an Item (a canonical question), a Sample (one answered item,
// one line of samples.jsonl) and a RunRecord (run.json). Typed once with zod, validated
// wherever they cross a file boundary, used everywhere else as plain data.
import { z } from "zod";

export const LETTERS = ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J"] as const;

export function letterOf(index: number): string {
  const letter = LETTERS[index];
  if (letter === undefined) throw new Error(`option index ${index} has no letter (at most ${LETTERS.length} options)`);
  return letter;
}

export function indexOfLetter(letter: string): number {
  return LETTERS.indexOf(letter.toUpperCase() as (typeof LETTERS)[number]);
}

/** A canonical multiple-choice question, whatever file or Hub dataset it came from. */
export const ItemSchema = z.object({
  /** Stable id inside its task (the source's id when it has one, else the row number). */
  id: z.string().min(1),
  question: z.string().min(1),
  /** Option texts in order; option i is labelled LETTERS[i]. */
  options: z.array(z.string()).min(2).max(LETTERS.length),
  /** Index of the correct option. */
  answer: z.number().int().nonnegative(),
  lang: z.string().min(2),
  subject: z.string().optional(),
  /** The source's own explanation of the answer (few-shot pools that have one); not part of the hash. */
  explanation: z.string().optional(),
  /** sha256 over the canonical JSON of question, options and answer: detects changed data. */
  hash: z.string(),
});
export type Item = z.infer<typeof ItemSchema>;

export const ChatMessageSchema = z.object({
  role: z.enum(["system", "user", "assistant"]),
  content: z.string(),
});
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

/**
 * What happened to one item.
 * - strict: the fixed answer line was found
 * - lenient: a looser pattern in en/it/es found a letter
 * - option_text: the answer was matched through an option's text
 * - unparsed: the model answered, but no answer could be found (scored wrong)
 * - reasoning_only: no content, the whole reply in `reasoning` (finish_reason stop: a reasoning
 *   parser that never saw </think>); not read unless the model sets answer_from_reasoning, scored
 *   wrong, counted apart so it is never a silent wrong answer
 * - truncated: the generation was cut (finish_reason "length" or an unclosed <think>): scored wrong, never read for an answer
 * - context_overflow: the prompt did not fit the model's context (HTTP 400): scored wrong, reported apart
 * - error: the request failed after retries: excluded from accuracy, reported as an error
 */
export const SampleStatusSchema = z.enum([
  "strict",
  "lenient",
  "option_text",
  "logprob",
  "unparsed",
  "reasoning_only",
  "truncated",
  "context_overflow",
  "error",
]);
export type SampleStatus = z.infer<typeof SampleStatusSchema>;

export const ScoringModeSchema = z.enum(["generative", "loglikelihood", "first-token"]);
export type ScoringMode = z.infer<typeof ScoringModeSchema>;

export const SettingSchema = z.enum(["zero-shot", "few-shot", "few-shot-traces", "fine-tuned"]);
export type Setting = z.infer<typeof SettingSchema>;

export const UsageSchema = z.object({
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  total_tokens: z.number(),
});
export type Usage = z.infer<typeof UsageSchema>;

/** One line of samples.jsonl: everything needed to audit, re-score or pair this item. */
export const SampleSchema = z.object({
  task: z.string(),
  item_id: z.string(),
  item_hash: z.string(),
  lang: z.string(),
  subject: z.string().optional(),
  messages: z.array(ChatMessageSchema),
  /** Raw message content as the server returned it (including any <think> block). */
  content: z.string().nullable(),
  /** reasoning ?? reasoning_content, as returned. */
  reasoning: z.string().nullable(),
  finish_reason: z.string().nullable(),
  usage: UsageSchema.nullable(),
  /** Extracted letter, or null. */
  answer: z.string().nullable(),
  gold: z.string(),
  status: SampleStatusSchema,
  correct: z.boolean(),
  /** For status "error" / "context_overflow": what went wrong. */
  error: z.string().optional(),
  latency_ms: z.number(),
  attempts: z.number().int(),
  endpoint: z.string().optional(),
  cached: z.boolean().optional(),
  /** For a cached reply: the checkpoint identity it was stored and read under (absent in runs made before the cache knew weights). */
  cache_identity: z.string().optional(),
  /** Trace ids used as few-shot examples, in prompt order. */
  shots: z.array(z.string()).optional(),
  /** Extra per-sample data a scoring mode records (option logprobs, letter mass, …). */
  scores: z.record(z.string(), z.unknown()).optional(),
  finished_at: z.string(),
});
export type Sample = z.infer<typeof SampleSchema>;

export const TaskSummarySchema = z.object({
  task: z.string(),
  family: z.string(),
  lang: z.string(),
  domain: z.enum(["in-domain", "out-of-domain"]),
  group: z.string().optional(),
  n: z.number().int(),
  /**
   * Items the run set out to answer (after --limit and --shard); n falls short of it when the
   * run stopped early. Absent in records written before it was kept: then it is n.
   */
  planned: z.number().int().optional(),
  /** Items scored (n minus errors). */
  scored: z.number().int(),
  correct: z.number().int(),
  accuracy: z.number().nullable(),
  ci_low: z.number().nullable(),
  ci_high: z.number().nullable(),
  strict: z.number().int(),
  lenient: z.number().int(),
  option_text: z.number().int(),
  /** Answers read from log-probabilities (loglikelihood / first-token scoring). */
  logprob: z.number().int(),
  unparsed: z.number().int(),
  /** Replies with the answer only in `reasoning` (content null), not read; absent in run.json files written before it existed. */
  reasoning_only: z.number().int().optional(),
  truncated: z.number().int(),
  context_overflow: z.number().int(),
  errors: z.number().int(),
  /** loglikelihood scoring: accuracy when option log-likelihoods are normalised by length (lm-evaluation-harness acc_norm). */
  acc_norm: z.number().nullable().optional(),
  acc_norm_ci_low: z.number().nullable().optional(),
  acc_norm_ci_high: z.number().nullable().optional(),
  /** first-token scoring: mean probability mass on the option letters (low = the model wanted to say something else). */
  letter_mass: z.number().nullable().optional(),
  /**
   * Samples answered from the response cache: how many, the checkpoint identities they were
   * read under, and how many carry none (cached before the cache knew weights). Absent when none.
   */
  from_cache: z.object({ samples: z.number().int(), identities: z.array(z.string()), untied: z.number().int() }).optional(),
});
export type TaskSummary = z.infer<typeof TaskSummarySchema>;

export const TaskSourceRecordSchema = z.object({
  task: z.string(),
  kind: z.enum(["local", "hub"]),
  /** Local path or Hub repo. */
  location: z.string(),
  revision: z.string().optional(),
  files: z.array(z.object({ path: z.string(), sha256: z.string() })),
  /** sha256 over the item hashes in order: the identity of the evaluated data. */
  items_hash: z.string(),
  n: z.number().int(),
});
export type TaskSourceRecord = z.infer<typeof TaskSourceRecordSchema>;

/**
 * The parameters every request of a run carried (sampling, chat template switches, the
 * fine-tuned format, the `serve:` identity). Known fields typed; others kept as written, so a
 * record from a newer medeval with a new field still reads.
 */
export const SpecParamsSchema = z.looseObject({
  temperature: z.number().optional(),
  top_p: z.number().optional(),
  max_tokens: z.number().int().optional(),
  seed: z.number().int().nullable().optional(),
  stop: z.array(z.string()).optional(),
  chat_template_kwargs: z.record(z.string(), z.unknown()).optional(),
  system_prompt: z.string().optional(),
  fine_tuned: z.record(z.string(), z.unknown()).optional(),
  answer_from_reasoning: z.boolean().optional(),
  serve: z.record(z.string(), z.unknown()).optional(),
});
export type SpecParams = z.infer<typeof SpecParamsSchema>;

/** few-shot: k questions of the benchmark's own pool split, with their answers or explanations. */
export const PoolFewShotSpecSchema = z.looseObject({
  source: z.literal("pool"),
  k: z.number().int(),
  sampler: z.string(),
  content: z.string(),
  format: z.string().optional(),
  pools: z.array(z.unknown()),
});

/** few-shot-traces: k reasoning traces from the trace store, chosen by bm25, embedding or at random. */
export const TraceFewShotSpecSchema = z.looseObject({
  k: z.number().int(),
  method: z.string(),
  trace_lang: z.string().nullable().optional(),
  format: z.string().optional(),
  allow_test_split_traces: z.boolean().optional(),
  store: z.unknown().optional(),
});

export const FewShotSpecSchema = z.union([PoolFewShotSpecSchema, TraceFewShotSpecSchema]);
export type FewShotSpec = z.infer<typeof FewShotSpecSchema>;
export type PoolFewShotSpec = z.infer<typeof PoolFewShotSpecSchema>;
export type TraceFewShotSpec = z.infer<typeof TraceFewShotSpecSchema>;

/** Which of the two few-shot settings a stored spec describes. */
export function isPoolFewShot(spec: FewShotSpec): spec is PoolFewShotSpec {
  return spec.source === "pool";
}

/** run.json: the run's spec, provenance and per-task results. */
export const RunRecordSchema = z.object({
  schema_version: z.literal(1),
  run_id: z.string(),
  /** Hash of everything that determines the requests (model, params, prompts, data). */
  spec_hash: z.string(),
  spec: z.object({
    model: z.string(),
    served_model: z.string(),
    base_urls: z.array(z.string()),
    setting: SettingSchema,
    scoring: ScoringModeSchema,
    prompt_style: z.string(),
    prompt_template_hash: z.string(),
    params: SpecParamsSchema,
    tasks: z.array(z.string()),
    limit: z.number().int().nullable(),
    seed: z.number().int(),
    shard: z.object({ index: z.number().int(), count: z.number().int() }).nullable(),
    fewshot: FewShotSpecSchema.nullable(),
  }),
  harness: z.object({ version: z.string(), git_commit: z.string().nullable(), node: z.string() }),
  sources: z.array(TaskSourceRecordSchema),
  server: z.object({
    models: z.unknown().nullable(),
    version: z.string().nullable(),
    /**
     * false: no server was asked (a batch import, --import-batch). `models` then lists the
     * model names the replies gave, with the checkpoint the user gave (--served-checkpoint,
     * else null) as their root. Absent: /v1/models and /version were queried live.
     */
    queried_live: z.boolean().optional(),
  }),
  bootstrap: z.object({ resamples: z.number().int(), seed: z.number().int(), level: z.number() }),
  timing: z.object({ started_at: z.string(), finished_at: z.string().nullable(), wall_seconds: z.number().nullable() }),
  usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number(), requests: z.number(), cached: z.number() }),
  /** Every planned item has an answer, or an errored sample whose error the user accepted (errors_accepted). */
  complete: z.boolean(),
  /** Whether the response cache was read, and under which checkpoint identity or why not (absent in older records). */
  cache: z
    .object({
      enabled: z.boolean(),
      identity: z.string().nullable(),
      /** How the identity was established, or why it could not be. */
      basis: z.string(),
    })
    .optional(),
  /**
   * The run was finished with --accept-errors: items whose request failed after retries count
   * as done for `complete`. They are still errors, left out of accuracy and shown as such.
   */
  errors_accepted: z.boolean().optional(),
  tasks: z.array(TaskSummarySchema),
});
export type RunRecord = z.infer<typeof RunRecordSchema>;

// In its own module so that cli.ts (and --version) need not load zod for it.
import { UserError } from "./user-error.ts";
export { UserError };
/**
 * A run that stopped but can be resumed. The runner knows no flags: the command that started
 * it prints the resume command (with the flags it was given) after `message`, then `after`.
 */
export class ResumableRunError extends UserError {
  constructor(
    message: string,
    readonly runId: string,
    readonly after = "",
    exitCode = 2,
  ) {
    super(message, exitCode);
    this.name = "ResumableRunError";
  }
}
