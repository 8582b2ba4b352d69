import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadModelsFile, normaliseBaseUrl, resolveModel } from "../../harness/models/load.ts";
import { tempDir } from "../helpers.ts";

function modelsFile(text: string): string {
  const file = join(tempDir(), "models.yaml");
  writeFileSync(file, text);
  return file;
}

describe("models.yaml", () => {
  it("merges defaults, entry and flags; params are always complete", () => {
    const file = modelsFile(`
defaults:
  params: { temperature: 0, max_tokens: 1000 }
models:
  m8b:
    base_urls: [http://localhost:8000]
    served_model: org/M-8B
    params: { max_tokens: 2000 }
    chat_template_kwargs: { enable_thinking: false }
`);
    const spec = resolveModel("m8b", { params: { temperature: 0.5 } }, file);
    expect(spec.baseUrls).toEqual(["http://localhost:8000/v1"]);
    expect(spec.servedModel).toBe("org/M-8B");
    expect(spec.params).toMatchObject({ temperature: 0.5, top_p: 1, max_tokens: 2000, seed: 1234 });
    expect(spec.chatTemplateKwargs).toEqual({ enable_thinking: false });
  });

  it("reports a bad field with its line", () => {
    const file = modelsFile(`models:\n  m:\n    base_urls: [http://x:1/v1]\n    served_model: m\n    params:\n      temperature: 7\n`);
    expect(() => resolveModel("m", {}, file)).toThrow(/models\.yaml:6: models\.m\.params\.temperature/);
  });

  it("revision: must be a commit sha, with its line; fingerprint: is any name", () => {
    const bad = modelsFile(`models:\n  m:\n    base_urls: [http://x:1/v1]\n    served_model: org/m\n    revision: main\n`);
    expect(() => resolveModel("m", {}, bad)).toThrow(/models\.yaml:5: models\.m\.revision: must be a Hub commit sha/);
    const good = modelsFile(`models:\n  m:\n    base_urls: [http://x:1/v1]\n    served_model: org/m\n    revision: ${"a".repeat(40)}\n    fingerprint: build-17\n`);
    expect(resolveModel("m", {}, good)).toMatchObject({ revision: "a".repeat(40), fingerprint: "build-17" });
  });

  it("rejects what looks like a key where an env var name belongs", () => {
    const file = modelsFile(`models:\n  m:\n    base_urls: [http://x:1/v1]\n    served_model: m\n    api_key_env: sk-abc123-secret\n`);
    expect(() => resolveModel("m", {}, file)).toThrow(/api_key_env: must be an environment variable name/);
  });

  it("accepts an endpoint on the command line without a models file", () => {
    const spec = resolveModel(undefined, { modelUrl: ["http://127.0.0.1:9/v1/"], servedModel: "x" }, join(tempDir(), "none.yaml"));
    expect(spec).toMatchObject({ name: "x", servedModel: "x", baseUrls: ["http://127.0.0.1:9/v1"] });
  });

  it("command-line generation parameters are validated like the file's, naming the flag", () => {
    const none = join(tempDir(), "none.yaml");
    const direct = { modelUrl: ["http://127.0.0.1:9/v1"], servedModel: "x" };
    expect(() => resolveModel(undefined, { ...direct, params: { temperature: -1 } }, none)).toThrow(/--temperature -1: Too small/);
    expect(() => resolveModel(undefined, { ...direct, params: { max_tokens: 0 } }, none)).toThrow(/--max-tokens 0: Too small/);
    expect(() => resolveModel(undefined, { ...direct, params: { max_tokens: 1.5 } }, none)).toThrow(/--max-tokens 1\.5: .*int/);
    expect(() => resolveModel(undefined, { ...direct, params: { top_p: 0 } }, none)).toThrow(/--top-p 0: Too small/);
    expect(resolveModel(undefined, { ...direct, params: { temperature: 0.7 } }, none).params.temperature).toBe(0.7);
  });

  it("says how to fix an unknown model", () => {
    const file = modelsFile(`models:\n  a:\n    base_urls: [http://x:1/v1]\n    served_model: a\n`);
    expect(() => resolveModel("b", {}, file)).toThrow(/model "b" is not in .*Known models: a/);
  });

  it("the repo's models.yaml is valid", () => {
    expect(resolveModel("llama-3.1-8b", {}, join(import.meta.dirname, "..", "..", "models.yaml")).servedModel).toContain("Llama");
  });

  it("normalises base URLs", () => {
    expect(normaliseBaseUrl("http://h:8000")).toBe("http://h:8000/v1");
    expect(normaliseBaseUrl("http://h:8000/v1/")).toBe("http://h:8000/v1");
  });

  it("says when a models file named explicitly does not exist", () => {
    expect(() => resolveModel("m", {}, join(tempDir(), "nope.yaml"))).toThrow(/models file not found: .*nope\.yaml/);
  });

  it("the models.yaml example in the README is valid", () => {
    const readme = readFileSync(join(import.meta.dirname, "..", "..", "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Models"));
    const example = /```yaml\n([\s\S]*?)```/.exec(section)![1];
    expect(Object.keys(loadModelsFile(modelsFile(example)).models)).toEqual(["llama-3.1-8b", "medreason-8b", "release-candidate", "e5-embed"]);
  });
});
