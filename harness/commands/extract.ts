// medeval extract: run the answer extractor over a JSONL file of model replies.
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { CommandModule } from "yargs";
import { STDOUT_PATH, writeOutputFile, writesToStdout } from "../report/write-output.ts";
import { extractJsonl, statusSummary } from "../scoring/extract-file.ts";
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
    const results = extractJsonl(readFileSync(input, "utf8"), argv.input);
    const body = results.map((r) => JSON.stringify(r)).join("\n") + (results.length > 0 ? "\n" : "");
    if (argv.out && !writesToStdout(argv.out) && !existsSync(dirname(resolve(argv.out)))) {
      throw new UserError(`--out ${argv.out}: folder ${dirname(resolve(argv.out))} does not exist`);
    }
    writeOutputFile(argv.out ?? STDOUT_PATH, body);
    process.stderr.write(`medeval extract: ${statusSummary(results)}\n`);
  },
};

export default command;
