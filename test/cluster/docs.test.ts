// docs/cluster.md: every script in it is valid bash, every manifest valid YAML, the models
// entry loads, the medeval command lines use flags the commands declare, and each shard count
// written in --shard auto/N agrees with the array or Job size beside it.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import yargs, { type Argv } from "yargs";
import { COMMANDS, commandName } from "../../harness/commands/_manifest.ts";
import { resolveModel } from "../../harness/models/load.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const DOC = readFileSync(join(ROOT, "docs", "cluster.md"), "utf8");

function blocks(lang: string): string[] {
  return [...DOC.matchAll(new RegExp("^```" + lang + "\\n([\\s\\S]*?)^```$", "gm"))].map((m) => m[1]);
}

/** The flags a command declares: its module's own yargs builder, run on an empty parser. */
async function declaredFlags(command: string): Promise<Set<string>> {
  const entry = COMMANDS.find((e) => commandName(e) === command)!;
  const mod = (await entry.load()).default as { builder: (y: Argv) => Argv };
  const options = (mod.builder(yargs([])) as unknown as { getOptions(): { key: Record<string, unknown> } }).getOptions();
  // yargs's own --help and --version are not the command's.
  return new Set(Object.keys(options.key).filter((k) => k !== "help" && k !== "version"));
}

/** Each `medeval <command> …` invocation in a text, continuation lines joined, as its words. */
function invocations(text: string): { command: string; words: string[] }[] {
  const joined = text.replace(/\\\n/g, " ").replace(/\n\s+(?=--)/g, " ");
  return [...joined.matchAll(/medeval[",\s]+(run|merge)\b([^\n]*)/g)].map((m) => ({ command: m[1], words: m[2].split(/[\s",\]]+/).filter(Boolean) }));
}

const bash = blocks("bash");
const yamls = blocks("yaml");

describe("docs/cluster.md", () => {
  it("has the scripts and manifests it describes", () => {
    expect(bash.length).toBeGreaterThanOrEqual(4);
    expect(yamls).toHaveLength(3);
    expect(bash.some((b) => b.includes("#SBATCH --array=") && b.includes("medeval run"))).toBe(true);
    expect(bash.some((b) => b.includes('--dependency="afterany:'))).toBe(true);
  });

  it.each(bash.map((b, i) => [i, b]))("bash block %i passes bash -n", (_i, block) => {
    const file = join(mkdtempSync(join(tmpdir(), "medeval-cluster-doc-")), "script.sh");
    writeFileSync(file, block);
    const r = spawnSync("bash", ["-n", file], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("parses the manifests, as Indexed Jobs whose --shard auto/N matches completions", () => {
    const [models, shards, merge] = yamls.map((y) => parse(y));
    expect(shards).toMatchObject({ apiVersion: "batch/v1", kind: "Job", spec: { completionMode: "Indexed" } });
    const args = shards.spec.template.spec.containers[0].args.join(" ");
    expect(Number(/--shard auto\/(\d+)/.exec(args)?.[1])).toBe(shards.spec.completions);
    expect(merge).toMatchObject({ kind: "Job" });
    expect(merge.spec.template.spec.containers[0].command).toContain("merge");
    expect(Object.keys(models.models)).toEqual(["qwen3-8b-dp4"]);
  });

  it("gives a models entry that medeval loads, with vLLM's data parallelism", () => {
    const file = join(mkdtempSync(join(tmpdir(), "medeval-cluster-doc-")), "cluster-models.yaml");
    writeFileSync(file, yamls[0]);
    const model = resolveModel("qwen3-8b-dp4", {}, file);
    expect(model.servedModel).toBe("Qwen/Qwen3-8B");
    expect(JSON.stringify(model.serve)).toContain("--data-parallel-size");
  });

  it("uses only flags that medeval run and merge declare", async () => {
    const found = invocations(DOC);
    expect(found.filter((f) => f.command === "run").length).toBeGreaterThanOrEqual(2);
    expect(found.filter((f) => f.command === "merge").length).toBeGreaterThanOrEqual(3);
    for (const { command, words } of found) {
      const flags = await declaredFlags(command);
      const used = words.filter((w) => w.startsWith("--")).map((w) => w.slice(2).split("=")[0]);
      expect(used.filter((f) => !flags.has(f)), `medeval ${command} ${words.join(" ")}`).toEqual([]);
    }
  });

  it("sizes the Slurm array as the script's --shard auto/N", () => {
    const script = bash.find((b) => b.includes("#SBATCH --array="))!;
    const [, lo, hi] = /#SBATCH --array=(\d+)-(\d+)/.exec(script)!;
    expect(Number(/auto\/(\d+)/.exec(script)?.[1])).toBe(Number(hi) - Number(lo) + 1);
  });
});
