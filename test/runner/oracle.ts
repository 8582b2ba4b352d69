// A fake model that knows the gold answers: it answers a chosen set of items correctly and
// the rest wrongly, so a test knows the exact accuracy a run must report.
import { loadItems, loadRegistry } from "../../harness/tasks/index.ts";
import { letterOf, type Item } from "../../harness/types.ts";
import { lastUserText, replyFor, type AnswerStyle } from "../fake-vllm/helpers.ts";
import type { Behavior } from "../fake-vllm/types.ts";

export interface OracleTask {
  task: string;
  items: Item[];
  correct: Set<string>;
}

const QUESTION_RE = /^(?:Question|Domanda|Pregunta): ([\s\S]*?)\n(?:Options|Opzioni|Opciones):/m;

export async function buildOracle(
  selector: string,
  dataDir: string,
  limit: number,
  isCorrect: (item: Item, index: number) => boolean,
): Promise<OracleTask[]> {
  const registry = loadRegistry();
  const out: OracleTask[] = [];
  for (const spec of registry.resolve(selector)) {
    const { items } = await loadItems(spec, "test", { dataDir });
    const mine = items.slice(0, limit);
    out.push({ task: spec.id, items: mine, correct: new Set(mine.filter((it, i) => isCorrect(it, i)).map((it) => it.question.trim())) });
  }
  return out;
}

/** Answers gold for items in `correct`, the next option otherwise; unknown questions get "A". */
export function oracleBehavior(tasks: OracleTask[], style: AnswerStyle = "cot"): Behavior {
  const byQuestion = new Map<string, { item: Item; correct: boolean }>();
  for (const t of tasks) for (const item of t.items) byQuestion.set(item.question.trim(), { item, correct: t.correct.has(item.question.trim()) });
  return (req) => {
    const text = lastUserText(req.messages);
    const q = QUESTION_RE.exec(text)?.[1]?.trim();
    const entry = q ? byQuestion.get(q) : undefined;
    if (!entry) return replyFor("A", style, "en");
    const { item, correct } = entry;
    const index = correct ? item.answer : (item.answer + 1) % item.options.length;
    return replyFor(letterOf(index), style, item.lang);
  };
}

export function expectedAccuracy(t: OracleTask): number {
  return t.correct.size / t.items.length;
}
