import { describe, expect, it } from "vitest";
import { buildFineTunedMessages } from "../../harness/prompts/fine-tuned.ts";
import { buildZeroShotMessages, renderQuestion, templateHash } from "../../harness/prompts/templates.ts";
import { WORDS } from "../../harness/languages.ts";
import type { Item } from "../../harness/types.ts";

const item = (lang: string): Item => ({ id: "1", question: "Q?", options: ["a", "b", "c", "d"], answer: 1, lang, hash: "h" });

describe("zero-shot prompts", () => {
  it("renders the question block in the item's language", () => {
    expect(renderQuestion(item("it"))).toBe("Domanda: Q?\nOpzioni:\nA. a\nB. b\nC. c\nD. d");
    expect(renderQuestion(item("es"))).toContain("Pregunta: Q?\nOpciones:\nA. a");
  });

  it("asks for the language's answer line", () => {
    const [system, user] = buildZeroShotMessages(item("es"), { style: "cot" });
    expect(system.role).toBe("system");
    expect(user.content).toContain('"Respuesta: X"');
    expect(user.content).toContain("A, B, C, D");
    expect(buildZeroShotMessages(item("it"), { style: "direct" })[1].content).toContain('"Risposta: X"');
  });

  it("uses the model's system prompt, or none when it is empty", () => {
    expect(buildZeroShotMessages(item("en"), { style: "direct", systemPrompt: "Be brief." })[0].content).toBe("Be brief.");
    expect(buildZeroShotMessages(item("en"), { style: "direct", systemPrompt: "" })).toHaveLength(1);
  });

  it("fine-tuned format keeps a question's dollar signs as text", () => {
    const msgs = buildFineTunedMessages({ ...item("en"), question: "It costs $$$ and $& more." }, { thinks: "none", user_template: "Case: {question}\n{options}" });
    expect(msgs[0].content.startsWith("Case: It costs $$$ and $& more.\n")).toBe(true);
  });

  it("fine-tuned format fills the trained template", () => {
    const msgs = buildFineTunedMessages(item("en"), { thinks: "none", system_prompt: "S", user_template: "{question}\n{options}\nThink." });
    expect(msgs).toEqual([
      { role: "system", content: "S" },
      { role: "user", content: "Q?\nA. a\nB. b\nC. c\nD. d\nThink." },
    ]);
  });
});

describe("templateHash", () => {
  it("changes when a language label the prompt uses changes (else a reworded run resumes into the old one)", () => {
    const before = templateHash();
    const saved = WORDS.it.questionLabel;
    try {
      WORDS.it.questionLabel = "Quesito";
      expect(templateHash()).not.toBe(before);
    } finally {
      WORDS.it.questionLabel = saved;
    }
    expect(templateHash()).toBe(before);
  });
});
