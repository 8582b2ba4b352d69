// Several `serve:` models at once (parallel_models): each started once with its own environment
// (CUDA_VISIBLE_DEVICES), used for all its cells and stopped before its slot takes the next
// model; an endpoint already up is used as it is.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { evaluate } from "../../harness/runner/evaluate.ts";
import { planSweep } from "../../harness/sweep/plan.ts";
import { runCells, sharedGpuWarning } from "../../harness/sweep/run-sweep.ts";
import { hasSharedDatasets, isAlive, SKIP_SHARED_REASON, tempDir, waitGone } from "../helpers.ts";
import { fakeServerFor, testBase } from "./sweep-helpers.ts";

const BIN = join(import.meta.dirname, "..", "fixtures", "fake-vllm-bin", "vllm-ready.mjs");

const served = (name: string, gpu: string, argsFile: string) => `  ${name}:
    served_model: ${name}-ckpt
    params: { max_tokens: 64 }
    serve:
      model: /checkpoints/${name}
      ready_timeout_s: 20
      env: { CUDA_VISIBLE_DEVICES: "${gpu}", FAKE_VLLM_ARGS_FILE: "${argsFile}" }
`;

describe.skipIf(!hasSharedDatasets)(`medeval sweep with parallel_models (${hasSharedDatasets ? "" : SKIP_SHARED_REASON})`, () => {
  const fake = fakeServerFor("up");

  it("serves two models at once, each once for its cells with its own environment, and stops one before its slot takes the next", async () => {
    const dir = tempDir("medeval-sweep-parallel-");
    const args = { a: join(dir, "a.args.json"), b: join(dir, "b.args.json") };
    writeFileSync(join(dir, "models.yaml"), `models:\n${served("a", "0", args.a)}${served("b", "1", args.b)}`);
    const file = join(dir, "par.yaml");
    writeFileSync(
      file,
      `models:\n  - a\n  - b\n  - { name: up, base_urls: ["${fake().url}"], served_model: up }\nsettings:\n  cot: { setting: zero-shot, prompt_style: cot }\n  direct: { setting: zero-shot, prompt_style: direct }\ntasks: medqa.en\nlimit: 2\nparallel_models: 2\n`,
    );
    const plan = planSweep(file);
    expect(plan.sweep.parallel_models).toBe(2);
    expect(sharedGpuWarning(plan.cells, 2)).toBeNull();
    const out = join(dir, "results");
    const base = testBase(out, { vllmBin: BIN, parallelModels: 2 });
    const pid = (f: string) => (existsSync(f) ? (JSON.parse(readFileSync(f, "utf8")) as { pid: number }).pid : null);
    let running = 0;
    let most = 0;
    const seen: { model: string; url?: string; aliveA: boolean; aliveB: boolean }[] = [];
    const results = await runCells(plan, plan.cells, base, {
      run: async (o) => {
        running++;
        most = Math.max(most, running);
        const [pa, pb] = [pid(args.a), pid(args.b)];
        seen.push({ model: o.model!, url: o.servedUrl, aliveA: pa !== null && isAlive(pa), aliveB: pb !== null && isAlive(pb) });
        // Long enough for the other slot's cells to overlap.
        await new Promise((r) => setTimeout(r, 300));
        try {
          return await evaluate(o);
        } finally {
          running--;
        }
      },
    });
    expect(results.map((r) => r.outcome?.record.complete)).toEqual([true, true, true, true, true, true]);
    // Two models' cells ran at the same time, never three.
    expect(most).toBe(2);
    // Each served model was started once (its own env reached it: its own args file), and stopped after.
    for (const name of ["a", "b"]) {
      const log = readFileSync(join(out, "sweep-logs", `${name}.vllm.log`), "utf8");
      expect(log.match(/fake vllm: loading/g)).toHaveLength(1);
      expect(log.match(/got SIGTERM, shutting down/g)).toHaveLength(1);
      expect(new Set(seen.filter((s) => s.model === name).map((s) => s.url)).size).toBe(1);
    }
    expect(await waitGone(pid(args.a)!)).toBe(true);
    expect(await waitGone(pid(args.b)!)).toBe(true);
    // Both servers were up at once; the endpoint already up waited for a slot, which its model's
    // server had left: at most one of them still running, and it got no served URL.
    expect(seen.some((s) => s.aliveA && s.aliveB)).toBe(true);
    const upCells = seen.filter((s) => s.model === "up");
    expect(upCells).toHaveLength(2);
    expect(upCells.every((s) => s.url === undefined && !(s.aliveA && s.aliveB))).toBe(true);
    expect(fake().generationRequests()).toHaveLength(4);
  }, 90_000);

  it("warns when models served at once would share GPUs", () => {
    const dir = tempDir("medeval-sweep-parallel-gpu-");
    writeFileSync(join(dir, "models.yaml"), `models:\n${served("a", "0", "x")}${served("b", "0", "y")}`);
    const file = join(dir, "par.yaml");
    writeFileSync(file, `models: [a, b]\nsettings:\n  cot: { setting: zero-shot }\ntasks: medqa.en\n`);
    const plan = planSweep(file);
    expect(sharedGpuWarning(plan.cells, 1)).toBeNull();
    expect(sharedGpuWarning(plan.cells, 2)).toBe("2 models are served at once, but a, b share CUDA_VISIBLE_DEVICES=0 in serve.env: give each its own GPUs");
  });
});
