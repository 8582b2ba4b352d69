// medeval translate end to end through the CLI against the fake server's translator:
// translate → registered in <out>/tasks.local/ → medeval run on the translated task.
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeVllm, type FakeVllm } from "../fake-vllm/server.ts";
import { answerWith } from "../fake-vllm/helpers.ts";
import { translateText, translatorBehavior } from "../fake-vllm/translator.ts";
import type { Behavior } from "../fake-vllm/types.ts";
import { tempDir } from "../helpers.ts";

const CLI = resolve(import.meta.dirname, "..", "..", "bin", "medeval.js");
const run = promisify(execFile);

const ITALIAN = {
  which: "quale", vessel: "vaso", carries: "trasporta", oxygenated: "ossigenato", blood: "sangue", from: "dal", the: "il",
  heart: "cuore", to: "al", body: "corpo", after: "dopo", left: "sinistro", ventricle: "ventricolo", contracts: "si contrae",
  pulmonary: "polmonare", artery: "arteria", vein: "vena", a: "un", patient: "paziente", with: "con", of: "di",
  potassium: "potassio", has: "ha", muscle: "muscolare", weakness: "debolezza", drug: "farmaco", is: "è", most: "più",
  likely: "probabile", cause: "causa",
};
const SPANISH = { which: "qué", blood: "sangre", heart: "corazón", the: "el", patient: "paciente", potassium: "potasio" };
const ITEMS = [
  { question: "Which vessel carries oxygenated blood from the heart to the body after the left ventricle contracts?", options: { A: "The aorta", B: "The pulmonary artery", C: "The vena cava", D: "The pulmonary vein" }, answer_idx: "A" },
  { question: "A patient with a potassium of 2.9 mmol/L has muscle weakness. Which drug is the most likely cause?", options: { A: "Furosemide 40 mg", B: "Spironolactone", C: "Amiloride", D: "Lisinopril" }, answer_idx: "A" },
];

let server: FakeVllm;
let home: string;
let data: string;
let out: string;

