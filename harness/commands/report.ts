// medeval report RESULTS --out report.html: one self-contained page with the tables and plots.
import type { CommandModule } from "yargs";
import { loadScores, tableFor } from "../report/build.ts";
import type { CiStyle } from "../report/format.ts";
import { renderHtmlReport } from "../report/render-html.ts";
import { forestPlotSvg } from "../report/render-svg.ts";
import { writeOutputFile } from "../report/write-output.ts";
import { UserError } from "../types.ts";

interface ReportArgs {
  results: string[];
  out: string;
  svg?: string;
  baseline?: string;
  ci: string;
  title?: string;
  alpha: number;
  bootstrap?: number;
  seed?: string;
  level: number;
  subjects: boolean;
  "allow-mixed-scoring": boolean;
}

const command: CommandModule<object, ReportArgs> = {
  command: "report <results..>",
  describe: "Self-contained HTML report (tables, aggregates, forest plot) of results folders",
  builder: (y) =>
    y
      .positional("results", { type: "string", array: true, demandOption: true, describe: "Results folders or run folders" })
      .option("out", { type: "string", default: "report.html", describe: "HTML file to write" })
      .option("svg", { type: "string", describe: "Also write the forest plot to this SVG file" })
      .option("baseline", { type: "string", describe: "MODEL:SETTING (or a row label) to show Δ against" })
      .option("ci", { choices: ["halfwidth", "interval"], default: "interval" })
      .option("title", { type: "string" })
      .option("alpha", { type: "number", default: 0.05 })
      .option("bootstrap", { type: "number", describe: "Bootstrap resamples (default: each run's own setting)" })
      .option("seed", { type: "string", describe: "Bootstrap seed (default: each run's own seed)" })
      .option("level", { type: "number", default: 0.95 })
      .option("subjects", { type: "boolean", default: false, describe: "One column per MMLU-medical subject" })
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
      subjects: args.subjects ? ("subjects" as const) : ("group" as const),
    };
    const scores = loadScores(args.results, opts);
    const model = tableFor(scores, opts);
    const html = renderHtmlReport(model, scores, { ci: args.ci as CiStyle, source: args.results.join(", "), ...(args.title ? { title: args.title } : {}) });
    writeOutputFile(args.out, html);
    if (args.svg) writeOutputFile(args.svg, forestPlotSvg(model), "--svg");
    process.stderr.write(`wrote ${args.out}${args.svg ? ` and ${args.svg}` : ""}\n`);
  },
};

export default command;
