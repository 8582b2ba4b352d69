// medeval table RESULTS...: the paper table (rows = model × setting, columns = task × language).
import type { CommandModule } from "yargs";
import { loadScores } from "../report/build.ts";
import { writeOutputFile } from "../report/write-output.ts";
import type { CiStyle } from "../report/format.ts";
import { renderTable, TABLE_FORMATS, type TableFormat } from "../report/render-table.ts";
import { tableStatOpts, tableStatOptions, type TableStatArgs } from "./_table-options.ts";

interface TableArgs extends TableStatArgs {
  results: string[];
  format: string;
  ci: string;
  out?: string;
}

const command: CommandModule<object, TableArgs> = {
  command: "table <results..>",
  describe: "Results table from run folders: accuracy with CIs, best per column, optional Δ against a baseline",
  builder: (y) =>
    tableStatOptions(y)
      .positional("results", { type: "string", array: true, demandOption: true, describe: "Results folders or run folders" })
      .option("format", { choices: TABLE_FORMATS, default: "terminal" })
      .option("ci", { choices: ["halfwidth", "interval"], default: "halfwidth", describe: "CI as ± half-width or [low, high]" })
      .option("out", { type: "string", describe: "Write to this file instead of stdout (- is stdout)" }),
  handler: (args) => {
    const opts = tableStatOpts(args);
    const scores = loadScores(args.results, opts);
    const ci = args.ci as CiStyle;
    const text = renderTable(scores, opts, args.format as TableFormat, { ci, color: !args.out && process.stdout.isTTY === true && !process.env.NO_COLOR });
    if (args.out) writeOutputFile(args.out, text);
    else process.stdout.write(text);
  },
};

export default command;
