// A printed resume command is for pasting: it starts medeval the way it was started and keeps
// the flags the stored spec does not hold (--data-dir above all: without it the resume goes
// to the Hub). Tested by running what it prints.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commandPrefix } from "../../harness/invocation.ts";
import { guessingBehavior } from "../fake-vllm/helpers.ts";
import { startFakeVllm, type FakeVllm } from "../fake-vllm/server.ts";
import { hasSharedDatasets, SHARED_DATASETS, SKIP_SHARED_REASON, tempDir } from "../helpers.ts";

const ROOT = resolve(import.meta.dirname, "..", "..");
const LAUNCHER = join(ROOT, "bin", "medeval.js");

describe("how medeval was started", () => {
  const base = { cwd: ROOT, env: { PATH: "/usr/bin" } };
  it("names npx, an npm script, PATH or the launcher's path", () => {
    const npx = { npm_command: "exec", npm_lifecycle_event: "npx", npm_lifecycle_script: "'medeval'" };
    expect(commandPrefix({ ...base, env: { ...base.env, ...npx }, argv: ["node", join(ROOT, "node_modules", ".bin", "medeval")] })).toEqual(["npx", "medeval"]);
    const script = { npm_command: "run", npm_lifecycle_event: "medeval", npm_lifecycle_script: "tsx harness/cli.ts", npm_package_json: join(ROOT, "package.json") };
    expect(commandPrefix({ ...base, env: { ...base.env, ...script }, argv: ["node", join(ROOT, "harness", "cli.ts")] })).toEqual(["npm", "run", "medeval", "--"]);
    // npm's variables reach every child: `npm test` spawning the launcher is not `npm run test`.
    const test = { npm_command: "run", npm_lifecycle_event: "test", npm_lifecycle_script: "vitest run", npm_package_json: join(ROOT, "package.json") };
    expect(commandPrefix({ ...base, env: { ...base.env, ...test }, argv: ["node", LAUNCHER] })).toEqual(["node", "./bin/medeval.js"]);
    expect(commandPrefix({ ...base, cwd: tempDir(), argv: ["node", LAUNCHER] })).toEqual(["node", LAUNCHER]);
    expect(commandPrefix({ ...base, argv: ["node", join(ROOT, "node_modules", "vitest", "vitest.mjs")] })).toEqual(["medeval"]);
    expect(commandPrefix({ ...base, env: { PATH: `/usr/bin:${join(ROOT, "node_modules", ".bin")}` }, argv: ["node", join(ROOT, "node_modules", ".bin", "medeval")] })).toEqual(["medeval"]);
  });
});

describe.skipIf(!hasSharedDatasets)(`resume hints (${hasSharedDatasets ? "" : SKIP_SHARED_REASON})`, () => {
  let server: FakeVllm;
  beforeAll(async () => {
    server = await startFakeVllm({ servedModelName: "fake-model", maxModelLen: 100_000, respond: () => ({ fault: "http", status: 500 }) });
  });
  afterAll(() => server?.close());

  function sh(command: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
    return new Promise((done) => {
      const child = spawn("sh", ["-c", command], { cwd: ROOT, env, stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (d) => (stderr += d));
      child.on("close", (code) => done({ code, stderr }));
    });
  }

  it("after the first requests fail, the printed command resumes the run with its --data-dir", async () => {
    const out = tempDir();
    // No Hub here: a resume that forgot --data-dir fails instead of downloading.
    const { MEDEVAL_DATA_DIR: _unset, ...rest } = process.env;
    const env = { ...rest, MEDEVAL_HOME: tempDir(), HF_HUB_OFFLINE: "1" };
    const first = await sh(
      `node ${LAUNCHER} run --model-url ${server.url} --served-model fake-model --tasks medqa.en --limit 6 --data-dir ${SHARED_DATASETS} ` +
        `--out ${out} --max-tokens 256 --max-retries 0 --concurrency 1 --no-cache --progress none`,
      env,
    );
    expect(first.code, first.stderr).toBe(2);
    expect(first.stderr).toMatch(/failed; stopping the run/);
    const printed = /\n {2}(node \S+ run --resume .*)\n/.exec(first.stderr)?.[1];
    expect(printed, first.stderr).toBeDefined();
    expect(printed).toContain(`--data-dir ${SHARED_DATASETS}`);

    server.setBehavior({ respond: guessingBehavior });
    const resumed = await sh(printed!, env);
    expect(resumed.code, resumed.stderr).toBe(0);
    const runId = /--resume (\S+)/.exec(printed!)![1]!;
    const record = JSON.parse(readFileSync(join(out, runId, "run.json"), "utf8")) as { complete: boolean; tasks: { n: number; errors: number }[] };
    expect(record.complete).toBe(true);
    expect(record.tasks[0]).toMatchObject({ n: 6, errors: 0 });
  }, 120_000);
});
