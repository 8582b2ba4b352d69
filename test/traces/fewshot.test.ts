// Few-shot prompt shapes: multi-turn and single, in English, Italian and Spanish.
import { describe, expect, it } from "vitest";
import { buildFewShotMessages, fewShotPromptFingerprint, workedAnswer, type WorkedExample } from "../../harness/prompts/fewshot.ts";
import { answerLine } from "../../harness/languages.ts";
import { item } from "./fixtures.ts";

const render = (q: { question: string; options: string[]; lang: string }) =>
  `[${q.lang}] ${q.question}\n${q.options.map((o, i) => `${"ABCDE"[i]}. ${o}`).join("\n")}`;

const shots: WorkedExample[] = [
  { question: "Shot one?", options: ["a", "b", "c"], answer: "B", reasoning: "First reasoning." },
  { question: "Shot two?", options: ["d", "e", "f", "g"], answer: "D", reasoning: "Second reasoning.\nAnswer: D" },
];

describe("buildFewShotMessages", () => {
  for (const lang of ["en", "it", "es"]) {
    it(`multi-turn (${lang}): one user/assistant pair per shot, then the test question`, () => {
      const test = item("t1", lang, "Test question?");
      const messages = buildFewShotMessages(test, shots, { format: "multi-turn", lang, system: "SYS", renderQuestion: render, instruction: () => "INSTR" });
      expect(messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user", "assistant", "user"]);
      expect(messages[1].content).toBe(`[${lang}] Shot one?\nA. a\nB. b\nC. c\n\nINSTR`);
      expect(messages[2].content).toBe(`First reasoning.\n\n${answerLine(lang, "B")}`);
      // A trace that already ends with an answer line keeps exactly one, in the prompt's language.
      expect(messages[4].content).toBe(`Second reasoning.\n\n${answerLine(lang, "D")}`);
      expect(messages[5].content).toBe(`[${lang}] Test question?\nA. alpha\nB. beta\nC. gamma\nD. delta\n\nINSTR`);
    });
  }

  it("single: one user turn with framed examples, then the test question", () => {
    const expected: Record<string, { intro: RegExp; example: string; now: string }> = {
      en: { intro: /^Here are 2 worked examples/, example: "### Example 2", now: "### Now answer the following question in the same way." },
      it: { intro: /^Ecco 2 esempi svolti/, example: "### Esempio 2", now: "### Ora rispondi alla domanda seguente nello stesso modo." },
      es: { intro: /^Estos son 2 ejemplos resueltos/, example: "### Ejemplo 2", now: "### Ahora responde a la siguiente pregunta de la misma manera." },
    };
    for (const [lang, text] of Object.entries(expected)) {
      const messages = buildFewShotMessages(item("t", lang, "Test?"), shots, { format: "single", lang, renderQuestion: render });
      expect(messages).toHaveLength(1);
      expect(messages[0].role).toBe("user");
      const content = messages[0].content;
      expect(content).toMatch(text.intro);
      expect(content).toContain(text.example);
      expect(content).toContain(`First reasoning.\n\n${answerLine(lang, "B")}`);
      expect(content.indexOf(text.now)).toBeLessThan(content.indexOf("Test?"));
      expect(content.endsWith(`[${lang}] Test?\nA. alpha\nB. beta\nC. gamma\nD. delta`)).toBe(true);
    }
  });

  it("with no shots, single is just the question and multi-turn one user turn", () => {
    const test = item("t", "en", "Alone?");
    expect(buildFewShotMessages(test, [], { format: "single", lang: "en", renderQuestion: render })).toEqual([{ role: "user", content: render({ ...test }) }]);
    expect(buildFewShotMessages(test, [], { format: "multi-turn", lang: "en", renderQuestion: render })).toHaveLength(1);
  });

  it("the prompt hash covers the framing texts and the answer-line stripping, not only the builders", () => {
    const fingerprint = JSON.stringify(fewShotPromptFingerprint());
    for (const text of ["Now answer the following question in the same way.", "Ora rispondi alla domanda seguente nello stesso modo.", "Ejemplo 1", "risposta(?: finale| corretta)?"]) {
      expect(fingerprint).toContain(text);
    }
  });

  it("each question's instruction names its own options' letters, shots included", () => {
    const test = item("q1", "en", "Which one?", ["w", "x", "y", "z", "v"]);
    const messages = buildFewShotMessages(test, shots, { format: "multi-turn", lang: "en", renderQuestion: render, instruction: (n) => `one of ${"ABCDE".slice(0, n).split("").join(", ")}` });
    const users = messages.filter((m) => m.role === "user").map((m) => m.content);
    expect(users[0]).toMatch(/one of A, B, C$/);
    expect(users[1]).toMatch(/one of A, B, C, D$/);
    expect(users[2]).toMatch(/one of A, B, C, D, E$/);
  });

  it("the worked answer strips a trailing answer line in any language and any letter case", () => {
    expect(workedAnswer({ ...shots[0], reasoning: "Why.\nRisposta: (b)" }, "es")).toBe("Why.\n\nRespuesta: B");
    expect(workedAnswer({ ...shots[0], reasoning: "Why. **Final answer: B**" }, "en")).toBe("Why.\n\nAnswer: B");
    expect(workedAnswer({ ...shots[0], reasoning: "Why.\n**Answer:** C" }, "en")).toBe("Why.\n\nAnswer: B");
    expect(workedAnswer({ ...shots[0], reasoning: "Why.\nAnswer: C. Pneumonia" }, "en")).toBe("Why.\n\nAnswer: B");
    expect(workedAnswer({ ...shots[0], reasoning: "Perché.\nRisposta finale: C" }, "it")).toBe("Perché.\n\nRisposta: B");
    expect(workedAnswer({ ...shots[0], reasoning: "Porque.\nRespuesta correcta: (C)" }, "es")).toBe("Porque.\n\nRespuesta: B");
    // Not the middle of a sentence.
    expect(workedAnswer({ ...shots[0], reasoning: "So we pick the final answer: B" }, "en")).toBe("So we pick the final answer: B\n\nAnswer: B");
  });
});
