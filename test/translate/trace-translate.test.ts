// A reasoning trace's translation request and reply (trace-prompt.ts), its checks on the
// reasoning (runTraceChecks) and the answer-letter check (translate-traces.ts).
import { describe, expect, it } from "vitest";
import { answerLetterCheck, translatedTrace } from "../../harness/generate/translate-traces.ts";
import type { GeneratedTrace } from "../../harness/generate/output.ts";
import { runTraceChecks } from "../../harness/translate/checks.ts";
import { parseTraceReply, tracePromptHash, traceRequestBody, TRACE_PROMPT_OPENING } from "../../harness/translate/trace-prompt.ts";

const EN = {
  question: "A 45-year-old man has a potassium of 2.9 mmol/L and muscle weakness after starting a diuretic. Which drug is the most likely cause?",
  options: ["Furosemide 40 mg", "Spironolactone", "Amiloride", "Lisinopril"],
  reasoning: "Passage [2] says loop diuretics waste potassium; a potassium of 2.9 mmol/L fits that. Spironolactone and amiloride spare potassium, so option A fits best.",
};
const IT = {
  question: "Un uomo di 45 anni ha un potassio di 2,9 mmol/L e debolezza muscolare dopo aver iniziato un diuretico. Quale farmaco è la causa più probabile?",
  options: ["Furosemide 40 mg", "Spironolattone", "Amiloride", "Lisinopril"],
  reasoning: "Il passo [2] dice che i diuretici dell'ansa fanno perdere potassio; un potassio di 2,9 mmol/L è coerente con questo. Spironolattone e amiloride risparmiano il potassio, quindi l'opzione A è la più adatta.",
};
const SOURCE: GeneratedTrace = {
  id: "medqa:1:gabc", lang: "en", source_dataset: "medqa", source_question_id: "1", split: "dev", ...EN, answer: "A",
  generation: { task: "medqa.en", corpus: "medwiki", passage_ids: ["p1#0"], generator: { name: "g", served_model: "g", checkpoint: null }, prompt_hash: "h", attempt: 1, seed: 7 },
};

describe("the trace translation request", () => {
  it("carries question, options and reasoning, and asks for all three under a schema", () => {
    const body = traceRequestBody(EN, "en", "it", { servedModel: "mt", temperature: 0, maxTokens: 1000, structured: true }) as { messages: { content: string }[]; response_format: { json_schema: { schema: { required: string[]; properties: { options: { minItems: number } } } } } };
    expect(body.messages[0].content).toMatch(new RegExp(`^${TRACE_PROMPT_OPENING} from English into Italian\\.`));
    expect(body.messages[0].content).toContain("passage citations ([1], [2] …) exactly as written");
    expect(JSON.parse(body.messages[1].content)).toEqual(EN);
    expect(body.response_format.json_schema.schema.required).toEqual(["question", "options", "reasoning"]);
    expect(body.response_format.json_schema.schema.properties.options.minItems).toBe(4);
    expect(tracePromptHash("it")).not.toBe(tracePromptHash("es"));
  });

  it("parses a reply strictly", () => {
    expect(parseTraceReply(JSON.stringify(IT), 4)).toEqual({ ok: true, ...IT });
    expect(parseTraceReply(JSON.stringify({ ...IT, reasoning: " " }), 4)).toEqual({ ok: false, error: "reply has no reasoning" });
    expect(parseTraceReply(JSON.stringify({ ...IT, options: IT.options.slice(1) }), 4)).toEqual({ ok: false, error: "reply has 3 options, the source 4" });
    expect(parseTraceReply("Ecco la traduzione.", 4)).toEqual({ ok: false, error: "reply is not JSON" });
  });
});

describe("a translated trace's checks", () => {
  it("pass a faithful translation, and fail a reasoning left in English, one that lost a number, or one copied", () => {
    const failing = (target: typeof IT) => runTraceChecks(EN, target, "it").filter((c) => !c.pass).map((c) => c.name);
    expect(failing(IT)).toEqual([]);
    expect(failing({ ...IT, reasoning: EN.reasoning })).toEqual(["reasoning_language", "reasoning_copied"]);
    expect(failing({ ...IT, reasoning: IT.reasoning.replace("[2]", "") })).toEqual(["reasoning_numbers"]);
    expect(failing({ ...IT, reasoning: "Il passo [2]: potassio di 2,9 mmol/L." })).toEqual(["reasoning_length_ratio"]);
  });

  it("the answer check: no letter named or the gold one passes; another letter fails", () => {
    expect(answerLetterCheck(SOURCE, IT, "it").pass).toBe(true);
    expect(answerLetterCheck(SOURCE, { ...IT, reasoning: `${IT.reasoning}\nRisposta: A` }, "it").pass).toBe(true);
    expect(answerLetterCheck(SOURCE, { ...IT, reasoning: `${IT.reasoning}\nRisposta: B` }, "it")).toEqual({ name: "answer_letter", pass: false, detail: "the reasoning names B; the gold answer is A" });
    // The source named the gold letter: the translation must too.
    const named = { ...SOURCE, reasoning: `${EN.reasoning} The answer is A.` };
    expect(answerLetterCheck(named, IT, "it").pass).toBe(false);
    expect(answerLetterCheck(named, { ...IT, reasoning: `${IT.reasoning} La risposta è A.` }, "it").pass).toBe(true);
  });

  it("a translated trace keeps the gold letter and the generation provenance, and records its source", () => {
    const t = translatedTrace(SOURCE, IT, "it", { name: "mt", served_model: "mt", checkpoint: "/m" });
    expect(t).toMatchObject({ lang: "it", answer: "A", source_question_id: "1", split: "dev", question: IT.question, generation: SOURCE.generation });
    expect(t.id).toMatch(/^medqa:1:gabc:t[0-9a-f]{8}$/);
    expect(t.translation).toMatchObject({ source_trace_id: "medqa:1:gabc", source_lang: "en", translator: { name: "mt", checkpoint: "/m" }, prompt_hash: tracePromptHash("it", "en") });
  });
});
