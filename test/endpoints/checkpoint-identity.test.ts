import { mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { establishCheckpointIdentity, fingerprintFiles } from "../../harness/endpoints/checkpoint-identity.ts";
import { tempDir } from "../helpers.ts";

const SHA = "0123456789abcdef0123456789abcdef01234567";

function checkpoint(weightByte: number, size = 20 * 1024 * 1024): string {
  const dir = join(tempDir(), "ckpt");
  mkdirSync(dir);
  writeFileSync(join(dir, "config.json"), "{}");
  writeFileSync(join(dir, "tokenizer.json"), '{"model": {}}');
  writeFileSync(join(dir, "model.safetensors"), Buffer.alloc(size, weightByte));
  // One time for every file: two copies then differ only where the test makes them differ.
  for (const f of ["config.json", "tokenizer.json", "model.safetensors"]) utimesSync(join(dir, f), 1_700_000_000, 1_700_000_000);
  return dir;
}

describe("checkpoint identity", () => {
  it("a local folder is fingerprinted; other weight bytes of the same size and time give another fingerprint", () => {
    const a = fingerprintFiles(checkpoint(1));
    const same = fingerprintFiles(checkpoint(1));
    const other = fingerprintFiles(checkpoint(2));
    expect(a).toMatchObject({ count: 3 });
    expect(same).toEqual(a);
    expect(other).not.toEqual(a);
  });

  it("a change deep inside a large weight file, where a sample falls, gives another fingerprint", () => {
    const dir = checkpoint(1);
    const before = fingerprintFiles(dir);
    const bytes = Buffer.alloc(20 * 1024 * 1024, 1);
    bytes[Math.floor((7 * (bytes.length - 64 * 1024)) / 15)] = 9;
    writeFileSync(join(dir, "model.safetensors"), bytes);
    utimesSync(join(dir, "model.safetensors"), 1_700_000_000, 1_700_000_000);
    expect(fingerprintFiles(dir)).not.toEqual(before);
  });

  it("a serve: entry's relative path is read from medeval's folder; another server's relative root is not", () => {
    const dir = checkpoint(1);
    const parent = join(dir, "..");
    expect(establishCheckpointIdentity({ serveModel: "ckpt", root: "ckpt", cwd: parent }).id).toMatch(/^files:/);
    const external = establishCheckpointIdentity({ root: "./ckpt", cwd: parent });
    expect(external).toEqual({ id: null, why: "the server names its weights by a relative path (./ckpt) in its own working folder, which medeval cannot see" });
  });

  it("a Hub id needs a pinned commit: --revision in serve.args or revision: in models.yaml", () => {
    expect(establishCheckpointIdentity({ root: "Qwen/Qwen3-8B" })).toEqual({ id: null, why: "Qwen/Qwen3-8B is a Hub id without a pinned commit (its main branch moves)" });
    expect(establishCheckpointIdentity({ root: "Qwen/Qwen3-8B", revision: SHA }).id).toBe(`hub:Qwen/Qwen3-8B@${SHA}`);
    expect(establishCheckpointIdentity({ serveModel: "Qwen/Qwen3-8B", serveArgs: ["--revision", SHA], root: "Qwen/Qwen3-8B", cwd: tempDir() }).id).toBe(`hub:Qwen/Qwen3-8B@${SHA}`);
    expect(establishCheckpointIdentity({ serveModel: "Qwen/Qwen3-8B", serveArgs: ["--revision=main"], root: "Qwen/Qwen3-8B", cwd: tempDir() }).id).toBeNull();
  });

  it("the user's fingerprint is the last resort; without anything, no identity and why", () => {
    expect(establishCheckpointIdentity({ root: "/elsewhere/ckpt", fingerprint: "build-9" }).id).toBe("declared:build-9");
    expect(establishCheckpointIdentity({ root: null })).toEqual({ id: null, why: "the server's /v1/models does not say which weights it serves" });
    // Files medeval can read win over the user's word.
    expect(establishCheckpointIdentity({ root: checkpoint(1), fingerprint: "build-9" }).id).toMatch(/^files:/);
  });
});
