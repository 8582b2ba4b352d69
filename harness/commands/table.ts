// medeval table RESULTS...: the paper table (rows = model × setting, columns = task × language).
import type { CommandModule } from "yargs";
import { loadScores, tableFor } from "../report/build.ts";
import { writeOutputFile } from "../report/write-output.ts";
import type { CiStyle } from "../report/format.ts";
import { renderCsv, renderJson } from "../report/render-data.ts";
import { renderLatex } from "../report/render-latex.ts";
import { renderMarkdown, renderTerminal } from "../report/render-text.ts";
import type { SubjectColumns } from "../report/table-model.ts";
import { UserError } from "../types.ts";

interface TableArgs {
  results: string[];
  format: string;
  ci: string;
  baseline?: string;
  out?: string;
  alpha: number;
  bootstrap?: number;
  seed?: string;
  level: number;
  subjects: boolean;
  "allow-mixed-scoring": boolean;
}

const command: CommandModule<object, TableArgs> = {
  command: "table <results..>",
  describe: "Results table from run folders: accuracy with CIs, best per column, optional Δ against a baseline",
  builder: (y) =>
    y
      .positional("results", { type: "string", array: true, demandOption: true, describe: "Results folders or run folders" })
      .option("format", { choices: ["terminal", "markdown", "latex", "csv", "json"], default: "terminal" })
      .option("ci", { choices: ["halfwidth", "interval"], default: "halfwidth", describe: "CI as ± half-width or [low, high]" })
      .option("baseline", { type: "string", describe: "MODEL:SETTING (or a row label) to show Δ against, marked * when significant" })
      .option("out", { type: "string", describe: "Write to this file instead of stdout" })
      .option("alpha", { type: "number", default: 0.05, describe: "Significance level for the Δ marks (Holm-adjusted; McNemar per task, paired bootstrap for averages)" })
      .option("bootstrap", { type: "number", describe: "Bootstrap resamples (default: each run's own setting, as in its run.json)" })
      .option("seed", { type: "string", describe: "Bootstrap seed (default: each run's own seed, as in its run.json)" })
      .option("level", { type: "number", default: 0.95, describe: "Confidence level" })
      .option("subjects", { type: "boolean", default: false, describe: "One column per MMLU-medical subject instead of the group score" })
      .option("allow-mixed-scoring", { type: "boolean", default: false, describe: "Put runs scored in different modes (generative, loglikelihood, first-token) in one table" }),
  handler: (args) => {
    if (args.bootstrap !== undefined && !(Number.isInteger(args.bootstrap) && args.bootstrap > 0)) {
      throw new UserError(`--bootstrap must be a positive integer, got ${args.bootstrap}`);
    }
    if (!(args.level > 0 && args.level < 1)) throw new UserError(`--level must be in (0, 1), got ${args.level}`);
    if (!(args.alpha > 0 && args.alpha < 1)) throw new UserError(`--alpha must be in (0, 1), got ${args.alpha}`);
    const opts = {
      ...(args.bootstrap !== undefined ? { resamples: args.bootstrap } : {}),
      ...(args.seed !== undefined ? { seed: args.seed } : {}),
      level: args.level,
      alpha: args.alpha,
      ...(args.baseline ? { baseline: args.baseline } : {}),
      ...(args["allow-mixed-scoring"] ? { allowMixedScoring: true } : {}),
      subjects: (args.subjects ? "subjects" : "group") as SubjectColumns,
    };
    const scores = loadScores(args.results, opts);
    const ci = args.ci as CiStyle;
    let text: string;
    switch (args.format) {
      case "csv":
        text = renderCsv(tableFor(scores, opts, "both"), scores);
        break;
      case "json":
        text = renderJson(tableFor(scores, opts, "both"), scores);
        break;
      case "latex":
        text = renderLatex(tableFor(scores, opts), { ci });
        break;
      case "markdown":
        text = renderMarkdown(tableFor(scores, opts), { ci });
        break;
      default:
        text = renderTerminal(tableFor(scores, opts), { ci, color: !args.out && process.stdout.isTTY === true && !process.env.NO_COLOR });
    }
    if (args.out) writeOutputFile(args.out, text);
    else process.stdout.write(text);
  },
};

export default command;
