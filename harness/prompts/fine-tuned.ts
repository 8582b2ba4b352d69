// The fine-tuned setting: a model trained on reasoning traces is evaluated zero-shot in the
// exact format it was trained on (models.yaml `fine_tuned:`), not in medeval's own wording.
import type { FineTunedFormat } from "../models/schema.ts";
import { letterOf, type ChatMessage, type Item } from "../types.ts";
import { instructionFor, renderQuestion } from "./templates.ts";

export function buildFineTunedMessages(item: Item, format: FineTunedFormat): ChatMessage[] {
  const options = item.options.map((text, i) => `${letterOf(i)}. ${text}`).join("\n");
  const user = format.user_template
    ? // Replacer functions: a "$" in a question ("$$$") is text, not a replacement pattern.
      format.user_template.replaceAll("{question}", () => item.question.trim()).replaceAll("{options}", () => options)
    : `${renderQuestion(item)}\n\n${instructionFor("cot", item.lang, item.options.length, format.answer_label)}`;
  return [...(format.system_prompt ? [{ role: "system" as const, content: format.system_prompt }] : []), { role: "user", content: user }];
}
