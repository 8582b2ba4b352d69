// `hf:REPO@REVISION:PATH` trace sources: downloaded (and cached, sha256-verified) by the data
// room's Hub client, then read like a local file.
import { downloadHubFile, type HubDownload, type HubDownloadOptions, type HubFileRef } from "../data/hub-download.ts";

export { parseHubSource } from "../data/hub-source.ts";

export async function fetchHubTraceFile(ref: HubFileRef, options: HubDownloadOptions = {}): Promise<HubDownload> {
  return downloadHubFile(ref, { configuredIn: "medeval traces import", ...options });
}
