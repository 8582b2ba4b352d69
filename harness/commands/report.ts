// medeval report RESULTS --out report.html: one self-contained page with the tables and plots.
import type { CommandModule } from "yargs";
import { loadScores, tableFor } from "../report/build.ts";
import type { CiStyle } from "../report/format.ts";
import { renderHtmlReport } from "../report/render-html.ts";
import { forestPlotSvg } from "../report/render-svg.ts";
import { writeOutputFile } from "../report/write-output.ts";
import { tableStatOpts, tableStatOptions, type TableStatArgs } from "./_table-options.ts";

interface ReportArgs extends TableStatArgs {
  results: string[];
  out: string;
  svg?: string;
  ci: string;
  title?: string;
}

const command: CommandModule<object, ReportArgs> = {
  command: "report <results..>",
  describe: "Self-contained HTML report (tables, aggregates, forest plot) of results folders",
  builder: (y) =>
    tableStatOptions(y)
      .positional("results", { type: "string", array: true, demandOption: true, describe: "Results folders or run folders" })
      .option("out", { type: "string", default: "report.html", describe: "HTML file to write; - for standard output" })
      .option("svg", { type: "string", describe: "Also write the forest plot to this SVG file" })
      .option("ci", { choices: ["halfwidth", "interval"], default: "interval" })
      .option("title", { type: "string" }),
  handler: (args) => {
    const opts = tableStatOpts(args);
    const scores = loadScores(args.results, opts);
    const model = tableFor(scores, opts);
    const html = renderHtmlReport(model, scores, { ci: args.ci as CiStyle, source: args.results.join(", "), ...(args.title ? { title: args.title } : {}) });
    writeOutputFile(args.out, html);
    if (args.svg) writeOutputFile(args.svg, forestPlotSvg(model), "--svg");
    process.stderr.write(`wrote ${args.out}${args.svg ? ` and ${args.svg}` : ""}\n`);
  },
};

export default command;
