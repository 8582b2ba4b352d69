// Exporting traces for fine-tuning: chat jsonl in a model's fine_tuned: format, per language,
// train and dev, with a card; and the round trip: export → import (medeval-sft preset) → the
// same traces, and the assistant turn read back by the fine-tuned setting's extraction.
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256 } from "../../harness/hash.ts";
import type { FineTunedFormat } from "../../harness/models/schema.ts";
import { buildFineTunedMessages } from "../../harness/prompts/fine-tuned.ts";
import { exportSft, isDev, type SftLine } from "../../harness/prompts/sft-export.ts";
import { extractAnswer } from "../../harness/scoring/extract.ts";
import { allTraces } from "../../harness/traces/all-traces.ts";
import { TRACE_PRESETS } from "../../harness/traces/field-map.ts";
import { importTraces } from "../../harness/traces/import.ts";
import { TraceStore } from "../../harness/traces/store.ts";
import { indexOfLetter, UserError } from "../../harness/types.ts";
import { tempDir } from "../helpers.ts";
import { fillerTraces, trace, writeJsonl } from "./fixtures.ts";

const FORMAT: FineTunedFormat = { system_prompt: "You are a careful physician.", user_template: "{question}\n\n{options}", answer_label: "Final Answer", thinks: "none" };
const THINKS: FineTunedFormat = { thinks: "think-tags" };

const readLines = (file: string): SftLine[] =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as SftLine);

describe("traces export --format chat", () => {
  let dir: string;
  let store: TraceStore;
  beforeAll(async () => {
    dir = tempDir("medeval-traces-export-");
    store = await TraceStore.open(join(dir, "store"));
    const file = writeJsonl(dir, "traces.jsonl", [
      ...fillerTraces("en", 40),
      ...fillerTraces("it", 5).map((t, i) => ({ ...t, answer: "ABCD"[i % 4] })),
      trace("leak", "en", "A test question's trace", { split: "test" }),
    ]);
    await importTraces(store, file);
  });
  afterAll(() => store.close());

  it("writes train and dev per language, leaves out traces of test questions, and a card with counts and file hashes", async () => {
    const out = join(dir, "out");
    const card = await exportSft(store, { outDir: out, template: { name: "ft-model", format: FORMAT }, devFraction: 0.2 });
    const en = card.languages.en;
    expect(en.train + en.dev).toBe(40);
    expect(en.excluded_test).toBe(1);
    expect(en.dev).toBe(fillerTraces("en", 40).filter((t) => isDev({ id: String(t.id), lang: "en" }, 0.2)).length);
    expect(en.dev).toBeGreaterThan(0);
    expect(card.languages.it.train + card.languages.it.dev).toBe(5);
    expect(en.by_source).toEqual({ medqa: 40 });
    for (const [name, hash] of Object.entries(card.files)) expect(sha256(readFileSync(join(out, name)))).toBe(hash);
    expect(JSON.parse(readFileSync(join(out, "card.json"), "utf8"))).toEqual(card);
    expect(existsSync(join(out, "en", "train.jsonl.partial"))).toBe(false);
    const dev = readLines(join(out, "en", "dev.jsonl"));
    expect(dev.every((l) => isDev(l.medeval, 0.2))).toBe(true);
    expect(readLines(join(out, "en", "train.jsonl")).some((l) => l.medeval.id === "leak")).toBe(false);
  });

  it("writes the user turn the fine-tuned setting sends, and an assistant turn its extraction reads as the gold answer", async () => {
    for (const [name, format] of [["plain", FORMAT], ["thinks", THINKS]] as const) {
      const out = join(dir, `chat-${name}`);
      await exportSft(store, { outDir: out, template: { name, format }, langs: ["it"], devFraction: 0 });
      const lines = readLines(join(out, "it", "train.jsonl"));
      expect(lines).toHaveLength(5);
      for (const { messages, medeval } of lines) {
        const item = { id: medeval.id, question: medeval.question, options: medeval.options, answer: indexOfLetter(medeval.answer), lang: "it", hash: "" };
        expect(messages.slice(0, -1)).toEqual(buildFineTunedMessages(item, format));
        const assistant = messages[messages.length - 1];
        expect(assistant.role).toBe("assistant");
        expect(assistant.content).toContain(medeval.reasoning);
        const extraction = extractAnswer({ content: assistant.content, options: medeval.options, lang: "it", answerLabel: format.answer_label });
        expect([extraction.letter, extraction.status]).toEqual([medeval.answer, "strict"]);
      }
      if (name === "thinks") expect(lines[0].messages.at(-1)!.content).toMatch(/^<think>\n[\s\S]*\n<\/think>\n\nRisposta: [A-D]$/);
      else expect(lines[0].messages[0]).toEqual({ role: "system", content: FORMAT.system_prompt });
    }
  });

  it("round trip: what it exports imports back (medeval-sft preset) as the same traces", async () => {
    const out = join(dir, "round");
    await exportSft(store, { outDir: out, template: { name: "ft-model", format: FORMAT }, devFraction: 0.2 });
    const again = await TraceStore.open(join(dir, "store-again"));
    try {
      for (const lang of ["en", "it"]) {
        for (const part of ["train", "dev"]) {
          const report = await importTraces(again, join(out, lang, `${part}.jsonl`), { fieldMap: TRACE_PRESETS["medeval-sft"] });
          expect(report.rejected).toBe(0);
        }
        const byId = <T extends { id: string }>(xs: T[]) => [...xs].sort((a, b) => a.id.localeCompare(b.id));
        const original = (await allTraces(store, lang)).filter((t) => t.split !== "test");
        expect(byId(await allTraces(again, lang))).toEqual(byId(original));
      }
    } finally {
      again.close();
    }
  });

  it("refuses a language the store does not have, and a dev fraction out of range", async () => {
    await expect(exportSft(store, { outDir: join(dir, "x"), template: { name: "m", format: FORMAT }, langs: ["fr"] })).rejects.toThrow(UserError);
    await expect(exportSft(store, { outDir: join(dir, "x"), template: { name: "m", format: FORMAT }, devFraction: 1 })).rejects.toThrow(/dev fraction/);
  });
});
