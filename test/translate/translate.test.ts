import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { chrF } from "../../harness/translate/chrf.ts";
import { checkCopied, checkDistinct, checkLanguage, checkLengthRatio, checkNumbers, runChecks } from "../../harness/translate/checks.ts";
import { parseReply, requestBody, targetLanguage } from "../../harness/translate/prompt.ts";
import { translateItems, type TranslateInput, type TranslationLine } from "../../harness/translate/translate.ts";
import type { ChatDispatcher, RequestResult } from "../../harness/endpoints/dispatcher.ts";
import type { Item } from "../../harness/types.ts";
import { hashJson } from "../../harness/hash.ts";
import { UserError } from "../../harness/user-error.ts";

const EN = {
  question: "A 45-year-old man presents with a blood pressure of 160/95 mmHg and a potassium of 3.1 mmol/L. What is the most likely diagnosis?",
  options: ["Primary hyperaldosteronism", "Cushing syndrome", "Pheochromocytoma", "Renal artery stenosis"],
};
const IT = {
  question: "Un uomo di 45 anni si presenta con una pressione arteriosa di 160/95 mmHg e un potassio di 3,1 mmol/L. Qual è la diagnosi più probabile?",
  options: ["Iperaldosteronismo primario", "Sindrome di Cushing", "Feocromocitoma", "Stenosi dell'arteria renale"],
};

function item(id: string, text = EN): Item {
  return { id, ...text, answer: 0, lang: "en", subject: "endocrinology", hash: hashJson({ id, ...text }) };
}

describe("chrF", () => {
  it("is 100 for identical text and 0 for nothing shared", () => {
    expect(chrF("the cat sat", "the cat sat")).toBeCloseTo(100, 6);
    expect(chrF("xyz", "abc")).toBe(0);
  });
  it("matches a hand-computed value (abc vs abd: P = R = (2/3 + 1/2 + 0) / 3)", () => {
    expect(chrF("abc", "abd")).toBeCloseTo((100 * 7) / 18, 6);
  });
  it("weights recall (beta 2): a short hypothesis scores below a long one", () => {
    expect(chrF("ab", "abcdef")).toBeLessThan(chrF("abcdefgh", "abcdef"));
  });
});

describe("prompt and parse", () => {
  it("asks for a json_schema with exactly as many options, or none for servers without it", () => {
    const body = requestBody({ ...EN, lang: "en" }, "it", { servedModel: "m", temperature: 0, maxTokens: 512, structured: true });
    const fmt = body.response_format as { json_schema: { schema: { properties: { options: { minItems: number; maxItems: number } } } } };
    expect(fmt.json_schema.schema.properties.options.minItems).toBe(4);
    expect(fmt.json_schema.schema.properties.options.maxItems).toBe(4);
    expect(requestBody({ ...EN, lang: "en" }, "it", { servedModel: "m", temperature: 0, maxTokens: 512, structured: false }).response_format).toBeUndefined();
  });
  it("parses strictly", () => {
    expect(parseReply(JSON.stringify(IT), 4)).toEqual({ ok: true, ...IT });
    expect(parseReply("```json\n" + JSON.stringify(IT) + "\n```", 4).ok).toBe(true);
    expect(parseReply("Ecco: " + JSON.stringify(IT), 4)).toEqual({ ok: false, error: "reply is not JSON" });
    expect(parseReply(JSON.stringify({ ...IT, options: IT.options.slice(0, 3) }), 4)).toEqual({ ok: false, error: "reply has 3 options, the source 4" });
    expect(parseReply(null, 4).ok).toBe(false);
  });
  it("refuses an unknown language with a UserError", () => {
    expect(() => targetLanguage("xx")).toThrow(UserError);
  });
});

describe("quality checks", () => {
  it("all pass on a true translation", () => {
    expect(runChecks(EN, IT, "it", null).filter((c) => !c.pass)).toEqual([]);
  });
  it("each fires on its fault", () => {
    expect(checkLanguage(IT, "es").pass).toBe(false);
    expect(checkLanguage(EN, "it").pass).toBe(false);
    expect(checkNumbers(EN, { ...IT, question: IT.question.replace("3,1", "3,7") }).pass).toBe(false);
    // locale spellings of one value pass (thousands, decimal comma, trailing zeros); other values do not
    const pair = (en: string, it: string) => checkNumbers({ question: en, options: [] }, { question: it, options: [] });
    expect(pair("500000 IU and 2.50 mg and 1,234.5 mL", "500.000 UI e 2,5 mg e 1.234,5 mL").pass).toBe(true);
    expect(pair("a creatinine of 4.730 mg/dL", "una creatinina di 4,73 mg/dL").pass).toBe(true);
    expect(pair("500000 IU", "50.000 UI")).toMatchObject({ pass: false, detail: "missing 500000; added 50.000" });
    expect(pair("2 tablets", "due compresse")).toMatchObject({ pass: false, detail: "missing 2; added none" });
    expect(checkDistinct({ ...IT, options: [IT.options[0]!, IT.options[0]!, IT.options[2]!, IT.options[3]!] }).pass).toBe(false);
    expect(checkLengthRatio(EN, { question: "Diagnosi?", options: ["A", "B", "C", "D"] }).pass).toBe(false);
    expect(checkCopied(EN, EN).pass).toBe(false);
    expect(checkCopied(EN, IT).pass).toBe(true);
    const back = runChecks(EN, IT, "it", { question: "Something else entirely", options: ["w", "x", "y", "z"] });
    expect(back.find((c) => c.name === "back_translation")?.pass).toBe(false);
  });
});

