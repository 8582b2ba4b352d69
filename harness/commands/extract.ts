// medeval extract: run the answer extractor over a JSONL file of model replies.
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { CommandModule } from "yargs";
import { STDOUT_PATH, writeOutputFile, writesToStdout } from "../report/write-output.ts";
import { extractLine, statusSummary, type ExtractedLine } from "../scoring/extract-file.ts";
import { UserError } from "../types.ts";

interface ExtractArgs {
  input: string;
  out?: string;
}

const command: CommandModule<object, ExtractArgs> = {
  command: "extract",
  describe: "Extract answer letters from model replies (JSONL lines with text, options, optional id, lang, reasoning, finish_reason)",
  builder: (y) =>
    y
      .option("input", { type: "string", demandOption: true, describe: "JSONL file of model replies" })
      .option("out", { type: "string", describe: "JSONL file to write (default: stdout)" }),
  handler: (argv) => {
    const input = resolve(argv.input);
    if (!existsSync(input)) throw new UserError(`--input ${argv.input}: no such file`);
    if (statSync(input).isDirectory()) throw new UserError(`--input ${argv.input}: is a folder; name a JSONL file of model replies`);
    // A bad line is reported and skipped: one typo must not cost the extraction of the rest.
    const results: ExtractedLine[] = [];
    const bad: string[] = [];
    readFileSync(input, "utf8").split("\n").forEach((raw, i) => {
      if (raw.trim() === "") return;
      try {
        results.push(extractLine(raw, i + 1, argv.input));
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        bad.push(err.message);
      }
    });
    const body = results.map((r) => JSON.stringify(r)).join("\n") + (results.length > 0 ? "\n" : "");
    if (argv.out && !writesToStdout(argv.out) && !existsSync(dirname(resolve(argv.out)))) {
      throw new UserError(`--out ${argv.out}: folder ${dirname(resolve(argv.out))} does not exist`);
    }
    writeOutputFile(argv.out ?? STDOUT_PATH, body);
    for (const problem of bad) process.stderr.write(`medeval extract: skipped ${problem}\n`);
    process.stderr.write(`medeval extract: ${statusSummary(results)}\n`);
    if (bad.length > 0) {
      throw new UserError(`${argv.input}: ${bad.length} bad line(s) skipped (above); the output holds the ${results.length} other(s). Fix those lines and run again for a full file.`);
    }
  },
};

export default command;
