// yargs renders the whole help before a command runs, to print it on failure; medeval never
// prints it then, so the rendering (~0.15 s CPU per start) is skipped. A yargs upgrade that
// renamed the internals would silently bring the cost back: this test says so.
import yargs from "yargs";
import { describe, expect, it } from "vitest";
import { skipHelpRendering } from "../../harness/commands/_skip-help.ts";

function parserWithCountedHelp(skip: boolean): { run: () => Promise<void>; helps: () => number; ran: () => boolean } {
  let ran = false;
  const parser = yargs(["go", "--n", "3"]).command("go", "a command", (y) => y.option("n", { type: "number", describe: "a number" }), () => {
    ran = true;
  });
  const usage = (parser as unknown as { getInternalMethods: () => { getUsageInstance: () => { help: () => string } } }).getInternalMethods().getUsageInstance();
  let helps = 0;
  const help = usage.help.bind(usage);
  usage.help = () => {
    helps++;
    return help();
  };
  if (skip) skipHelpRendering(parser);
  return { run: async () => void (await parser.parseAsync()), helps: () => helps, ran: () => ran };
}

describe("start-up: the help text", () => {
  it("is rendered before a command runs unless skipped, and the command runs either way", async () => {
    const plain = parserWithCountedHelp(false);
    await plain.run();
    expect([plain.ran(), plain.helps()]).toEqual([true, 1]);
    const skipped = parserWithCountedHelp(true);
    await skipped.run();
    expect([skipped.ran(), skipped.helps()]).toEqual([true, 0]);
  });
});
