// `hf:REPO@REVISION:PATH` sources on the command line (trace sets, passage corpora): one file
// of a Hub dataset repository at a pinned revision, downloaded by hub-download.ts.
import { UserError } from "../types.ts";
import type { HubFileRef } from "./hub-download.ts";

/** Parses `hf:owner/name@revision:path/in/repo`; undefined for anything that is not an hf: source. */
export function parseHubSource(source: string): HubFileRef | undefined {
  if (!source.startsWith("hf:")) return undefined;
  const match = /^hf:([^@:\s]+\/[^@:\s]+)@([^:\s]+):(.+)$/.exec(source);
  if (!match) {
    throw new UserError(`${source}: expected hf:OWNER/NAME@REVISION:PATH, e.g. hf:org/traces@5f3c2a1:data/traces_it.parquet (pin REVISION to a commit).`);
  }
  return { repo: match[1], revision: match[2], path: match[3] };
}
