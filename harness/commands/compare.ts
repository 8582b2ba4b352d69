// medeval compare A B: paired comparison of two systems on the items they share.
import type { CommandModule } from "yargs";
import { compareSystems } from "../report/comparison.ts";
import { renderComparison, type ComparisonFormat } from "../report/render-comparison.ts";
import { resolveSystem } from "../report/systems.ts";
import { writeOutputFile } from "../report/write-output.ts";
import { DEFAULT_COMPARISON } from "../stats/paired-compare.ts";
import { UserError } from "../types.ts";

interface CompareArgs {
  a: string;
  b: string;
  alpha: number;
  bootstrap: number;
  seed: string;
  level: number;
  format: string;
  out?: string;
  "allow-mixed-scoring": boolean;
}

const command: CommandModule<object, CompareArgs> = {
  command: "compare <a> <b>",
  describe: "Paired comparison of two runs: Δ accuracy with paired bootstrap CI, exact McNemar p per task, Holm across tasks and averages",
  builder: (y) =>
    y
      .positional("a", { type: "string", demandOption: true, describe: "Run folder, results folder with one model × setting, or RESULTS:MODEL:SETTING" })
      .positional("b", { type: "string", demandOption: true, describe: "The same for the other side" })
      .option("alpha", { type: "number", default: DEFAULT_COMPARISON.alpha, describe: "Significance level for the Holm-adjusted p-values" })
      .option("bootstrap", { type: "number", default: DEFAULT_COMPARISON.resamples, describe: "Bootstrap resamples" })
      .option("seed", { type: "string", default: String(DEFAULT_COMPARISON.seed), describe: "Bootstrap seed (same seed, same intervals)" })
      .option("level", { type: "number", default: DEFAULT_COMPARISON.level, describe: "Confidence level of the intervals" })
      .option("format", { choices: ["terminal", "markdown", "json"], default: "terminal" })
      .option("out", { type: "string", describe: "Write to this file instead of stdout (- is stdout)" })
      .option("allow-mixed-scoring", { type: "boolean", default: false, describe: "Compare runs with different spec.scoring (stated in the output)" }),
  handler: (args) => {
    if (!(args.alpha > 0 && args.alpha < 1)) throw new UserError(`--alpha must be in (0, 1), got ${args.alpha}`);
    if (!(Number.isInteger(args.bootstrap) && args.bootstrap >= 100)) throw new UserError(`--bootstrap must be a whole number ≥ 100, got ${args.bootstrap}`);
    if (!(args.level > 0 && args.level < 1)) throw new UserError(`--level must be in (0, 1), got ${args.level}`);
    const cmp = compareSystems(resolveSystem(args.a), resolveSystem(args.b), {
      resamples: args.bootstrap,
      seed: args.seed,
      level: args.level,
      alpha: args.alpha,
      allowMixedScoring: args["allow-mixed-scoring"],
    });
    const text = renderComparison(cmp, args.format as ComparisonFormat);
    if (args.out) writeOutputFile(args.out, text);
    else process.stdout.write(text);
  },
};

export default command;
