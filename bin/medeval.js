#!/usr/bin/env node
// Launcher. Runs the harness bundled in dist/ (`npm run build`, which `npm ci` runs as
// `prepare`; see bin/build.mjs): bundled JavaScript starts in a fraction of the time tsx needs
// to compile the sources. dist/ is used only when no harness/*.ts is newer than the build
// (dist/build.json), so a source edited and not yet rebuilt is never run stale: then the
// sources run through tsx, with a note saying why start-up is slower. MEDEVAL_FROM_SOURCE=1
// asks for the sources without a note (the tests set it: they test the sources, not the build).
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(fileURLToPath(import.meta.url), "..", "..");
const sources = join(root, "harness");
const dist = join(root, "dist");

/** Why dist/ cannot be run (a sentence), or null when it is up to date with the sources. */
function staleReason() {
  let built;
  try {
    built = JSON.parse(readFileSync(join(dist, "build.json"), "utf8"));
  } catch {
    return "dist/ is not built";
  }
  if (!existsSync(join(dist, built.entry ?? "cli.js"))) return "dist/ is not built";
  const pending = [sources];
  while (pending.length > 0) {
    const dir = pending.pop();
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else if (entry.name.endsWith(".ts") && statSync(path).mtimeMs > built.started_ms) {
        return `${relative(root, path)} is newer than the build in dist/`;
      }
    }
  }
  return null;
}

const reason = process.env.MEDEVAL_FROM_SOURCE === "1" ? "" : staleReason();
if (reason === null) {
  await import(pathToFileURL(join(dist, "cli.js")).href);
} else {
  if (reason) process.stderr.write(`medeval: running the TypeScript sources (${reason}; \`npm run build\` makes start-up fast again)\n`);
  // tsx registered in-process, so signals (Ctrl-C) reach the harness directly.
  const { register } = await import("tsx/esm/api");
  register();
  await import(pathToFileURL(join(sources, "cli.ts")).href);
}
