// Where medeval keeps things on disk, from flags or the environment.
import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** $MEDEVAL_HOME, default ~/.medeval: Hub download cache, response cache, trace store. */
export function medevalHome(): string {
  const home = process.env.MEDEVAL_HOME;
  return home ? resolve(home) : join(homedir(), ".medeval");
}

/** --data-dir, else $MEDEVAL_DATA_DIR, else none (sources then come from the Hub). */
export function dataDir(flag?: string): string | undefined {
  const dir = flag ?? process.env.MEDEVAL_DATA_DIR;
  return dir ? resolve(dir) : undefined;
}
