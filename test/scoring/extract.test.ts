import { describe, expect, it } from "vitest";
import { extractAnswer } from "../../harness/scoring/extract.ts";

const FOUR = ["Ampicillin and gentamicin", "Ciprofloxacin and trimethoprim-sulfamethoxazole", "Terazosin", "Ceftriaxone and doxycycline"];
const FIVE = [...FOUR, "Vancomycin"];

function letter(content: string | null, opts: { lang?: string; options?: string[]; reasoning?: string | null; finishReason?: string | null } = {}) {
  return extractAnswer({ content, options: opts.options ?? FOUR, lang: opts.lang ?? "en", reasoning: opts.reasoning, finishReason: opts.finishReason });
}

describe("truncation", () => {
  it("finish_reason length is truncated even with an answer line", () => {
    expect(letter("Answer: B", { finishReason: "length" })).toEqual({ answer: null, letter: null, status: "truncated", rule: "finish_reason_length" });
  });
  it("an unclosed <think> is truncated, never read", () => {
    expect(letter("<think>The answer is B. Answer: B", { finishReason: "stop" })).toMatchObject({ status: "truncated", letter: null });
  });
  it("reads only what follows a closed <think>", () => {
    expect(letter("<think>Answer: A</think>\nAnswer: D")).toMatchObject({ status: "strict", letter: "D", answer: 3 });
  });
  it("reads after a lone </think> (template-opened thinking)", () => {
    expect(letter("Answer: A seems right... no.</think>Answer: C")).toMatchObject({ status: "strict", letter: "C" });
  });
  it("an answer only inside the reasoning field is not an answer", () => {
    expect(letter("", { reasoning: "Answer: B" })).toMatchObject({ status: "unparsed", rule: "empty" });
    expect(letter(null, { reasoning: "so B" })).toMatchObject({ status: "unparsed" });
  });
  it("an empty think block before the answer is harmless", () => {
    expect(letter("<think></think>Risposta: B", { lang: "it" })).toMatchObject({ status: "strict", letter: "B" });
  });
});

describe("strict answer line", () => {
  it.each([
    ["Reasoning...\nAnswer: C", "C"],
    ["Reasoning...\n**Answer: C**", "C"],
    ["Reasoning...\n**Answer:** C", "C"],
    ["Reasoning...\nAnswer: (C)", "C"],
    ["Reasoning...\nAnswer: C.", "C"],
    ["Reasoning...\nAnswer: C) Terazosin", "C"],
    ["Answer: A\nOn reflection...\nAnswer: B", "B"],
    ["answer: d", "D"],
  ])("%j -> %s", (content, expected) => {
    expect(letter(content)).toMatchObject({ status: "strict", letter: expected, rule: "strict_line" });
  });
  it("uses the prompt language's label", () => {
    expect(letter("Ragionamento...\nRisposta: B", { lang: "it" })).toMatchObject({ status: "strict", letter: "B" });
    expect(letter("Razonamiento...\nRespuesta: **D**", { lang: "es" })).toMatchObject({ status: "strict", letter: "D" });
    expect(letter("Raisonnement...\nRéponse : A", { lang: "fr" })).toMatchObject({ status: "strict", letter: "A" });
  });
  it("reads the label a fine-tuned model was trained to end with as strict", () => {
    expect(extractAnswer({ content: "Ragionamento…\nFinal Answer: C\nNota: l'opzione B è plausibile.", options: FOUR, lang: "it", answerLabel: "Final Answer" })).toMatchObject({
      status: "strict",
      letter: "C",
    });
    expect(extractAnswer({ content: "…\nSoluzione: D", options: FOUR, lang: "it", answerLabel: "Soluzione" })).toMatchObject({ status: "strict", letter: "D" });
  });
  it("another language's label is only lenient", () => {
    expect(letter("Answer: B", { lang: "it" })).toMatchObject({ status: "lenient", letter: "B" });
  });
  it("a hedged answer line is unparsed", () => {
    expect(letter("Answer: B or D")).toMatchObject({ status: "unparsed", letter: null, rule: "hedge:strict_line" });
  });
  it.each([
    ["Answer: C\n\nExplanation: terazosin relaxes the bladder neck.", "en", "strict"],
    ["Answer: C\nThe patient has BPH.", "en", "strict"],
    ["Answer: D\n\nA. Ampicillin - no\nB. Ciprofloxacin - no", "en", "strict"],
    ["The answer is C\n\nThe patient has BPH.", "en", "lenient"],
    ["Risposta: C\n\nSpiegazione: la terazosina…", "it", "strict"],
    ["Respuesta: C\n\nExplicación: la terazosina…", "es", "strict"],
  ])("a letter followed by a line break and an explanation: %j", (content, lang, status) => {
    expect(letter(content, { lang })).toMatchObject({ status, letter: content.includes("Answer: D") ? "D" : "C" });
  });
  it("a letter outside the options is unparsed", () => {
    expect(letter("Answer: E")).toMatchObject({ status: "unparsed", rule: "out_of_range:strict_line" });
    expect(letter("Answer: E", { options: FIVE })).toMatchObject({ status: "strict", letter: "E" });
  });
});

