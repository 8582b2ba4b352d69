// Options shared by `medeval table` and `medeval report`: which statistics a table shows and
// how they are computed. (A leading "_" keeps this file out of the command list.)
import type { Argv } from "yargs";
import type { SubjectColumns } from "../report/table-model.ts";
import { DEFAULT_COMPARISON } from "../stats/paired-compare.ts";
import { UserError } from "../types.ts";

export interface TableStatArgs {
  baseline?: string;
  alpha: number;
  bootstrap?: number;
  seed?: string;
  level: number;
  subjects: boolean;
  "allow-mixed-scoring": boolean;
}

export function tableStatOptions<T>(y: Argv<T>) {
  return y
    .option("baseline", { type: "string", describe: "MODEL:SETTING (or a row label) to show Δ against, marked * when significant" })
    .option("alpha", { type: "number", default: DEFAULT_COMPARISON.alpha, describe: "Significance level for the Δ marks (Holm-adjusted; McNemar per task, paired bootstrap for averages)" })
    .option("bootstrap", { type: "number", describe: "Bootstrap resamples (default: each run's own setting, as in its run.json)" })
    .option("seed", { type: "string", describe: "Bootstrap seed (default: each run's own seed, as in its run.json)" })
    .option("level", { type: "number", default: DEFAULT_COMPARISON.level, describe: "Confidence level" })
    .option("subjects", { type: "boolean", default: false, describe: "One column per MMLU-medical subject instead of the group score" })
    .option("allow-mixed-scoring", { type: "boolean", default: false, describe: "Put runs scored in different modes (generative, loglikelihood, first-token) in one table" });
}

/** Validated options for loadScores/tableFor. */
export function tableStatOpts(args: TableStatArgs) {
  if (args.bootstrap !== undefined && !(Number.isInteger(args.bootstrap) && args.bootstrap >= 100)) {
    throw new UserError(`--bootstrap must be a whole number ≥ 100, got ${args.bootstrap}`);
  }
  if (!(args.level > 0 && args.level < 1)) throw new UserError(`--level must be in (0, 1), got ${args.level}`);
  if (!(args.alpha > 0 && args.alpha < 1)) throw new UserError(`--alpha must be in (0, 1), got ${args.alpha}`);
  return {
    ...(args.bootstrap !== undefined ? { resamples: args.bootstrap } : {}),
    ...(args.seed !== undefined ? { seed: args.seed } : {}),
    level: args.level,
    alpha: args.alpha,
    ...(args.baseline ? { baseline: args.baseline } : {}),
    ...(args["allow-mixed-scoring"] ? { allowMixedScoring: true } : {}),
    subjects: (args.subjects ? "subjects" : "group") as SubjectColumns,
  };
}
