// The lm-evaluation-harness contexts, character for character, and the first-token prompt.
import { describe, expect, it } from "vitest";
import { firstTokenMessages, loglikelihoodPrompt, logprobPromptStyle, logprobTargetOfStyle, logprobTemplateHash } from "../../harness/prompts/lm-eval.ts";
import type { Item } from "../../harness/types.ts";

const item = (over: Partial<Item> = {}): Item => ({
  id: "1",
  question: "A 45-year-old man has chest pain. What is the next step?",
  options: ["ECG", "Aspirin", "CT scan", "Reassurance"],
  answer: 0,
  lang: "en",
  hash: "h",
  ...over,
});

describe("loglikelihood prompts (lm-evaluation-harness)", () => {
  it("MedQA: medqa_4options' doc_to_text, continuations ' A'..' D', choices 'A'..'D'", () => {
    const p = loglikelihoodPrompt("medqa", item(), "letters");
    expect(p.context).toBe("Question: A 45-year-old man has chest pain. What is the next step?\nA. ECG\nB. Aspirin\nC. CT scan\nD. Reassurance\nAnswer:");
    expect(p.continuations).toEqual([" A", " B", " C", " D"]);
    expect(p.choices).toEqual(["A", "B", "C", "D"]);
    expect(p.template).toBe("lm-eval/medqa/letters");
  });

  it("MedQA keeps the question as it is (lm-evaluation-harness does not strip it)", () => {
    expect(loglikelihoodPrompt("medqa", item({ question: "  Why?\n" }), "letters").context.startsWith("Question:   Why?\n\nA. ECG")).toBe(true);
  });

  it("MedMCQA: 'Choices:' line", () => {
    const p = loglikelihoodPrompt("medmcqa", item({ question: "Which nerve?", options: ["Ulnar", "Radial", "Median", "Axillary"] }), "letters");
    expect(p.context).toBe("Question: Which nerve?\nChoices:\nA. Ulnar\nB. Radial\nC. Median\nD. Axillary\nAnswer:");
    expect(p.continuations).toEqual([" A", " B", " C", " D"]);
  });

  it("MMLU: the subject description, question stripped, no 'Question:' label", () => {
    const p = loglikelihoodPrompt("mmlu_medical", item({ question: " Which bone?  ", options: ["Femur", "Tibia", "Ulna", "Radius"], subject: "clinical_knowledge" }), "letters");
    expect(p.context).toBe("The following are multiple choice questions (with answers) about clinical knowledge.\n\nWhich bone?\nA. Femur\nB. Tibia\nC. Ulna\nD. Radius\nAnswer:");
  });

  it("other families: the MedQA form with as many letters as options", () => {
    const p = loglikelihoodPrompt("headqa", item({ options: ["uno", "dos", "tres", "cuatro", "cinco"], lang: "es" }), "letters");
    expect(p.context).toBe("Question: A 45-year-old man has chest pain. What is the next step?\nA. uno\nB. dos\nC. tres\nD. cuatro\nE. cinco\nAnswer:");
    expect(p.continuations).toEqual([" A", " B", " C", " D", " E"]);
    expect(p.template).toBe("lm-eval/generic(medqa)/letters");
  });

  it("texts: the cloze form, option texts as continuations and as acc_norm's choices", () => {
    const p = loglikelihoodPrompt("medqa", item(), "texts");
    expect(p.context).toBe("Question: A 45-year-old man has chest pain. What is the next step?\nAnswer:");
    expect(p.continuations).toEqual([" ECG", " Aspirin", " CT scan", " Reassurance"]);
    expect(p.choices).toEqual(["ECG", "Aspirin", "CT scan", "Reassurance"]);
    const mmlu = loglikelihoodPrompt("mmlu_medical", item({ subject: "anatomy", question: "Which bone? " }), "texts");
    expect(mmlu.context).toBe("The following are multiple choice questions (with answers) about anatomy.\n\nQuestion: Which bone?\nAnswer:");
  });
});

describe("first-token prompt", () => {
  it("asks for the letter alone, in the item's language, after the zero-shot question block", () => {
    const [system, user] = firstTokenMessages(item({ lang: "it", question: "Quale?" }));
    expect(system.role).toBe("system");
    expect(user.content).toContain("Domanda: Quale?");
    expect(user.content.endsWith("Rispondi solo con la lettera dell'opzione corretta (A, B, C, D).")).toBe(true);
    expect(user.content).not.toContain("Risposta: X");
  });

  it("uses the model's system prompt, or none for ''", () => {
    expect(firstTokenMessages(item(), { systemPrompt: "" })).toHaveLength(1);
    expect(firstTokenMessages(item(), { systemPrompt: "Be brief." })[0].content).toBe("Be brief.");
  });

  it("names its style and hashes its templates", () => {
    expect(logprobPromptStyle("loglikelihood", "texts")).toBe("lm-eval:texts");
    expect(logprobPromptStyle("first-token")).toBe("letter-only");
    expect(logprobTargetOfStyle(logprobPromptStyle("loglikelihood", "texts"))).toBe("texts");
    expect(logprobTargetOfStyle("lm-eval:letters")).toBe("letters");
    expect(logprobTargetOfStyle("direct")).toBeNull();
    expect(logprobTargetOfStyle("lm-eval:words")).toBeNull();
    expect(logprobTemplateHash()).toMatch(/^[0-9a-f]{64}$/);
  });
});
