// Reads either side of a check from what the user named: a run folder, its run.json, or a
// baseline file.
import { existsSync, statSync } from "node:fs";
import { basename, dirname } from "node:path";
import { loadRun } from "../report/load.ts";
import { UserError } from "../types.ts";
import { baselineToSide, isBaselineJson, readJsonFile } from "./baseline.ts";
import { sideFromRun, type GateSide } from "./side.ts";

export function loadRunFolder(dir: string): GateSide {
  return sideFromRun(loadRun(dir));
}

/** A baseline file, a run folder, or a run folder's run.json. */
export function loadSide(path: string, role: "baseline" | "candidate"): GateSide {
  if (!existsSync(path)) throw new UserError(`${role} ${path} does not exist`);
  if (statSync(path).isDirectory()) return loadRunFolder(path);
  if (basename(path) === "run.json") return loadRunFolder(dirname(path));
  const json = readJsonFile(path, role);
  if (isBaselineJson(json)) return baselineToSide(json, path);
  throw new UserError(
    `${path}: not a medeval baseline (no "format": "medeval-baseline") and not a run folder. ` +
      "Name a baseline written by `medeval baseline save`, or a run folder.",
  );
}