/** An in-process translator: returns IT for EN, EN for IT (back-translation), or a fault. */
function translator(mode: "true" | "copy" | "prose", log: string[]): ChatDispatcher {
  return {
    async chat(body): Promise<RequestResult> {
      const user = (body.messages as { content: string }[])[1]!.content;
      log.push(user);
      const src = JSON.parse(user) as typeof EN;
      const out = mode === "copy" ? src : src.question === EN.question ? IT : EN;
      const content = mode === "prose" ? `Here it is: ${JSON.stringify(out)}` : JSON.stringify(out);
      return { kind: "ok", content, reasoning: null, finishReason: "stop", usage: null, attempts: 1, latencyMs: 1 };
    },
  };
}

describe("translateItems", () => {
  let dir = "";
  afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));
  const input = (mode: "true" | "copy" | "prose", log: string[], extra: Partial<TranslateInput> = {}): TranslateInput => ({
    items: [item("q1"), item("q2"), item("q3")], to: "it", idSuffix: null,
    params: { servedModel: "m", temperature: 0, maxTokens: 512, structured: true },
    chat: { dispatcher: translator(mode, log), cache: null, modelIdentity: "m" },
    backTranslate: false, journalFile: join(dir, "journal.jsonl"), concurrency: 2, signal: new AbortController().signal, ...extra,
  });

  it("carries answer, ids and metadata over, journals each item, and resumes without re-sending", async () => {
    dir = mkdtempSync(join(tmpdir(), "translate-"));
    const log: string[] = [];
    const first = await translateItems(input("true", log, { items: [item("q1"), item("q2")] }));
    expect(first.succeeded).toBe(2);
    const line = first.lines.get("q1")!;
    expect(line.item).toMatchObject({ id: "q1", answer: 0, lang: "it", subject: "endocrinology", question: IT.question });
    expect(line.flagged).toBe(false);
    expect(readFileSync(join(dir, "journal.jsonl"), "utf8").trim().split("\n")).toHaveLength(2);
    log.length = 0;
    const again = await translateItems(input("true", log));
    expect(log).toHaveLength(1);
    expect(again.lines.size).toBe(3);
  });

  it("flags a copy, fails a reply that is not strict JSON, and back-translates on request", async () => {
    dir = mkdtempSync(join(tmpdir(), "translate-"));
    const copy = await translateItems(input("copy", []));
    const checks = copy.lines.get("q1")!.checks.filter((c) => !c.pass).map((c) => c.name);
    expect(checks).toEqual(expect.arrayContaining(["language", "copied"]));
    expect(copy.lines.get("q1")!.flagged).toBe(true);
    rmSync(join(dir, "journal.jsonl"));
    const prose = await translateItems(input("prose", []));
    expect(prose.lines.get("q1")).toMatchObject({ failed: true, error: "reply is not JSON" });
    rmSync(join(dir, "journal.jsonl"));
    const log: string[] = [];
    const back = await translateItems(input("true", log, { backTranslate: true, items: [item("q1")] }));
    expect(log).toHaveLength(2);
    expect(back.lines.get("q1")!.checks.find((c) => c.name === "back_translation")).toMatchObject({ pass: true });
  });
});

describe("output", () => {
  it("keeps or drops flagged items, writes a file the registry's jsonl map reads, and a summary", async () => {
    const { splitResult, writeTranslatedSplit, sourceYaml, summaryTable } = await import("../../harness/translate/output.ts");
    const { parse } = await import("yaml");
    const dir = mkdtempSync(join(tmpdir(), "translate-out-"));
    try {
      const ok = { id: "q1", source_hash: "h", failed: false, error: null, item: { ...item("q1", IT), lang: "it" }, back: null, checks: [], flagged: false };
      const bad = { ...ok, id: "q2", item: { ...item("q2", IT), lang: "it" }, checks: [{ name: "copied" as const, pass: false, detail: "x" }], flagged: true };
      const broken = { ...ok, id: "q3", failed: true, error: "reply is not JSON", item: null };
      const lines = new Map<string, TranslationLine>([["q1", ok], ["q2", bad], ["q3", broken]]);
      const kept = splitResult(["q1", "q2", "q3"], lines, false);
      expect(kept.items.map((i) => i.id)).toEqual(["q1", "q2"]);
      expect(kept.failing).toEqual({ copied: 1 });
      const dropped = splitResult(["q1", "q2", "q3"], lines, true);
      expect(dropped.items.map((i) => i.id)).toEqual(["q1"]);
      expect(summaryTable(dropped, 3)).toContain("flagged 1, failed 1, dropped 1");
      const file = join(dir, "medqa/it/test.jsonl");
      const hash = writeTranslatedSplit(file, kept.items);
      expect(hash).toMatch(/^[0-9a-f]{64}$/);
      const row = JSON.parse(readFileSync(file, "utf8").split("\n")[0]!);
      expect(row).toEqual({ id: "q1", question: IT.question, options: IT.options, answer: 0, subject: "endocrinology" });
      const { FieldMapSchema } = await import("../../harness/tasks/task-file-schema.ts");
      expect(FieldMapSchema.safeParse(parse(sourceYaml("medqa/it/test.jsonl")).local.fields).success).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
