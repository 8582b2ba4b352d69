// The rooms of harness/ (DESIGN.md "Rooms") as a check: readers of the run record never reach
// into the runner, and the record and the endpoint pool stand on their own. A move that
// breaks a rule fails here with the file and the import that broke it.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const HARNESS = join(dirname(fileURLToPath(import.meta.url)), "..", "harness");

/** The rooms each room may import, beside the shared files at the top of harness/ (types.ts, hash.ts, …); the README's Development section lists the same. */
const MAY_IMPORT: Record<string, readonly string[]> = {
  runner: ["engine", "endpoints", "serve", "record", "prompts", "scoring", "stats", "tasks", "models", "traces"],
  endpoints: [],
  serve: ["endpoints"],
  record: ["stats", "engine"],
  engine: [],
  report: ["record", "stats", "tasks"],
  gate: ["record", "stats", "report"],
  view: ["record", "report", "prompts", "scoring"],
  scoring: [],
  stats: [],
  tasks: ["data"],
  data: [],
  models: ["traces"],
  prompts: ["models", "traces"],
  traces: ["data"],
  sweep: ["runner", "cluster", "serve", "endpoints", "record", "report", "stats", "tasks", "models", "prompts", "traces", "data"],
  corpus: ["data"],
  cluster: ["record"],
  jobs: ["endpoints", "models", "record"],
  translate: ["engine", "endpoints", "tasks", "models", "record", "jobs"],
  generate: ["engine", "endpoints", "tasks", "models", "record", "prompts", "scoring", "traces", "corpus", "jobs", "translate"],
};

/** Readers of the record: they read files, never a live run, so they never import runner/. */
const NEVER_RUNNER = ["cluster", "corpus", "engine", "report", "gate", "view", "record", "endpoints", "serve", "scoring", "stats"];

interface Edge {
  file: string;
  imported: string;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** Every relative import (static, type-only, re-export, dynamic) as harness-relative paths. */
function edges(): Edge[] {
  return sources(HARNESS).flatMap((path) => {
    const { importedFiles } = ts.preProcessFile(readFileSync(path, "utf8"), true, true);
    const file = relative(HARNESS, path);
    return importedFiles
      .filter((ref) => ref.fileName.startsWith("."))
      .map((ref) => ({ file, imported: normalize(join(dirname(file), ref.fileName)) }));
  });
}

/** The folder under harness/ a path is in, or null for the shared files at the top. */
function roomOf(path: string): string | null {
  const parts = path.split(/[\\/]/);
  return parts.length > 1 ? parts[0] : null;
}

const broken = (found: Edge[]) => found.map((e) => `${e.file} imports ${e.imported}`);

describe("rooms", () => {
  const all = edges();

  it("finds the imports it checks", () => {
    // A scan that found nothing would pass every rule below.
    expect(all.some((e) => e.file === join("report", "load.ts") && roomOf(e.imported) === "record")).toBe(true);
    expect(all.some((e) => e.file === join("runner", "evaluate.ts") && e.imported === join("serve", "serve.ts"))).toBe(true);
  });

  it.each(NEVER_RUNNER)("%s/ does not import runner/", (room) => {
    expect(broken(all.filter((e) => roomOf(e.file) === room && roomOf(e.imported) === "runner"))).toEqual([]);
  });

  it("commands/merge.ts does not import runner/ (merging reads and writes records only)", () => {
    expect(broken(all.filter((e) => e.file === join("commands", "merge.ts") && roomOf(e.imported) === "runner"))).toEqual([]);
  });

  it("every room has its rule", () => {
    // A new folder under harness/ gets a row above (and in the README) rather than no rule at all.
    const rooms = readdirSync(HARNESS, { withFileTypes: true }).filter((entry) => entry.isDirectory() && entry.name !== "commands");
    expect(rooms.map((entry) => entry.name).filter((room) => !(room in MAY_IMPORT)).sort()).toEqual([]);
  });

  it.each(Object.entries(MAY_IMPORT))("%s/ imports only the rooms it may (%j)", (room, allowed) => {
    const outside = all.filter((e) => {
      const target = roomOf(e.imported);
      return roomOf(e.file) === room && target !== null && target !== room && !allowed.includes(target);
    });
    expect(broken(outside)).toEqual([]);
  });
});
