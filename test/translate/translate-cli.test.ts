// medeval translate end to end through the CLI against the fake server's translator:
// translate → registered in <out>/tasks.local/ → medeval run on the translated task.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeVllm, type FakeVllm } from "../fake-vllm/server.ts";
import { answerWith } from "../fake-vllm/helpers.ts";
import { translateText, translatorBehavior } from "../fake-vllm/translator.ts";
import type { Behavior } from "../fake-vllm/types.ts";
import { MEDEVAL_BIN, medevalAsync, tempDir } from "../helpers.ts";

const CLI = MEDEVAL_BIN;

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

const medeval = (args: string[]) => medevalAsync(args, home);

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

describe("medeval translate options", () => {
  const ENGLISH = Object.fromEntries(Object.entries(ITALIAN).map(([en, it]) => [it, en]));
  const POOL = [
    { question: "Which drug is a loop diuretic given to a patient with heart failure?", options: { A: "Furosemide", B: "Amlodipine", C: "Metformin", D: "Warfarin" }, answer_idx: "A" },
    { question: "Which artery carries blood to the left ventricle muscle of the heart?", options: { A: "The left coronary artery", B: "The femoral artery", C: "The radial artery", D: "The carotid artery" }, answer_idx: "A" },
  ];
  const SUBJECTS = ["anatomy", "clinical_knowledge", "college_biology", "college_medicine", "medical_genetics", "professional_medicine"];
  const translateTo = (dir: string, tasks: string, ...extra: string[]) =>
    medeval(["translate", "--tasks", tasks, "--to", "it", "--model-url", server.url, "--served-model", "fake-model", "--data-dir", data, "--out", dir, ...extra]);
  const jsonl = (file: string) => readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  /** Exit 0; otherwise the failure shows stderr. */
  const expectDone = (r: { code: number; stderr: string }) => expect(`${r.code} ${r.stderr}`).toBe(`0 ${r.code === 0 ? r.stderr : ""}`);
  const tasksJson = async (dir: string, tasks: string) => {
    const r = await medeval(["tasks", "--data-dir", dir, "--tasks", tasks, "--json"]);
    expectDone(r);
    return JSON.parse(r.stdout) as { id: string; size: number | null; pool_size: number | null; source: string }[];
  };

  beforeAll(() => {
    writeFileSync(join(data, "medqa", "4_options", "dev.jsonl"), POOL.map((i) => JSON.stringify(i)).join("\n") + "\n");
    mkdirSync(join(data, "mmlu", "test"), { recursive: true });
    for (const subject of SUBJECTS) {
      writeFileSync(join(data, "mmlu", "test", `${subject}_test.csv`), `"Which vessel carries blood from the heart to the body (${subject})?",The aorta,The vena cava,The pulmonary vein,The pulmonary artery,A\n`);
    }
  });

  it("--back-translate scores each item back into the source language; a bad back-translation is flagged and --drop-flagged leaves it out", async () => {
    const dir = join(tempDir(), "back");
    const translator = translatorBehavior({ Italian: ITALIAN, English: ENGLISH });
    // The back-translation of the potassium item comes back as unrelated text.
    const garbled: Behavior = (req) => {
      const text = req.messages.map((m) => m.content).join(" ");
      if (/into English\./.test(text) && text.includes("potassio")) {
        return { content: JSON.stringify({ question: "Zzz qqq xxx www vvv uuu ttt sss rrr ppp ooo nnn mmm lll kkk jjj.", options: ["Kkk", "Jjj", "Hhh", "Ggg"] }) };
      }
      return translator(req);
    };
    server.setBehavior({ respond: garbled });
    server.reset();
    try {
      const r = await translateTo(dir, "medqa.en", "--back-translate", "--drop-flagged");
      expectDone(r);
      expect(server.generationRequests().length).toBe(4); // two items, each there and back
      expect(r.stdout).toMatch(/translated 2\/2, flagged 1, failed 0, dropped 1/);
      expect(r.stdout).toMatch(/back_translation\s+1/);
      const card = JSON.parse(readFileSync(join(dir, "translated", "medqa", "it", "test.card.json"), "utf8"));
      expect(card.parameters).toMatchObject({ back_translate: true, drop_flagged: true });
      expect(card.checks.flagged).toEqual(["1"]);
      expect(card.counts).toMatchObject({ translated: 2, flagged: 1, dropped: 1 });
      // the registered split holds the one item that passed; the journal keeps both, with their back-translations
      expect(jsonl(join(dir, "translated", "medqa", "it", "test.jsonl")).map((l) => l.id)).toEqual(["0"]);
      const journal = jsonl(join(dir, "translated", "medqa", "it", "test.journal.jsonl"));
      expect(journal.map((l) => [l.id, l.back !== null, l.checks.find((c: { name: string }) => c.name === "back_translation").pass])).toEqual([
        ["0", true, true],
        ["1", true, false],
      ]);
      expect((await tasksJson(dir, "medqa.it"))[0].size).toBe(1);
    } finally {
      server.setBehavior({ respond: translatorBehavior({ Italian: ITALIAN, Spanish: SPANISH }) });
    }
  }, 90_000);

  it("--split pool translates the few-shot pool into the same task, beside its test split", async () => {
    const dir = join(tempDir(), "pool");
    expect((await translateTo(dir, "medqa.en")).code).toBe(0);
    server.reset();
    const r = await translateTo(dir, "medqa.en", "--split", "pool");
    expectDone(r);
    expect(server.generationRequests().length).toBe(POOL.length);
    expect(jsonl(join(dir, "translated", "medqa", "it", "pool.jsonl")).map((l) => l.question)).toEqual(POOL.map((p) => translateText(p.question, ITALIAN)));
    expect(JSON.parse(readFileSync(join(dir, "translated", "medqa", "it", "pool.card.json"), "utf8")).source).toMatchObject({ task: "medqa.en", split: "pool", items: 2 });
    const yaml = readFileSync(join(dir, "tasks.local", "medqa.it.yaml"), "utf8");
    expect(yaml).toContain("translated/medqa/it/test.jsonl");
    expect(yaml).toContain("translated/medqa/it/pool.jsonl");
    expect(await tasksJson(dir, "medqa.it")).toMatchObject([{ id: "medqa.it", size: 2, pool_size: 2 }]);
  }, 90_000);

  it("--variant NAME registers a second translation beside the first; both run in one medeval run", async () => {
    const dir = join(tempDir(), "variants");
    expect((await translateTo(dir, "medqa.en")).code).toBe(0);
    // a different translator for the second: every item comes back with "(ours)" appended
    const translator = translatorBehavior({ Italian: ITALIAN });
    server.setBehavior({ respond: (req) => ({ content: JSON.stringify(Object.fromEntries(Object.entries(JSON.parse((translator(req) as { content: string }).content)).map(([k, v]) => [k, k === "question" ? `${v} (ours)` : v]))) }) });
    try {
      const r = await translateTo(dir, "medqa.en", "--variant", "ours");
      expectDone(r);
      expect(r.stdout).toContain("run it: medeval run --tasks medqa.it@ours");
    } finally {
      server.setBehavior({ respond: translatorBehavior({ Italian: ITALIAN, Spanish: SPANISH }) });
    }
    expect(jsonl(join(dir, "translated", "medqa", "it@ours", "test.jsonl"))[0].question).toMatch(/\(ours\)$/);
    expect(jsonl(join(dir, "translated", "medqa", "it", "test.jsonl"))[0].question).not.toMatch(/\(ours\)$/);
    expect(readFileSync(join(dir, "tasks.local", "medqa.it@ours.yaml"), "utf8")).toMatch(/variant: ours/);
    const bad = await translateTo(dir, "medqa.en", "--variant", "Our-MT");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--variant "Our-MT": use lowercase letters, digits and _');

    server.setBehavior({ respond: answerWith(() => "A", "direct") });
    try {
      const ran = await medeval(["run", "--tasks", "medqa.it,medqa.it@ours", "--data-dir", dir, "--model-url", server.url, "--served-model", "fake-model", "--prompt-style", "direct", "--max-tokens", "512", "--out", join(home, "results"), "--run-id", "variants"]);
      expectDone(ran);
      const record = JSON.parse(readFileSync(join(home, "results", "variants", "run.json"), "utf8"));
      expect(record.tasks.map((t: { task: string; n: number }) => [t.task, t.n])).toEqual([
        ["medqa.it", 2],
        ["medqa.it@ours", 2],
      ]);
      const files = Object.fromEntries(record.sources.map((s: { task: string; files: { path: string }[] }) => [s.task, s.files[0].path]));
      expect(files).toEqual({ "medqa.it": "translated/medqa/it/test.jsonl", "medqa.it@ours": "translated/medqa/it@ours/test.jsonl" });
    } finally {
      server.setBehavior({ respond: translatorBehavior({ Italian: ITALIAN, Spanish: SPANISH }) });
    }
  }, 120_000);

  it("a family with subjects (mmlu_medical.en) is translated subject by subject, as mmlu_medical.<subject>.it@mt beside Global-MMLU", async () => {
    const dir = join(tempDir(), "subjects");
    server.reset();
    const r = await translateTo(dir, "mmlu_medical.en");
    expectDone(r);
    expect(server.generationRequests().length).toBe(SUBJECTS.length);
    for (const subject of SUBJECTS) {
      expect(jsonl(join(dir, "translated", "mmlu_medical", subject, "it@mt", "test.jsonl"))[0].question).toContain("vaso");
      expect(readFileSync(join(dir, "tasks.local", `mmlu_medical.${subject}.it@mt.yaml`), "utf8")).toContain(`subject: ${subject}`);
    }
    expect(r.stdout).toContain(`run it: medeval run --tasks ${SUBJECTS.map((s) => `mmlu_medical.${s}.it@mt`).join(",")}`);
    const rows = await tasksJson(dir, "mmlu_medical.it@mt");
    expect(rows.map((row) => [row.id, row.size])).toEqual(SUBJECTS.map((s) => [`mmlu_medical.${s}.it@mt`, 1]));
  }, 90_000);
});
