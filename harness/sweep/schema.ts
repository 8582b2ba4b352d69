// sweep.yaml: the models × settings × tasks matrix of one comparison.
import { z } from "zod";
import { PROMPT_STYLES } from "../prompts/templates.ts";
import { SELECT_METHODS } from "../traces/select.ts";
import { ScoringModeSchema, SettingSchema } from "../types.ts";

/** An endpoint named in the sweep file itself (no models.yaml entry). */
const InlineModelSchema = z
  .object({
    name: z.string().min(1),
    base_urls: z.array(z.string().url()).min(1),
    served_model: z.string().min(1),
  })
  .strict();

/** A models.yaml entry by name, or an inline endpoint. */
export const SweepModelSchema = z.union([z.string().min(1), InlineModelSchema]);

export const SweepSettingSchema = z
  .object({
    setting: SettingSchema,
    prompt_style: z.enum(PROMPT_STYLES as unknown as [string, ...string[]]).optional(),
    scoring: ScoringModeSchema.optional(),
    shots: z.number().int().positive().optional(),
    select: z.enum(SELECT_METHODS as unknown as [string, ...string[]]).optional(),
    trace_lang: z.string().min(2).optional(),
    /** Only these models take this setting (e.g. fine-tuned for the fine-tuned models). */
    models: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();

/** The tables (and HTML report) written next to the results when the sweep ends. */
export const SWEEP_TABLE_FORMATS = ["markdown", "csv", "latex", "json", "terminal"] as const;
const ReportSchema = z
  .object({
    formats: z.array(z.enum(SWEEP_TABLE_FORMATS)).min(1).optional(),
    /** MODEL:SETTING (or a row label) that the Δ columns compare against. */
    baseline: z.string().min(1).optional(),
    html: z.boolean().optional(),
    ci: z.enum(["halfwidth", "interval"]).optional(),
  })
  .strict();
export type SweepReport = z.infer<typeof ReportSchema>;

const TasksSchema = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

export const SweepFileSchema = z
  .object({
    models_file: z.string().optional(),
    models: z.array(SweepModelSchema).min(1),
    settings: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, "a setting's name: letters, digits, _ . -"), SweepSettingSchema),
    tasks: TasksSchema,
    limit: z.number().int().positive().optional(),
    /** Models served at once, e.g. one per GPU (each `serve:` entry's env names its CUDA_VISIBLE_DEVICES). */
    parallel_models: z.number().int().positive().optional(),
    report: ReportSchema.optional(),
    /** Cells left out: every cell matching all fields given. */
    exclude: z.array(z.object({ model: z.string().optional(), setting: z.string().optional() }).strict()).optional(),
  })
  .strict();
export type SweepFile = z.infer<typeof SweepFileSchema>;
export type SweepSetting = z.infer<typeof SweepSettingSchema>;
