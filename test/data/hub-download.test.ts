import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { downloadHubFile, hubCachePath, hubFileUrl } from "../../harness/data/hub-download.ts";
import { UserError } from "../../harness/types.ts";
import { tempDir } from "../helpers.ts";
import { sha256Hex, startFakeHub, type FakeHub } from "./fake-hub.ts";

const COMMIT = "0123456789abcdef0123456789abcdef01234567";
let hub: FakeHub;
let home: string;
let calls: number;
const countingFetch: typeof fetch = (input, init) => {
  calls++;
  return fetch(input, init);
};

beforeAll(async () => {
  hub = await startFakeHub();
});
afterAll(async () => {
  await hub.close();
});
beforeEach(() => {
  home = tempDir("medeval-hub-");
  calls = 0;
  hub.requests.length = 0;
  hub.files.clear();
});

const options = (extra: Partial<Parameters<typeof downloadHubFile>[1]> = {}) => ({
  home,
  endpoint: hub.endpoint,
  fetch: countingFetch,
  token: "",
  ...extra,
});

describe("downloadHubFile", () => {
  it("builds the resolve URL with the revision URL-encoded", () => {
    expect(hubFileUrl({ repo: "a/b", revision: "refs/convert/parquet", path: "default/test/0000.parquet" })).toBe(
      "https://huggingface.co/datasets/a/b/resolve/refs%2Fconvert%2Fparquet/default/test/0000.parquet",
    );
  });

  it("downloads a small file (200 + ETag), verifies it and writes the sidecar", async () => {
    const body = Buffer.from('{"q":"x"}\n');
    hub.files.set("org/set@main:test.jsonl", { body, mode: "direct", commit: COMMIT });
    const result = await downloadHubFile({ repo: "org/set", revision: "main", path: "test.jsonl" }, options());
    expect(result.cached).toBe(false);
    expect(result.sha256).toBe(sha256Hex(body));
    expect(result.commit).toBe(COMMIT);
    expect(readFileSync(result.file)).toEqual(body);
    const sidecar = JSON.parse(readFileSync(`${result.file}.medeval.json`, "utf8"));
    expect(sidecar).toMatchObject({ repo: "org/set", revision: "main", commit: COMMIT, path: "test.jsonl", sha256: sha256Hex(body) });
    expect(result.file).toBe(hubCachePath({ repo: "org/set", revision: "main", path: "test.jsonl" }, home));
    expect(result.file.startsWith(`${home}/hub/`)).toBe(true);
  });

  it("follows a 302 to the CDN, reads X-Repo-Commit/X-Linked-Etag there, and keeps the token on the Hub", async () => {
    const body = Buffer.from("PAR1 pretend parquet bytes PAR1");
    hub.files.set("org/big@refs/convert/parquet:data/validation.parquet", { body, mode: "lfs", commit: COMMIT });
    const result = await downloadHubFile(
      { repo: "org/big", revision: "refs/convert/parquet", path: "data/validation.parquet" },
      options({ token: "hf_secret" }),
    );
    expect(result.sha256).toBe(sha256Hex(body));
    expect(result.commit).toBe(COMMIT);
    expect(result.etag).toBe(`"${sha256Hex(body)}"`);
    const [toHub, toCdn] = hub.requests;
    expect(toHub.server).toBe("hub");
    expect(toHub.url).toContain("/resolve/refs%2Fconvert%2Fparquet/");
    expect(toHub.headers.authorization).toBe("Bearer hf_secret");
    expect(toCdn.server).toBe("cdn");
    expect(toCdn.headers.authorization).toBeUndefined();
  });

  it("uses HF_TOKEN from the environment", async () => {
    hub.files.set("org/set@main:a.jsonl", { body: Buffer.from("{}\n"), mode: "direct", commit: COMMIT });
    const previous = process.env.HF_TOKEN;
    process.env.HF_TOKEN = "hf_from_env";
    try {
      await downloadHubFile({ repo: "org/set", revision: "main", path: "a.jsonl" }, { home, endpoint: hub.endpoint, fetch: countingFetch });
    } finally {
      if (previous === undefined) delete process.env.HF_TOKEN;
      else process.env.HF_TOKEN = previous;
    }
    expect(hub.requests[0].headers.authorization).toBe("Bearer hf_from_env");
  });

  it("serves a second request from the cache without the network, after re-hashing it", async () => {
    hub.files.set("org/set@main:a.jsonl", { body: Buffer.from('{"a":1}\n'), mode: "lfs", commit: COMMIT });
    const ref = { repo: "org/set", revision: "main", path: "a.jsonl" };
    await downloadHubFile(ref, options());
    const callsAfterFirst = calls;
    const again = await downloadHubFile(ref, options({ offline: true }));
    expect(again.cached).toBe(true);
    expect(again.commit).toBe(COMMIT);
    expect(calls).toBe(callsAfterFirst);
  });

  it("downloads again when the cached bytes no longer match the recorded sha256", async () => {
    const body = Buffer.from('{"a":1}\n');
    hub.files.set("org/set@main:a.jsonl", { body, mode: "direct", commit: COMMIT });
    const ref = { repo: "org/set", revision: "main", path: "a.jsonl" };
    const first = await downloadHubFile(ref, options());
    writeFileSync(first.file, '{"a":2}\n');
    const second = await downloadHubFile(ref, options());
    expect(second.cached).toBe(false);
    expect(readFileSync(second.file)).toEqual(body);
  });

  it("refuses bytes whose sha256 differs from the announced one, and caches nothing", async () => {
    hub.files.set("org/set@main:a.parquet", { body: Buffer.from("real"), mode: "lfs", commit: COMMIT, announcedSha: "f".repeat(64) });
    const ref = { repo: "org/set", revision: "main", path: "a.parquet" };
    await expect(downloadHubFile(ref, options())).rejects.toThrow(/sha256 mismatch: the Hub announced f{64}, the downloaded bytes hash to [0-9a-f]{64}/);
    expect(existsSync(hubCachePath(ref, home))).toBe(false);
  });

  it("explains a 404 as Entry not found, naming where the source is configured", async () => {
    const error = await downloadHubFile({ repo: "org/set", revision: "main", path: "nope.jsonl" }, options({ configuredIn: "tasks/x.yaml" })).catch((e) => e);
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toContain("org/set@main:nope.jsonl: Entry not found (HTTP 404");
    expect(error.message).toContain("Check repo, revision and path in tasks/x.yaml");
  });

  it("explains 401 and 403 as a gated dataset needing HF_TOKEN", async () => {
    hub.files.set("org/gated@main:a.jsonl", { body: Buffer.from(""), mode: "direct", commit: COMMIT, status: 401 });
    hub.files.set("org/gated@main:b.jsonl", { body: Buffer.from(""), mode: "direct", commit: COMMIT, status: 403 });
    for (const path of ["a.jsonl", "b.jsonl"]) {
      const error = await downloadHubFile({ repo: "org/gated", revision: "main", path }, options()).catch((e) => e);
      expect(error).toBeInstanceOf(UserError);
      expect(error.message).toMatch(/refused access \(HTTP 40[13]\)/);
      expect(error.message).toContain("set HF_TOKEN");
    }
  });

  it("explains a network failure as offline, pointing at --data-dir", async () => {
    const failing: typeof fetch = async () => {
      throw new TypeError("fetch failed", { cause: { code: "ENOTFOUND" } });
    };
    const error = await downloadHubFile({ repo: "org/set", revision: "main", path: "a.jsonl" }, options({ fetch: failing })).catch((e) => e);
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toContain("ENOTFOUND");
    expect(error.message).toContain("--data-dir");
  });

  it("never touches the network when offline and the file is not cached", async () => {
    const error = await downloadHubFile({ repo: "org/set", revision: "main", path: "a.jsonl" }, options({ offline: true })).catch((e) => e);
    expect(error.message).toContain("not in the download cache");
    expect(calls).toBe(0);
  });

  it("rejects repo and path values that would escape the cache folder", async () => {
    await expect(downloadHubFile({ repo: "org/set", revision: "main", path: "../../etc/passwd" }, options())).rejects.toThrow('without ".."');
    await expect(downloadHubFile({ repo: "justname", revision: "main", path: "a" }, options())).rejects.toThrow('"owner/name"');
  });
});
