import { describe, expect, it } from "vitest";
import { leakageGuard } from "../../harness/traces/guard.ts";
import { normalizeQuestion } from "../../harness/traces/normalize.ts";
import type { Trace } from "../../harness/traces/schema.ts";
import type { Item } from "../../harness/types.ts";

const VIGNETTE =
  "A 67-year-old man comes to the emergency department because of crushing substernal chest pain that began two hours ago while he was shovelling snow. " +
  "He has hypertension and smokes one pack of cigarettes daily. His pulse is 110/min and blood pressure is 90/60 mm Hg. Which of the following is the most likely diagnosis?";

const item = (id: string, question: string, lang = "en"): Item => ({ id, question, options: ["a", "b", "c", "d"], answer: 0, lang, hash: "h" });
const trace = (question: string, extra: Partial<Trace> = {}): Trace =>
  ({ id: "t", lang: "en", source_dataset: "medqa", source_question_id: "train-1", question, norm_question: normalizeQuestion(question), ...extra }) as Trace;

describe("leakageGuard", () => {
  it("knows the test question when a trace's question carries its options too", () => {
    const withOptions = `${VIGNETTE}\nAnswer Choices: (A) Acute myocardial infarction (B) Aortic dissection (C) Pulmonary embolism (D) Pericarditis (E) Pneumothorax`;
    expect(leakageGuard(item("q1", VIGNETTE), { taskFamily: "medqa" }).check(trace(withOptions))).toBe("near_duplicate");
    expect(leakageGuard(item("q1", VIGNETTE), { taskFamily: "medqa" }).check(trace(`Question: ${VIGNETTE} Options: A. one B. two C. three D. four`))).toBe("near_duplicate");
  });

  it("does not exclude a long trace for sharing a short question's stock phrasing", () => {
    const short = item("m1", "Which of the following is the most likely diagnosis of a painful red eye?");
    expect(leakageGuard(short, { taskFamily: "mmlu_medical" }).check(trace(VIGNETTE))).toBeNull();
  });

  it("knows a translation of the test question by its id without the language marker", () => {
    const italian = item("it_test_5", "Un uomo di 67 anni con dolore toracico…", "it");
    expect(leakageGuard(italian, { taskFamily: "medexpqa" }).check(trace("A 67-year-old man with chest pain…", { source_dataset: "medexpqa", source_question_id: "en_test_5" }))).toBe("same_question");
    expect(leakageGuard(italian, { taskFamily: "medexpqa" }).check(trace("A 67-year-old man with chest pain…", { source_dataset: "medexpqa", source_question_id: "en_test_6" }))).toBeNull();
  });
});