async function medeval(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [CLI, ...args], { env: { ...process.env, MEDEVAL_FROM_SOURCE: "1", MEDEVAL_HOME: home, MEDEVAL_DATA_DIR: "" } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const translate = (...extra: string[]) =>
  medeval(["translate", "--tasks", "medqa.en", "--to", "it,es", "--model-url", server.url, "--served-model", "fake-model", "--data-dir", data, "--out", out, ...extra]);

beforeAll(async () => {
  server = await startFakeVllm({ servedModelName: "fake-model", respond: translatorBehavior({ Italian: ITALIAN, Spanish: SPANISH }) });
  home = tempDir();
  data = tempDir();
  out = join(tempDir(), "mine");
  mkdirSync(join(data, "medqa", "4_options"), { recursive: true });
  writeFileSync(join(data, "medqa", "4_options", "test.jsonl"), ITEMS.map((i) => JSON.stringify(i)).join("\n") + "\n");
});
afterAll(async () => {
  await server.close();
});

describe("medeval translate", () => {
  it("translates, registers medqa.it / medqa.es, and medeval run evaluates the translation", async () => {
    const r = await translate();
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
    expect(`${r.code} ${r.stderr}`).toBe(`0 ${r.code === 0 ? r.stderr : ""}`);
    expect(server.generationRequests().length).toBe(4);
    expect(r.stdout).toContain("medqa.it:");
    expect(r.stdout).toContain("run it: medeval run --tasks medqa.it,medqa.es");

    const lines = readFileSync(join(out, "translated", "medqa", "it", "test.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => l.question)).toEqual(ITEMS.map((i) => translateText(i.question, ITALIAN)));
    expect(lines[0].options).toEqual(["Il aorta", "Il polmonare arteria", "Il vena cava", "Il polmonare vena"]);
    expect(lines.map((l) => l.answer)).toEqual([0, 0]);
    const card = JSON.parse(readFileSync(join(out, "translated", "medqa", "it", "test.card.json"), "utf8"));
    expect(card.source).toMatchObject({ task: "medqa.en", split: "test", items: 2 });
    expect(card.translator.model).toBe("fake-model");
    expect(card.counts.translated).toBe(2);
    expect(readFileSync(join(out, "tasks.local", "medqa.it.yaml"), "utf8")).toContain(card.target.sha256);

    server.setBehavior({ respond: answerWith(() => "A", "direct") });
    try {
      const ran = await medeval(["run", "--tasks", "medqa.it", "--data-dir", out, "--model-url", server.url, "--served-model", "fake-model", "--prompt-style", "direct", "--max-tokens", "512", "--out", join(home, "results"), "--run-id", "it1"]);
      expect(`${ran.code} ${ran.stderr}`).toBe(`0 ${ran.code === 0 ? ran.stderr : ""}`);
      const record = JSON.parse(readFileSync(join(home, "results", "it1", "run.json"), "utf8"));
      const source = record.sources.find((s: { task: string }) => s.task === "medqa.it");
      expect(source.files[0]).toEqual({ path: "translated/medqa/it/test.jsonl", sha256: card.target.sha256 });
      expect(record.tasks.find((t: { task: string }) => t.task === "medqa.it").n).toBe(2);
    } finally {
      server.setBehavior({ respond: translatorBehavior({ Italian: ITALIAN, Spanish: SPANISH }) });
    }
  }, 120_000);

  it("a second translate sends nothing new (the journal has every item)", async () => {
    server.reset();
    const r = await translate();
    expect(r.code).toBe(0);
    expect(server.generationRequests().length).toBe(0);
    expect(r.stderr).toContain("2 items already translated, 0 to go");
  }, 60_000);

  it("an unknown task or target language is exit 2 with a clear message", async () => {
    const task = await medeval(["translate", "--tasks", "nope.en", "--to", "it", "--model-url", server.url, "--served-model", "fake-model", "--out", out]);
    expect(task.code).toBe(2);
    expect(task.stderr).toContain('unknown task "nope.en"');
    const lang = await translate("--to", "xx");
    expect(lang.code).toBe(2);
    expect(lang.stderr).toContain('unknown target language "xx"');
    expect(lang.stderr).not.toMatch(/at .*\.ts:\d+/);
  }, 60_000);
});

describe("medeval translate, incomplete", () => {
  const translator = translatorBehavior({ Italian: ITALIAN });
  const args = (dir: string, ...extra: string[]) =>
    [CLI, "translate", "--tasks", "medqa.en", "--to", "it", "--model-url", server.url, "--served-model", "fake-model", "--data-dir", data, "--out", dir, "--concurrency", "1", ...extra];
  const journal = (dir: string) => join(dir, "translated", "medqa", "it", "test.journal.jsonl");
  const journalLines = (dir: string) => (existsSync(journal(dir)) ? readFileSync(journal(dir), "utf8").trim().split("\n").filter(Boolean).length : 0);

  it("an item failing after retries: exit 1, the split is not registered; a re-run retries it and registers", async () => {
    const dir = join(tempDir(), "failing");
    const failPotassium: Behavior = (req) => (req.messages.some((m) => m.content.includes("potassium")) ? { fault: "http", status: 500 } : translator(req));
    server.setBehavior({ respond: failPotassium });
    const r = await medeval(args(dir, "--max-retries", "0").slice(1));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/item 1: .*500/);
    expect(r.stdout).toContain("not registered");
    expect(existsSync(join(dir, "tasks.local", "medqa.it.yaml"))).toBe(false);
    server.setBehavior({ respond: translator });
    const again = await medeval(args(dir).slice(1));
    expect(again.code).toBe(0);
    expect(existsSync(join(dir, "tasks.local", "medqa.it.yaml"))).toBe(true);
  }, 90_000);

  it("Ctrl-C: exit 130, finished items stay in the journal, nothing registered; the same command goes on", async () => {
    const dir = join(tempDir(), "interrupted");
    server.setBehavior({ respond: (req) => ({ ...(translator(req) as object), delayMs: req.index === 0 ? 0 : 3000 }) });
    server.reset();
    const child = spawn(process.execPath, args(dir), { env: { ...process.env, MEDEVAL_FROM_SOURCE: "1", MEDEVAL_HOME: home, MEDEVAL_DATA_DIR: "" } });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const code = await new Promise<number | null>((done) => {
      const poll = setInterval(() => {
        if (journalLines(dir) >= 1) {
          clearInterval(poll);
          child.kill("SIGINT");
        }
      }, 100);
      child.on("exit", (c) => {
        clearInterval(poll);
        done(c);
      });
    });
    expect(code).toBe(130);
    expect(stderr).toContain("run the same command again");
    expect(journalLines(dir)).toBe(1);
    expect(existsSync(join(dir, "tasks.local"))).toBe(false);
    server.setBehavior({ respond: translator });
    server.reset();
    const again = await medeval(args(dir).slice(1));
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("1 items already translated, 1 to go");
    expect(server.generationRequests().length).toBe(1);
  }, 90_000);
});
