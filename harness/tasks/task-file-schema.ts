// The schema of a tasks/*.yaml file (one benchmark family), validated with zod so a typo
// becomes "tasks/medqa.yaml: languages.en.test.hub.revision: …" rather than a crash later.
import { z } from "zod";
import { FieldMapSchema } from "../data/field-map.ts";
import { PREPROCESSES } from "./preprocess.ts";

export { FieldMapSchema };

const name = z.string().regex(/^[a-z0-9_]+$/, "use lowercase letters, digits and _");
const fieldPath = z.string().min(1);

const FormatSchema = z.union([
  z.enum(["jsonl", "json", "csv", "parquet"]).transform((type) =>
    type === "csv" ? { type, header: true as boolean } : { type },
  ),
  z.strictObject({ type: z.literal("jsonl") }),
  z.strictObject({ type: z.literal("json"), records: fieldPath.optional() }),
  z.strictObject({
    type: z.literal("csv"),
    header: z.boolean(),
    columns: z.array(z.string().min(1)).min(1).optional(),
    delimiter: z.string().length(1).optional(),
  }),
  z.strictObject({ type: z.literal("parquet") }),
]);

const sourceShape = {
  path: z.string().min(1),
  format: FormatSchema,
  fields: FieldMapSchema.optional(),
  filter: z.record(z.string(), z.union([z.string(), z.number()]).transform(String)).optional(),
  preprocess: z
    .string()
    .refine((p) => p in PREPROCESSES, { message: `unknown preprocess; known: ${Object.keys(PREPROCESSES).join(", ")}` })
    .optional(),
  exclude: z.array(z.string().min(1)).min(1).optional(),
};

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, "a sha256: 64 lowercase hex digits");
/** sha256: the file's hash when it was registered (a translated split): a changed file is refused. */
const LocalSchema = z.strictObject({ ...sourceShape, sha256: sha256Hex.optional() });
const HubSchema = z.strictObject({
  ...sourceShape,
  repo: z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'expected "owner/name"'),
  revision: z.string().min(1),
});

const SplitSchema = z.strictObject({ local: LocalSchema.optional(), hub: HubSchema.optional() });

/** Item counts the source's own card gives, shown by `medeval tasks` when no local copy is there to count. */
const SizeSchema = z.strictObject({ test: z.number().int().positive().optional(), pool: z.number().int().positive().optional() });

const LanguageSchema = z.strictObject({
  test: SplitSchema.optional(),
  pool: SplitSchema.optional(),
  /** The benchmark's training split: questions to generate traces for (never evaluated, never shots). */
  train: SplitSchema.optional(),
  size: SizeSchema.optional(),
  /** Free text shown to people (e.g. why there is no source). */
  note: z.string().optional(),
});

export const TaskFileSchema = z.strictObject({
  family: name,
  title: z.string().optional(),
  description: z.string().optional(),
  domain: z.enum(["in-domain", "out-of-domain"]),
  /** The data's licence as its card states it (SPDX id where there is one: MIT, CC-BY-4.0 …). */
  license: z.string().min(1).optional(),
  group: name.optional(),
  /** One task per subject and language ("mmlu_medical.anatomy.it"); `{subject}` is substituted in paths and filters. */
  subjects: z.array(name).min(1).optional(),
  /** Default field map for every source that does not give its own. */
  fields: FieldMapSchema.optional(),
  /**
   * Which of the benchmark's own splits the test source is (MedMCQA evaluates its validation
   * split: dev), so traces written for that split's questions are known as test questions.
   */
  evaluated_split: z.enum(["dev", "test"]).default("test"),
  languages: z.record(z.string().regex(/^[a-z]{2,3}$/, "use a 2-3 letter language code"), LanguageSchema.nullable()),
});

export type TaskFile = z.infer<typeof TaskFileSchema>;
export type TaskFileSource = z.infer<typeof LocalSchema> & { repo?: string; revision?: string };

/**
 * A file of the local task folder (<data-dir>/tasks.local/): language sources added to a family
 * of tasks/*.yaml (a translated split), or, with `variant`, tasks "family.lang@variant" beside it.
 */
export const LocalTaskFileSchema = z.strictObject({
  family: name,
  variant: name.optional(),
  /** The subject of a family with subjects (mmlu_medical) whose sources this file adds. */
  subject: name.optional(),
  description: z.string().optional(),
  languages: z.record(z.string().regex(/^[a-z]{2,3}$/, "use a 2-3 letter language code"), LanguageSchema),
});

export type LocalTaskFile = z.infer<typeof LocalTaskFileSchema>;
