// The `medeval` command. Each sub-command lives in harness/commands/<name>.ts and exports a
// yargs CommandModule as default; commands/_manifest.ts lists them. This file only wires them
// up and turns errors into messages for people.
import yargs, { type Argv } from "yargs";
import { hideBin } from "yargs/helpers";
import { COMMANDS, commandName } from "./commands/_manifest.ts";
import { UserError } from "./user-error.ts";
import { packageVersion } from "./package-root.ts";
import { skipHelpRendering } from "./commands/_skip-help.ts";

/**
 * Registers every command: the one named on the command line in full (its module imported),
 * the others by name and description only, which is all --help and "did you mean" need.
 */
async function registerCommands(parser: Argv, args: string[]): Promise<void> {
  const named = args.find((a) => !a.startsWith("-"));
  for (const entry of COMMANDS) {
    if (commandName(entry) === named) parser.command((await entry.load()).default);
    else parser.command(entry.command, entry.describe);
  }
}

/** What the file-system errors people meet mean, and what to do about them. */
const FS_ERRORS: Record<string, string> = {
  EACCES: "permission denied: check the owner and mode of the path, or choose another location",
  EPERM: "operation not permitted: check the owner and mode of the path, or choose another location",
  EROFS: "the file system is read-only: choose a writable location",
  ENOSPC: "no space left on the device: free some space, or choose another location",
  EDQUOT: "disk quota exceeded: free some space, or choose another location",
  ENOTDIR: "a part of the path is a file, not a folder: choose a folder",
  EEXIST: "a file is in the way where a folder is needed: remove it, or choose another path",
  EISDIR: "this is a folder where a file is needed: name a file",
  EMFILE: "too many open files: raise the limit (ulimit -n) or lower --concurrency",
};

export function reportError(err: unknown): number {
  if (err instanceof UserError) {
    process.stderr.write(`medeval: ${err.message}\n`);
    return err.exitCode;
  }
  // A file-system refusal is the environment, not a bug: say which path and what to do.
  const fsError = err as NodeJS.ErrnoException;
  if (typeof fsError?.code === "string" && fsError.code in FS_ERRORS) {
    const where = fsError.path ? `${fsError.path}: ` : "";
    process.stderr.write(`medeval: ${where}${fsError.syscall ? `cannot ${fsError.syscall}, ` : ""}${FS_ERRORS[fsError.code]} (${fsError.code})\n`);
    return 2;
  }
  const e = err as Error;
  process.stderr.write(`medeval: unexpected error: ${e?.message ?? String(err)}\n`);
  if (process.env.MEDEVAL_DEBUG) process.stderr.write(`${e?.stack ?? ""}\n`);
  else process.stderr.write("(set MEDEVAL_DEBUG=1 for the stack trace; please report this as a bug)\n");
  return 3;
}

/**
 * yargs takes a lone "-" for a positional, never for an option's value: `--out -` (standard
 * output, as tar and curl spell it) is passed on as `--out=-`, which it does read.
 */
function joinDashValues(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") return [...out, ...args.slice(i)];
    if (/^--[^=]+$/.test(arg) && args[i + 1] === "-") {
      out.push(`${arg}=-`);
      i++;
    } else out.push(arg);
  }
  return out;
}


/**
 * `medeval tasks | head`: the reader of standard output went away. Stop quietly, as Unix
 * tools do, instead of an unhandled EPIPE and its stack trace. Output goes to stdout only
 * once a command's work is written (run folders, journals), so nothing is lost.
 */
function quietOnClosedStdout(): void {
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
}

async function main(): Promise<void> {
  quietOnClosedStdout();
  const args = joinDashValues(hideBin(process.argv));
  const parser = yargs(args)
    .scriptName("medeval")
    .version(packageVersion())
    .usage("$0 <command> [options]\n\nEvaluate LLMs on multilingual medical multiple-choice QA.")
    .strict()
    .demandCommand(1, "Name a command: see `medeval --help`.")
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((msg, err) => {
      if (err) throw err;
      throw new UserError(`${msg}\nRun \`medeval --help\` for usage.`);
    });
  await registerCommands(parser, args);
  skipHelpRendering(parser);
  await parser.parseAsync();
}

main().catch((err) => {
  process.exitCode = reportError(err);
});