describe("lenient phrasings", () => {
  it.each([
    ["Therefore, among A through D, the answer is B.", "B"],
    ["Therefore, among A through D, the answer is D) Ceftriaxone and doxycycline", "D"],
    ["So the answer is (B).", "B"],
    ["The correct answer is: **C**", "C"],
    ["The best answer would be option A because it covers both.", "A"],
    ["The final answer: B.", "B"],
    ["I would choose C.", "C"],
    ["I will choose C as it is the closest.", "C"],
    ["The answer is A because it covers gram-negative rods.", "A"],
    ["The answer is B Ciprofloxacin and trimethoprim-sulfamethoxazole.", "B"],
    ["Option C is the correct answer.", "C"],
    ["Therefore, B is correct.", "B"],
    ["**Answer Choice**: D", "D"],
    ["The most likely treatment is **D. Ceftriaxone and doxycycline**.", "D"],
    ['{"step_by_step_thinking": "…", "answer_choice": "D"}', "D"],
    ['{"answer": "b"}', "B"],
    ['{"step_by_step_thinking": "Cipro covers it. Therefore the answer is B.", "answer_choice": "B', "B"],
    ["{'answer': 'C) Terazosin'}", "C"],
    ["B", "B"],
    ["(C)", "C"],
    ["B) Ciprofloxacin and trimethoprim-sulfamethoxazole", "B"],
    ["Opción B", "B"],
    ["The answer is: $\\boxed{\\text{C}}$", "C"],
    ["The final answer is $\\boxed{D}$", "D"],
    ['"answer_choice": "C" ``` The rationale for this choice is as follows', "C"],
    ["Correct option: C", "C"],
    ["B is the answer.", "B"],
    ["Cipro and TMP-SMX cover the organisms. C.", "C"],
  ])("%j -> %s", (content, expected) => {
    expect(letter(content)).toMatchObject({ status: "lenient", letter: expected });
  });

  it.each([
    ["Quindi la risposta corretta è la B.", "B", "it"],
    ["La risposta è (C)", "C", "it"],
    ["L'opzione corretta è D.", "D", "it"],
    ["Pertanto, l'opzione B è corretta.", "B", "it"],
    ["Por lo tanto, la respuesta correcta es la B.", "B", "es"],
    ["La opción correcta es la D.", "D", "es"],
    ["Respuesta correcta: A", "A", "es"],
    ["Donc, la bonne réponse est C.", "C", "fr"],
    ["Opzione corretta: B", "B", "it"],
    ["Opción correcta: (D)", "D", "es"],
    ["La respuesta es a.", "A", "es"],
    ["La risposta giusta è l'opzione D.", "D", "it"],
    ["Por lo tanto, la respuesta correcta sería la D (Doxiciclina).", "D", "es"],
  ])("%j -> %s (%s)", (content, expected, lang) => {
    expect(letter(content, { lang })).toMatchObject({ status: "lenient", letter: expected });
  });

  it("prefers the last conclusive statement", () => {
    expect(letter("At first the answer is A. On reflection, the answer is C.")).toMatchObject({ letter: "C" });
    expect(letter("The correct answer is D) Nuclear pore.\n\nTherefore, among A through D, the answer is B.")).toMatchObject({ letter: "B" });
    expect(letter('Thinking: the answer is A.", "answer_choice": "C"}')).toMatchObject({ letter: "C" });
  });
});

describe("hedges are unparsed, not their first letter", () => {
  it.each([
    "Therefore, among A through D, the answer is B or D.",
    "The answer is either A or C.",
    "Therefore, among A through D, the answer is A, B, and D.",
    "The answer is A and D.",
    "The answer is B/C.",
    "The correct answer is B) Ciprofloxacin and trimethoprim-sulfamethoxazole or D) Ceftriaxone and doxycycline.",
    "So, the correct answer is:\nA) Ampicillin and gentamicin\nB) Ciprofloxacin and trimethoprim-sulfamethoxazole",
    "La risposta corretta è B o D.",
    "La risposta è la B e la C.",
    "La respuesta correcta es la A o la C.",
    "La respuesta es B y D.",
    "I think the answer is B, but it could also be C.",
    "The answer is B (or possibly C).",
    "Answer: B (or D)",
  ])("%j", (content) => {
    const lang = /risposta/.test(content) ? "it" : /respuesta/.test(content) ? "es" : "en";
    const x = letter(content, { lang });
    expect(x).toMatchObject({ status: "unparsed", letter: null });
    expect(x.rule).toMatch(/^hedge:/);
  });
});

