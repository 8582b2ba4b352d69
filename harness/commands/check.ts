// medeval check: the CI regression gate. Exit 0 pass, 1 regression, 2 bad input or not comparable.
import { resolve } from "node:path";
import type { CommandModule } from "yargs";
import { runCheck } from "../gate/check.ts";
import { DEFAULT_GATE_OPTIONS } from "../gate/decide.ts";
import { renderTerminal } from "../gate/terminal.ts";
import { writesToStdout } from "../report/write-output.ts";
import { UserError } from "../types.ts";

interface CheckArgs {
  baseline: string;
  candidate: string;
  "max-drop": number;
  alpha: number;
  strict: boolean;
  junit?: string;
  markdown?: string;
  "allow-mixed-scoring": boolean;
  bootstrap: number;
  seed: number;
  "max-error-rate": number;
}

const command: CommandModule<object, CheckArgs> = {
  command: "check",
  describe: "CI gate: fail when a candidate run is significantly worse than a committed baseline",
  builder: (y) =>
    y
      .option("baseline", { type: "string", demandOption: true, describe: "baseline file (medeval baseline save) or run folder" })
      .option("candidate", { type: "string", demandOption: true, describe: "candidate run folder (or a baseline file)" })
      .option("max-drop", { type: "number", default: DEFAULT_GATE_OPTIONS.maxDrop, describe: "tolerated drop in accuracy points" })
      .option("alpha", { type: "number", default: DEFAULT_GATE_OPTIONS.alpha, describe: "significance level (Holm-adjusted)" })
      .option("strict", { type: "boolean", default: false, describe: "fail whenever the CI's lower bound is below −max-drop" })
      .option("junit", { type: "string", describe: "write JUnit XML here (one test case per task)" })
      .option("markdown", { type: "string", describe: "write the Markdown summary here (also appended to $GITHUB_STEP_SUMMARY when set)" })
      .option("allow-mixed-scoring", { type: "boolean", default: false, describe: "compare runs made with different scoring modes" })
      .option("bootstrap", { type: "number", default: DEFAULT_GATE_OPTIONS.resamples, describe: "paired bootstrap resamples" })
      .option("seed", { type: "number", default: DEFAULT_GATE_OPTIONS.seed, describe: "bootstrap seed" })
      .option("max-error-rate", {
        type: "number",
        default: DEFAULT_GATE_OPTIONS.maxErrorRate,
        describe: "largest share (0–1) of a task's items whose request failed, on either side, for the task to be judged (else exit 2)",
      })
      .check((argv) => {
        if (!(argv["max-drop"] >= 0)) throw new UserError(`--max-drop must be a non-negative number of points, got ${argv["max-drop"]}`);
        if (!(argv.alpha > 0 && argv.alpha < 1)) throw new UserError(`--alpha must lie between 0 and 1, got ${argv.alpha}`);
        if (!Number.isInteger(argv.bootstrap) || argv.bootstrap < 100) throw new UserError(`--bootstrap must be an integer ≥ 100, got ${argv.bootstrap}`);
        if (!Number.isInteger(argv.seed)) throw new UserError(`--seed must be an integer, got ${argv.seed}`);
        const rate = argv["max-error-rate"];
        if (!(rate >= 0 && rate <= 1)) throw new UserError(`--max-error-rate must lie between 0 and 1 (a share of the items), got ${rate}`);
        return true;
      })
      .example("$0 check --baseline ci/baseline.json --candidate results/release-4 --junit junit.xml", ""),
  handler: (argv) => {
    const report = runCheck({
      baseline: resolve(argv.baseline),
      candidate: resolve(argv.candidate),
      options: {
        ...DEFAULT_GATE_OPTIONS,
        maxDrop: argv["max-drop"],
        alpha: argv.alpha,
        strict: argv.strict,
        resamples: argv.bootstrap,
        seed: argv.seed,
        maxErrorRate: argv["max-error-rate"],
      },
      allowMixedScoring: argv["allow-mixed-scoring"],
      junitFile: argv.junit,
      markdownFile: argv.markdown,
      stepSummaryFile: process.env.GITHUB_STEP_SUMMARY || undefined,
    });
    // A JUnit or Markdown file sent to standard output keeps it to itself.
    const toStdout = writesToStdout(argv.junit) || writesToStdout(argv.markdown);
    (toStdout ? process.stderr : process.stdout).write(renderTerminal(report));
    if (report.exitCode === 2) {
      throw new UserError(`cannot compare ${argv.candidate} with ${argv.baseline}:\n${report.problems.map((p) => `  - ${p}`).join("\n")}`, 2);
    }
    if (report.exitCode === 1) {
      const names = report.decision!.regressions.map((r) => r.name).join(", ");
      throw new UserError(`regression: ${names} (see the table above)`, 1);
    }
  },
};

export default command;
