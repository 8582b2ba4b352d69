// The response cache answers only for the weights it was filled by: the scenario (a
// different model served under the same name and root) must be asked again and get its own score.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluate, type EvaluateOptions } from "../../harness/runner/evaluate.ts";
import { startFakeVllm, type FakeVllm } from "../fake-vllm/server.ts";
import { hasSharedDatasets, SHARED_DATASETS, SKIP_SHARED_REASON, tempDir } from "../helpers.ts";
import { buildOracle, expectedAccuracy, oracleBehavior, type OracleTask } from "./oracle.ts";
import { fakeRunOptions } from "./fake-run-options.ts";

const TASK = "medqa.en";
const LIMIT = 40;

describe.skipIf(!hasSharedDatasets)(`response cache and checkpoint identity (${hasSharedDatasets ? "" : SKIP_SHARED_REASON})`, () => {
  let server: FakeVllm;
  let sixty: OracleTask[];
  let fifty: OracleTask[];
  let home: string;
  let previousHome: string | undefined;

  beforeAll(async () => {
    sixty = await buildOracle(TASK, SHARED_DATASETS, LIMIT, (_item, i) => i % 5 < 3);
    fifty = await buildOracle(TASK, SHARED_DATASETS, LIMIT, (_item, i) => i % 2 === 0);
    server = await startFakeVllm({ servedModelName: "ckpt", maxModelLen: 8192, respond: oracleBehavior(sixty) });
    previousHome = process.env.MEDEVAL_HOME;
    home = tempDir();
    process.env.MEDEVAL_HOME = home;
  });
  afterAll(async () => {
    if (previousHome === undefined) delete process.env.MEDEVAL_HOME;
    else process.env.MEDEVAL_HOME = previousHome;
    await server?.close();
  });

  function options(out: string, notices: string[] = [], extra: Partial<EvaluateOptions> = {}): EvaluateOptions {
    return fakeRunOptions({ url: server.url, servedModel: "ckpt", out, tasks: [TASK], limit: LIMIT }, { cache: true, notice: (line) => notices.push(line), ...extra });
  }

  it("another model under the same served name and root is asked again and gets its own score", async () => {
    server.setBehavior({ root: "/models/ckpt", respond: oracleBehavior(sixty) });
    const first = await evaluate(options(tempDir()));
    expect(first.sent).toBe(LIMIT);
    expect(first.record.tasks[0].accuracy).toBeCloseTo(expectedAccuracy(sixty[0]), 10);

    server.setBehavior({ respond: oracleBehavior(fifty) });
    const notices: string[] = [];
    const second = await evaluate(options(tempDir(), notices));
    expect(second.sent).toBe(LIMIT);
    expect(second.record.tasks[0].accuracy).toBeCloseTo(expectedAccuracy(fifty[0]), 10);
    expect(second.record.tasks[0].from_cache).toBeUndefined();
    // /models/ckpt is not on this machine: the run says in one line why the cache was not read.
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/response cache is not used for this run: the weights at \/models\/ckpt are not readable on this machine/);
    expect(second.record.cache).toEqual({ enabled: true, identity: null, basis: "the weights at /models/ckpt are not readable on this machine" });
  });

  it("weights medeval can read: the same files answer from the cache, files rewritten in place are asked again", async () => {
    const ckpt = join(tempDir(), "candidate");
    mkdirSync(ckpt);
    writeFileSync(join(ckpt, "config.json"), '{"architectures": ["LlamaForCausalLM"]}');
    const weights = join(ckpt, "model.safetensors");
    writeFileSync(weights, Buffer.alloc(40 * 1024 * 1024, 1));
    server.setBehavior({ root: ckpt, respond: oracleBehavior(sixty) });

    const filled = await evaluate(options(tempDir()));
    expect(filled.sent).toBe(LIMIT);
    expect(filled.record.cache?.identity).toMatch(/^files:[0-9a-f]{32}$/);

    const again = await evaluate(options(tempDir()));
    expect(again.sent).toBe(0);
    expect(again.record.tasks[0].accuracy).toBeCloseTo(expectedAccuracy(sixty[0]), 10);
    expect(again.record.tasks[0].from_cache).toEqual({ samples: LIMIT, identities: [filled.record.cache!.identity], untied: 0 });

    // Next week's candidate, trained into the same path: same names, same size, other bytes.
    writeFileSync(weights, Buffer.alloc(40 * 1024 * 1024, 2));
    server.setBehavior({ respond: oracleBehavior(fifty) });
    const retrained = await evaluate(options(tempDir()));
    expect(retrained.sent).toBe(LIMIT);
    expect(retrained.record.tasks[0].accuracy).toBeCloseTo(expectedAccuracy(fifty[0]), 10);
    expect(retrained.record.cache?.identity).not.toBe(filled.record.cache?.identity);
  });

  it("a fingerprint declared in models.yaml ties the cache to weights medeval cannot read", async () => {
    server.setBehavior({ root: "/remote/ckpt", respond: oracleBehavior(sixty) });
    const dir = tempDir();
    const modelsFile = join(dir, "models.yaml");
    const write = (fingerprint: string) =>
      writeFileSync(modelsFile, `models:\n  rc:\n    base_urls: [${server.url}]\n    served_model: ckpt\n    fingerprint: ${fingerprint}\n    params: { max_tokens: 256 }\n`);
    const run = (out: string) => evaluate({ ...options(out), model: "rc", modelsFile, overrides: {} });
    write("build-4411");
    expect((await run(tempDir())).sent).toBe(LIMIT);
    const hit = await run(tempDir());
    expect(hit.sent).toBe(0);
    expect(hit.record.cache).toMatchObject({ identity: "declared:build-4411" });
    write("build-4412");
    expect((await run(tempDir())).sent).toBe(LIMIT);
  });

  it("two runs in one process asking the same prompts at once send each prompt once", async () => {
    const ckpt = tempDir();
    writeFileSync(join(ckpt, "config.json"), '{"v": 2}');
    const answer = oracleBehavior(sixty);
    // Replies are held a moment after the first request, so the two runs' requests overlap.
    let firstAt: number | null = null;
    server.setBehavior({
      root: ckpt,
      respond: async (req) => {
        firstAt ??= Date.now();
        await new Promise((r) => setTimeout(r, Math.max(0, firstAt! + 3000 - Date.now())));
        return answer(req);
      },
    });
    server.reset();
    const [a, b] = await Promise.all([evaluate(options(tempDir())), evaluate(options(tempDir()))]);
    expect(server.generationRequests()).toHaveLength(LIMIT);
    expect(a.sent + b.sent).toBe(LIMIT);
    expect(a.record.tasks[0].accuracy).toBe(b.record.tasks[0].accuracy);
  });
});
