// commands/_manifest.ts must name every command module, with the module's own command and
// description (--help lists the manifest's, the parser uses the module's).
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { COMMANDS, commandName } from "../../harness/commands/_manifest.ts";

const COMMANDS_DIR = resolve(import.meta.dirname, "..", "..", "harness", "commands");

describe("command manifest", () => {
  it("has one entry per file in harness/commands/ (files starting with _ are helpers)", async () => {
    const files = readdirSync(COMMANDS_DIR).filter((f) => f.endsWith(".ts") && !f.startsWith("_"));
    const listed = new Set(await Promise.all(COMMANDS.map(async (e) => (await e.load()).default)));
    const missing: string[] = [];
    for (const file of files) {
      const mod = (await import(pathToFileURL(join(COMMANDS_DIR, file)).href)) as { default: unknown };
      if (!listed.has(mod.default as never)) missing.push(file);
    }
    expect(missing, "add an entry for each to harness/commands/_manifest.ts").toEqual([]);
    expect(COMMANDS.length).toBe(files.length);
  });

  it("repeats each module's command and description exactly", async () => {
    for (const entry of COMMANDS) {
      const mod = (await entry.load()).default;
      expect({ command: entry.command, describe: entry.describe }).toEqual({ command: mod.command, describe: mod.describe });
    }
  });

  it("names each command once", () => {
    const names = COMMANDS.map(commandName);
    expect(new Set(names).size).toBe(names.length);
  });
});
