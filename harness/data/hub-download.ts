// Hugging Face Hub file download with an on-disk cache under $MEDEVAL_HOME/hub/. Every file
// is hashed while it streams to disk, checked against the Hub's sha256 (the X-Linked-Etag
// of LFS/Xet files, or an ETag that is one), moved into place atomically and described by a
// sidecar JSON (repo, revision, resolved commit, path, sha256). A cached file is re-hashed
// before use, so a truncated or edited cache is never read as data.
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { medevalHome } from "../env.ts";
import { UserError } from "../types.ts";

export const HF_ENDPOINT = "https://huggingface.co";
const MAX_REDIRECTS = 5;

export interface HubFileRef {
  repo: string;
  /** Branch, tag or commit sha. */
  revision: string;
  /** Path of the file inside the repo. */
  path: string;
}

export interface HubDownloadOptions {
  /** $MEDEVAL_HOME by default. */
  home?: string;
  /** Injected in tests (a local server); global fetch otherwise. */
  fetch?: typeof fetch;
  /** $HF_TOKEN by default. */
  token?: string;
  /** $HF_ENDPOINT, else https://huggingface.co. */
  endpoint?: string;
  /** Use only the cache; never touch the network. */
  offline?: boolean;
  /** Where the request comes from, named in errors ("tasks/medqa.yaml"). */
  configuredIn?: string;
}

/** The sidecar next to each cached file. */
export interface HubFileRecord extends HubFileRef {
  /** Commit the revision resolved to (X-Repo-Commit), when the Hub said. */
  commit: string | null;
  sha256: string;
  etag: string | null;
  url: string;
  downloaded_at: string;
}

export interface HubDownload extends HubFileRecord {
  /** The cached file on disk. */
  file: string;
  /** True when the file came from the cache without a request. */
  cached: boolean;
}

export function hubFileUrl(ref: HubFileRef, endpoint = HF_ENDPOINT): string {
  const path = ref.path.split("/").map(encodeURIComponent).join("/");
  return `${endpoint.replace(/\/+$/, "")}/datasets/${ref.repo}/resolve/${encodeURIComponent(ref.revision)}/${path}`;
}

export function hubCachePath(ref: HubFileRef, home = medevalHome()): string {
  checkSafe(ref);
  return join(home, "hub", "datasets", ...ref.repo.split("/"), encodeURIComponent(ref.revision), ...ref.path.split("/"));
}

export async function downloadHubFile(ref: HubFileRef, options: HubDownloadOptions = {}): Promise<HubDownload> {
  const file = hubCachePath(ref, options.home ?? medevalHome());
  const sidecar = `${file}.medeval.json`;
  const cached = await readVerifiedCache(file, sidecar);
  if (cached) return { ...cached, file, cached: true };
  if (options.offline) {
    throw new UserError(
      `${describeRef(ref)} is not in the download cache (${file}) and --offline is set. ` +
        `Run once with network access, or pass --data-dir DIR with a local copy of the data.`,
    );
  }

  const endpoint = options.endpoint ?? process.env.HF_ENDPOINT ?? HF_ENDPOINT;
  const token = options.token ?? process.env.HF_TOKEN;
  const doFetch = options.fetch ?? fetch;
  const firstUrl = hubFileUrl(ref, endpoint);
  const origin = new URL(firstUrl).origin;

  let url = firstUrl;
  let commit: string | null = null;
  let linkedEtag: string | null = null;
  let etag: string | null = null;
  let response: Response;
  for (let hop = 0; ; hop++) {
    const headers: Record<string, string> = {};
    // The token goes to the Hub only, never to the CDN a redirect points at.
    if (token && new URL(url).origin === origin) headers.Authorization = `Bearer ${token}`;
    try {
      response = await doFetch(url, { headers, redirect: "manual" });
    } catch (err) {
      throw new UserError(
        `could not reach ${new URL(url).host} for ${describeRef(ref)} (${causeOf(err)}). ` +
          `If you are offline, pass --data-dir DIR with a local copy of the data (laid out like the task file's \`local\` paths).`,
      );
    }
    commit ??= response.headers.get("x-repo-commit");
    linkedEtag ??= response.headers.get("x-linked-etag");
    etag ??= response.headers.get("etag");
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      if (hop >= MAX_REDIRECTS) throw new UserError(`${describeRef(ref)}: too many redirects (last: ${url}).`);
      url = new URL(location, url).href;
      continue;
    }
    break;
  }
  if (!response.ok) throw await httpError(response, ref, firstUrl, options.configuredIn);
  if (!response.body) throw new UserError(`${describeRef(ref)}: the Hub answered ${response.status} with no body.`);

  const expected = sha256Of(linkedEtag) ?? sha256Of(etag);
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  let actual: string;
  try {
    actual = await streamToFile(response.body, temp);
  } catch (err) {
    await rm(temp, { force: true });
    throw new UserError(`${describeRef(ref)}: the download broke off (${causeOf(err)}). Run again; the cache was left unchanged.`);
  }
  if (expected && actual !== expected) {
    await rm(temp, { force: true });
    throw new UserError(
      `${describeRef(ref)}: sha256 mismatch: the Hub announced ${expected}, the downloaded bytes hash to ${actual}. ` +
        `The file was not cached; run again, and if it persists check the revision in the task file.`,
    );
  }
  const record: HubFileRecord = {
    repo: ref.repo,
    revision: ref.revision,
    path: ref.path,
    commit,
    sha256: actual,
    etag: linkedEtag ?? etag,
    url: firstUrl,
    downloaded_at: new Date().toISOString(),
  };
  await rename(temp, file);
  await writeAtomically(sidecar, `${JSON.stringify(record, null, 2)}\n`);
  return { ...record, file, cached: false };
}

