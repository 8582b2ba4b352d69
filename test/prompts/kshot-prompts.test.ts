// Plain k-shot prompts without data on disk: lm-evaluation-harness's k-shot context, answer-only
// shots in chat, and which pool rows become shots.
import { describe, expect, it } from "vitest";
import { hashJson } from "../../harness/hash.ts";
import { buildFewShotMessages, workedAnswer } from "../../harness/prompts/fewshot.ts";
import { loglikelihoodPrompt } from "../../harness/prompts/lm-eval.ts";
import { renderQuestion } from "../../harness/prompts/templates.ts";
import { pickPoolShots, type ShotPool } from "../../harness/runner/fewshot-pool.ts";
import { recordToItem } from "../../harness/data/to-item.ts";
import type { Item } from "../../harness/types.ts";

const item = (id: string, question: string, answer = 0): Item => {
  const options = ["alpha", "beta", "gamma", "delta"];
  return { id, question, options, answer, lang: "en", hash: hashJson({ question, options, answer }) };
};

describe("loglikelihood k-shot", () => {
  it("is lm-evaluation-harness's medqa context: shots with their letter, blank lines between, then the question", () => {
    const shots = [item("s1", "Shot one?", 2), item("s2", "Shot two?", 1)];
    const p = loglikelihoodPrompt("medqa", item("t", "Test?"), "letters", shots);
    const lines = "A. alpha\nB. beta\nC. gamma\nD. delta\n";
    expect(p.context).toBe(`Question: Shot one?\n${lines}Answer: C\n\nQuestion: Shot two?\n${lines}Answer: B\n\nQuestion: Test?\n${lines}Answer:`);
    expect(loglikelihoodPrompt("medqa", item("t", "Test?"), "letters").context).toBe(`Question: Test?\n${lines}Answer:`);
  });

  it("the cloze form continues each shot with its answer's text", () => {
    const p = loglikelihoodPrompt("headqa", item("t", "Test?"), "texts", [item("s", "Shot?", 3)]);
    expect(p.context).toBe("Question: Shot?\nAnswer: delta\n\nQuestion: Test?\nAnswer:");
  });
});

describe("answer-only shots", () => {
  it("end with the answer line alone, and the single-turn framing says they carry answers, not reasoning", () => {
    expect(workedAnswer({ question: "q", options: ["a", "b"], answer: "B", reasoning: "" }, "it")).toBe("Risposta: B");
    const [user] = buildFewShotMessages(item("t", "Test?"), [{ question: "Shot?", options: ["a", "b"], answer: "A", reasoning: "" }], { format: "single", lang: "en", renderQuestion });
    expect(user.content).toMatch(/^Here is an example medical multiple-choice question with its answer\.\n\n### Example 1\nQuestion: Shot\?[\s\S]*\n\nAnswer: A\n\n### Now answer/);
  });
});

describe("pickPoolShots", () => {
  const pool: ShotPool = { items: ["a", "b", "c", "d", "e", "f"].map((id) => item(id, `Question ${id}?`)), source: { task: "x", kind: "local", location: "x", files: [], items_hash: "h", n: 6 } };

  it("first: the pool's first k, skipping a row identical to the item", () => {
    expect(pickPoolShots(pool, "x", item("t", "Test?"), { k: 3, sampler: "first", seed: 1 }).map((s) => s.id)).toEqual(["a", "b", "c"]);
    expect(pickPoolShots(pool, "x", item("t", "Question b?"), { k: 3, sampler: "first", seed: 1 }).map((s) => s.id)).toEqual(["a", "c", "d"]);
  });

  it("random: k distinct, the same for the same seed and item, other for another item or seed", () => {
    const pick = (id: string, seed: number) => pickPoolShots(pool, "x", item(id, `Test ${id}?`), { k: 3, sampler: "random", seed }).map((s) => s.id);
    expect(new Set(pick("t1", 1)).size).toBe(3);
    expect(pick("t1", 1)).toEqual(pick("t1", 1));
    const others = [pick("t2", 1), pick("t3", 1), pick("t1", 2), pick("t1", 3)];
    expect(others.some((o) => o.join() !== pick("t1", 1).join())).toBe(true);
  });
});

describe("the explanation field", () => {
  const fields = { question: "q", options: { columns: ["a", "b"] }, answer: { field: "ans", encoding: "letter" as const }, explanation: "exp" };
  const row = (data: Record<string, unknown>) => recordToItem({ data: { q: "Q?", a: "x", b: "y", ans: "A", ...data }, where: "line 1", index: 0 }, fields, { file: "f", lang: "en" });

  it("is read when the row has one, left out when it is empty or null (MedMCQA), and not part of the item hash", () => {
    expect(row({ exp: " Because x. " }).explanation).toBe("Because x.");
    expect(row({ exp: null })).not.toHaveProperty("explanation");
    expect(row({ exp: "" })).not.toHaveProperty("explanation");
    expect(row({ exp: "Because x." }).hash).toBe(row({}).hash);
  });
});
