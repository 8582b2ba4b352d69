import { describe, expect, it } from "vitest";
import { generativeAnswerer } from "../../harness/runner/generative.ts";
import type { PlannedTask } from "../../harness/runner/plan.ts";
import type { Item } from "../../harness/types.ts";

const item: Item = { id: "q1", question: "Quale?", options: ["a", "b", "c", "d"], answer: 2, lang: "it", hash: "h" };
const task = { meta: { id: "medqa.it", family: "medqa", lang: "it", domain: "in-domain" }, items: [item] } as unknown as PlannedTask;

describe("generativeAnswerer", () => {
  it("scores the answer line a prepared prompt asked for (a fine-tuned model's own label) as strict", async () => {
    const answer = generativeAnswerer({
      dispatcher: { chat: async () => ({ kind: "ok", content: "Ragionamento.\nSoluzione: C\nNota: B era plausibile.", reasoning: null, finishReason: "stop", usage: null, attempts: 1, latencyMs: 1 }) },
      prepare: async () => ({ messages: [{ role: "user", content: "Caso" }], answerLabel: "Soluzione" }),
      buildBody: (messages) => ({ model: "m", messages }),
      cache: null,
      modelIdentity: "m",
    });
    const result = await answer(task, item, new AbortController().signal);
    expect(result?.sample).toMatchObject({ status: "strict", answer: "C", correct: true });
  });
});
