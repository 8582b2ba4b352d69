import { describe, expect, it } from "vitest";
import { optionsFromQuestion } from "../../harness/prompts/read-options.ts";
import { instructionFor, renderQuestion } from "../../harness/prompts/templates.ts";

describe("optionsFromQuestion: the options of a question as sent", () => {
  it("reads back what renderQuestion wrote, in each language, after shots with their own options", () => {
    for (const lang of ["en", "it", "es", "fr"]) {
      const shot = renderQuestion({ question: "Shot?", options: ["x", "y"], lang });
      const options = ["Aspirina", "Eparina: dose piena", "Warfarin", "Dabigatran", "None"];
      const text = `${shot}\nAnswer: A\n\n${renderQuestion({ question: "Which?", options, lang })}\n\n${instructionFor("cot", lang, 5)}`;
      expect(optionsFromQuestion(text, lang)).toEqual(options);
    }
  });

  it("keeps an option's second line, and is empty where no option list was rendered", () => {
    expect(optionsFromQuestion(renderQuestion({ question: "Q", options: ["one\nmore", "two"], lang: "en" }), "en")).toEqual(["one\nmore", "two"]);
    expect(optionsFromQuestion("The patient presents with …", "en")).toEqual([]);
  });
});
