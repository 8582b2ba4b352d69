// Which weights answer, as far as medeval can tell: the response cache is read only under an
// identity tied to the weights, never under a served name or a path alone (a checkpoint
// retrained in place keeps both, and last week's answers would pass for this week's).
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { basename, isAbsolute, join, resolve } from "node:path";
import { createHash } from "node:crypto";
import { hashJson } from "../hash.ts";

/** How the identity was established, in words for run.json and the run's one line. */
export type CheckpointIdentity = { id: string; basis: string } | { id: null; why: string };

export interface IdentityInput {
  /** `serve.model` of a models.yaml entry medeval starts vLLM for (a path or Hub id), else undefined. */
  serveModel?: string;
  /** `serve.args`: a `--revision SHA` there pins a Hub id. */
  serveArgs?: readonly string[];
  /** `root` of the served name in the server's /v1/models (what vLLM was started on). */
  root: string | null | undefined;
  /** `revision:` from models.yaml: the Hub commit the user says the server loaded. */
  revision?: string;
  /** `fingerprint:` from models.yaml: a name the user vouches changes with the weights. */
  fingerprint?: string;
  /** Where a relative `serve.model` is resolved: medeval starts vLLM in its own working folder. */
  cwd?: string;
}

/** Files this size or smaller are hashed whole (configs, tokenizers); larger ones are sampled. */
const WHOLE_FILE_BYTES = 16 * 1024 * 1024;
/** Bytes read at each sampled offset of a large (weight) file. */
const SAMPLE_BYTES = 64 * 1024;
/** Offsets sampled per large file, from the first byte to the last: the header alone is the same for every checkpoint of one architecture. */
const SAMPLES_PER_FILE = 16;

const HUB_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;
const COMMIT_SHA = /^[0-9a-f]{40}$/;

/** What medeval tells from the checkpoint, in the order it trusts it: its own reading of the files, a pinned Hub commit, then the user's word. */
export function establishCheckpointIdentity(input: IdentityInput): CheckpointIdentity {
  const location = input.serveModel ?? input.root ?? null;
  // medeval started vLLM in its own working folder, so a relative serve.model names a folder
  // here; another server's relative root names a folder in that server's working folder.
  const local = location === null ? null : input.serveModel !== undefined ? resolve(input.cwd ?? process.cwd(), location) : isAbsolute(location) ? location : null;
  if (local !== null && existsSync(local)) {
    const files = fingerprintFiles(local);
    if ("fingerprint" in files) return { id: `files:${files.fingerprint}`, basis: `fingerprint of ${files.count} file(s) in ${local} (names, sizes, modification times, sampled bytes)` };
    if (!input.fingerprint) return { id: null, why: files.why };
  }
  const pinned = input.serveArgs ? argValue(input.serveArgs, "--revision") : undefined;
  const revision = pinned ?? input.revision;
  if (isHubId(location, local) && revision !== undefined && COMMIT_SHA.test(revision)) {
    return { id: `hub:${location}@${revision}`, basis: `Hub ${location} at commit ${revision} (${pinned ? "--revision in serve.args" : "revision: in models.yaml"})` };
  }
  if (input.fingerprint) return { id: `declared:${input.fingerprint}`, basis: `fingerprint: ${input.fingerprint} declared in models.yaml` };
  return { id: null, why: whyUnknown(location, local, input, revision) };
}

function whyUnknown(location: string | null, local: string | null, input: IdentityInput, revision: string | undefined): string {
  if (location === null) return "the server's /v1/models does not say which weights it serves";
  if (input.serveModel === undefined && !isAbsolute(location) && !HUB_ID.test(location)) return `the server names its weights by a relative path (${location}) in its own working folder, which medeval cannot see`;
  if (isHubId(location, local)) {
    return revision !== undefined
      ? `${location} is pinned to ${revision}, which is not a commit sha (a branch or tag moves)`
      : `${location} is a Hub id without a pinned commit (its main branch moves)`;
  }
  return `the weights at ${location} are not readable on this machine`;
}

/** A Hub id (org/name) that is not also a folder here. */
function isHubId(location: string | null, local: string | null): location is string {
  return location !== null && HUB_ID.test(location) && (local === null || !existsSync(local));
}

/** `--flag value` or `--flag=value` in an argument list. */
function argValue(args: readonly string[], flag: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === flag) return args[i + 1];
    if (args[i].startsWith(`${flag}=`)) return args[i].slice(flag.length + 1);
  }
  return undefined;
}

/**
 * A fingerprint of a checkpoint folder (or file) without reading all of it: per file, its
 * name, size, modification time and a hash of its bytes (whole for small files, sixteen
 * 64 KiB samples spread over a weight file). Sizes and headers alone are the same for two
 * fine-tunes of one architecture; a file rewritten in place gets a new modification time.
 */
export function fingerprintFiles(path: string): { fingerprint: string; count: number } | { why: string } {
  try {
    const top = statSync(path);
    const files = top.isDirectory()
      ? readdirSync(path)
          .sort()
          .map((name) => join(path, name))
          .filter((file) => statSync(file).isFile())
      : [path];
    if (files.length === 0) return { why: `${path} holds no files` };
    const entries = files.map((file) => {
      const st = statSync(file);
      return { name: basename(file), size: st.size, mtime_ms: Math.trunc(st.mtimeMs), bytes: sampledHash(file, st.size) };
    });
    return { fingerprint: hashJson(entries).slice(0, 32), count: files.length };
  } catch (err) {
    return { why: `the weights at ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
  }
}

function sampledHash(file: string, size: number): string {
  const hash = createHash("sha256");
  const fd = openSync(file, "r");
  try {
    const offsets = size <= WHOLE_FILE_BYTES ? [0] : Array.from({ length: SAMPLES_PER_FILE }, (_, i) => Math.floor((i * (size - SAMPLE_BYTES)) / (SAMPLES_PER_FILE - 1)));
    const length = size <= WHOLE_FILE_BYTES ? size : SAMPLE_BYTES;
    const buffer = Buffer.alloc(length);
    for (const offset of offsets) {
      const read = readSync(fd, buffer, 0, length, offset);
      hash.update(buffer.subarray(0, read));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
}