export function describeRef(ref: HubFileRef): string {
  return `${ref.repo}@${ref.revision}:${ref.path}`;
}

async function readVerifiedCache(file: string, sidecar: string): Promise<HubFileRecord | null> {
  if (!existsSync(file) || !existsSync(sidecar)) return null;
  let record: HubFileRecord;
  try {
    record = JSON.parse(await readFile(sidecar, "utf8")) as HubFileRecord;
  } catch {
    return null;
  }
  if (typeof record.sha256 !== "string") return null;
  const actual = await hashFile(file);
  if (actual === record.sha256) return record;
  // A cache that no longer matches what was verified at download is dropped and fetched again.
  process.stderr.write(`medeval: cached ${file} does not match its recorded sha256; downloading it again\n`);
  await rm(file, { force: true });
  await rm(sidecar, { force: true });
  return null;
}

async function httpError(response: Response, ref: HubFileRef, url: string, configuredIn?: string): Promise<UserError> {
  const body = (await response.text().catch(() => "")).slice(0, 200).trim();
  const where = configuredIn ? ` in ${configuredIn}` : "";
  const detail = body ? ` (${body})` : "";
  switch (response.status) {
    case 401:
    case 403:
      return new UserError(
        `${describeRef(ref)}: the Hub refused access (HTTP ${response.status})${detail}. The dataset is gated or private: ` +
          `accept its terms on huggingface.co/datasets/${ref.repo} and set HF_TOKEN to a token of yours` +
          `${process.env.HF_TOKEN ? " (HF_TOKEN is set, but this token has no access)" : ""}.`,
      );
    case 404:
      return new UserError(
        `${describeRef(ref)}: Entry not found (HTTP 404 for ${url}). Check repo, revision and path${where}.`,
      );
    default:
      return new UserError(`${describeRef(ref)}: the Hub answered HTTP ${response.status}${detail} for ${url}. Try again later.`);
  }
}

async function streamToFile(body: ReadableStream<Uint8Array>, temp: string): Promise<string> {
  const hash = createHash("sha256");
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(Readable.fromWeb(body as import("node:stream/web").ReadableStream<Uint8Array>), tap, createWriteStream(temp));
  return hash.digest("hex");
}

export async function hashFile(file: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(file), hash);
  return hash.digest("hex");
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = `${file}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  await writeFile(temp, text);
  await rename(temp, file);
}

/** An ETag is a sha256 when it is 64 hex digits (LFS/Xet files); git blob etags are 40. */
function sha256Of(etag: string | null): string | null {
  if (!etag) return null;
  const bare = etag.replace(/^W\//, "").replace(/"/g, "").trim().toLowerCase();
  return /^[0-9a-f]{64}$/.test(bare) ? bare : null;
}

function checkSafe(ref: HubFileRef): void {
  const parts = [...ref.repo.split("/"), ...ref.path.split("/")];
  if (parts.some((p) => p === "" || p === "." || p === "..") || !/^[^/]+\/[^/]+$/.test(ref.repo)) {
    throw new UserError(`Hub source ${describeRef(ref)}: repo must be "owner/name" and path a relative file path without "..".`);
  }
}

function causeOf(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}