describe("letters only count in answer contexts", () => {
  it.each([
    "A 45-year-old man presents with fever. He was treated for a urinary infection.",
    "The answer is a combination of antibiotics that covers the organisms.",
    "Vitamin A is the most likely deficiency here.",
    "Hepatitis B is the most likely diagnosis.",
    "The patient has type A blood.",
    "La risposta è a favore di una terapia combinata.",
    "Il paziente ha febbre e tosse, e la diagnosi è incerta.",
    "La respuesta es a menudo incierta, o depende del paciente.",
    "The answer is not B.",
  ])("%j is unparsed", (content) => {
    const lang = /risposta|paziente/.test(content) ? "it" : /respuesta/.test(content) ? "es" : "en";
    expect(letter(content, { lang })).toMatchObject({ status: "unparsed", letter: null });
  });
  it("does not take 'A through D' as an answer", () => {
    expect(letter("Therefore, among A through D, the answer is unknown.")).toMatchObject({ status: "unparsed" });
  });
  it("an option list echoed back is not an answer", () => {
    const echo = FOUR.map((o, i) => `${"ABCD"[i]}) ${o}`).join("\n");
    expect(letter(echo)).toMatchObject({ status: "unparsed" });
    expect(letter(FOUR.map((o, i) => `${"ABCD"[i]}) ${o}`).join(", "))).toMatchObject({ status: "unparsed" });
  });
  it("the last line names its option even when paraphrased, unless it is a walk-through", () => {
    expect(letter("Cipro covers the organism.\n\nSo the drug is:\n\nB) Ciprofloxacin")).toMatchObject({ status: "lenient", letter: "B" });
    expect(letter("A) Ampicillin and gentamicin: too narrow.\nD) Ceftriaxone and doxycycline: not indicated here.")).toMatchObject({
      status: "unparsed",
    });
  });
});

describe("contradictions and non-answers", () => {
  const OPTS = ["Vitamin B1", "Niacin", "Riboflavin", "Pantothenic acid"];
  it("a letter attached to another option's words is a conflict", () => {
    expect(letter("Therefore, among A through D, the answer is riboflavin (B).", { options: OPTS })).toMatchObject({
      status: "unparsed",
      rule: "conflict:en_answer_is",
    });
    expect(letter("The most likely answer is Choice B) Pantothenic acid.", { options: OPTS })).toMatchObject({ status: "unparsed" });
  });
  it("a bracketed letter agreeing with its words is lenient", () => {
    expect(letter("Therefore, the answer is riboflavin (C).", { options: OPTS })).toMatchObject({ status: "lenient", letter: "C" });
  });
  it("a final 'none of the above' overrides letters mentioned earlier", () => {
    const content = "A) Vitamin B1: no.\nD) Pantothenic acid: no.\n\nTherefore, among A through D, the answer is none of the above.";
    expect(letter(content, { options: OPTS })).toMatchObject({ status: "unparsed", rule: "no_option:en_answer_is" });
  });
});

describe("option text", () => {
  const OPTS = ["Bipolar I disorder", "Major depressive disorder", "Cyclothymia", "Persistent depressive disorder"];
  it("matches the whole reply to an option", () => {
    expect(letter("cyclothymia.", { options: OPTS })).toMatchObject({ status: "option_text", letter: "C", rule: "option_text_whole" });
  });
  it("matches the option named in the final conclusion", () => {
    expect(letter("The mood episodes are long.\n\nThe most likely diagnosis in this patient is bipolar I disorder.", { options: OPTS })).toMatchObject({
      status: "option_text",
      letter: "A",
    });
    expect(letter("Therefore, among A through D, the answer is Cyclothymia.", { options: OPTS })).toMatchObject({ status: "option_text", letter: "C" });
  });
  it("normalises accents, case and punctuation", () => {
    const es = ["Síndrome de Guillain-Barré", "Miastenia gravis", "Esclerosis múltiple", "Botulismo"];
    expect(letter("Por lo tanto, el diagnóstico más probable es el SINDROME DE GUILLAIN BARRE.", { options: es, lang: "es" })).toMatchObject({
      status: "option_text",
      letter: "A",
    });
  });
  it("prefers the longer option that contains a shorter one", () => {
    const opts = ["Hepatitis", "Autoimmune hepatitis", "Cholangitis", "Steatosis"];
    expect(letter("Therefore, the most likely diagnosis is autoimmune hepatitis.", { options: opts })).toMatchObject({ letter: "B" });
  });
  it("two options named is ambiguous, a negated conclusion is skipped", () => {
    expect(letter("Therefore, the most likely diagnosis is bipolar I disorder or cyclothymia.", { options: OPTS })).toMatchObject({
      status: "unparsed",
    });
    expect(letter("Therefore, cyclothymia is the most likely. Bipolar I disorder is not the most likely here.", { options: OPTS })).toMatchObject({
      status: "option_text",
      letter: "C",
    });
  });
  it("an elimination walk-through without a conclusion is unparsed", () => {
    expect(letter("Bipolar I disorder is unlikely. Cyclothymia is not seen in this patient.", { options: OPTS })).toMatchObject({ status: "unparsed" });
  });
});
