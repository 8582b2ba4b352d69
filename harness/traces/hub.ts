// `hf:REPO@REVISION:PATH` trace sources: downloaded (and cached, sha256-verified) by the data
// room's Hub client, then read like a local file.
import { downloadHubFile, type HubDownload, type HubDownloadOptions, type HubFileRef } from "../data/hub-download.ts";
import { UserError } from "../types.ts";

/** Parses `hf:owner/name@revision:path/in/repo`; undefined for anything that is not an hf: source. */
export function parseHubSource(source: string): HubFileRef | undefined {
  if (!source.startsWith("hf:")) return undefined;
  const match = /^hf:([^@:\s]+\/[^@:\s]+)@([^:\s]+):(.+)$/.exec(source);
  if (!match) {
    throw new UserError(`${source}: expected hf:OWNER/NAME@REVISION:PATH, e.g. hf:org/traces@5f3c2a1:data/traces_it.parquet (pin REVISION to a commit).`);
  }
  return { repo: match[1], revision: match[2], path: match[3] };
}

export async function fetchHubTraceFile(ref: HubFileRef, options: HubDownloadOptions = {}): Promise<HubDownload> {
  return downloadHubFile(ref, { configuredIn: "medeval traces import", ...options });
}
