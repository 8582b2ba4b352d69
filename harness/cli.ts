// The `medeval` command. Each sub-command lives in harness/commands/<name>.ts and exports a
// yargs CommandModule as default; this file only wires them up and turns errors into
// messages for people.
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import yargs, { type CommandModule } from "yargs";
import { hideBin } from "yargs/helpers";
import { UserError } from "./types.ts";

const commandsDir = join(dirname(fileURLToPath(import.meta.url)), "commands");

async function loadCommands(): Promise<CommandModule[]> {
  const files = readdirSync(commandsDir)
    .filter((f) => f.endsWith(".ts") && !f.startsWith("_"))
    .sort();
  const modules: CommandModule[] = [];
  for (const file of files) {
    const mod = (await import(pathToFileURL(join(commandsDir, file)).href)) as { default?: CommandModule };
    if (mod.default) modules.push(mod.default);
  }
  return modules;
}

export function reportError(err: unknown): number {
  if (err instanceof UserError) {
    process.stderr.write(`medeval: ${err.message}\n`);
    return err.exitCode;
  }
  const e = err as Error;
  process.stderr.write(`medeval: unexpected error: ${e?.message ?? String(err)}\n`);
  if (process.env.MEDEVAL_DEBUG) process.stderr.write(`${e?.stack ?? ""}\n`);
  else process.stderr.write("(set MEDEVAL_DEBUG=1 for the stack trace; please report this as a bug)\n");
  return 3;
}

async function main(): Promise<void> {
  const parser = yargs(hideBin(process.argv))
    .scriptName("medeval")
    .usage("$0 <command> [options]\n\nEvaluate LLMs on multilingual medical multiple-choice QA.")
    .strict()
    .demandCommand(1, "Name a command: see `medeval --help`.")
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((msg, err) => {
      if (err) throw err;
      throw new UserError(`${msg}\nRun \`medeval --help\` for usage.`);
    });
  for (const command of await loadCommands()) parser.command(command);
  await parser.parseAsync();
}

main().catch((err) => {
  process.exitCode = reportError(err);
});
