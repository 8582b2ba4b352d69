// The grounded-generation prompt: the retrieved passages, numbered, then the question as every
// prompt renders it, then the chain-of-thought instruction that asks for the project's answer
// line (prompts/templates.ts), so the scorer's extractor reads the reply as it reads a run's.
import { hashJson } from "../hash.ts";
import { defaultSystemPrompt, instructionFor, renderQuestion } from "../prompts/templates.ts";
import type { ChatMessage, Item } from "../types.ts";

/** A passage as the prompt shows it. */
export interface ShownPassage {
  id: string;
  title: string;
  text: string;
}

interface GroundingText {
  /** Heading of the passages block. */
  passages: string;
  /** Before the answer-line instruction. */
  ground: string;
}

const TEXT: Record<string, GroundingText> = {
  en: {
    passages: "Passages from a medical reference",
    ground: "Use the numbered passages above as your evidence: cite them by number ([1], [2] …) where they support a step, and say so where they do not cover a point.",
  },
  it: {
    passages: "Passi da un testo di riferimento medico",
    ground: "Usa i passi numerati qui sopra come prove: citali per numero ([1], [2] …) dove sostengono un passaggio, e dillo dove non coprono un punto.",
  },
  es: {
    passages: "Pasajes de una obra de referencia médica",
    ground: "Usa los pasajes numerados de arriba como evidencia: cítalos por número ([1], [2] …) donde apoyen un paso, y dilo donde no cubran un punto.",
  },
  fr: {
    passages: "Passages d'un ouvrage de référence médical",
    ground: "Utilisez les passages numérotés ci-dessus comme preuves : citez-les par leur numéro ([1], [2] …) là où ils appuient une étape, et dites-le là où ils ne couvrent pas un point.",
  },
};

function textFor(lang: string): GroundingText {
  return TEXT[lang] ?? TEXT.en;
}

/** "[1] Title\ntext" blocks; a passage without a title shows its text only. */
export function renderPassages(passages: readonly ShownPassage[], lang: string): string {
  const blocks = passages.map((p, i) => `[${i + 1}] ${p.title.trim() ? `${p.title.trim()}\n` : ""}${p.text.trim()}`);
  return `${textFor(lang).passages}:\n\n${blocks.join("\n\n")}`;
}

export function groundedMessages(item: Item, passages: readonly ShownPassage[]): ChatMessage[] {
  const user = [
    renderPassages(passages, item.lang),
    renderQuestion(item),
    `${textFor(item.lang).ground} ${instructionFor("cot", item.lang, item.options.length)}`,
  ].join("\n\n");
  return [
    { role: "system", content: defaultSystemPrompt(item.lang) },
    { role: "user", content: user },
  ];
}

/** What the prompt is, recorded with each trace: a change of wording or layout changes it. */
export function groundedPromptHash(lang: string): string {
  return hashJson({
    lang,
    TEXT: textFor(lang),
    system: defaultSystemPrompt(lang),
    instruction: instructionFor("cot", lang, 4),
    renderPassages: renderPassages.toString(),
    renderQuestion: renderQuestion.toString(),
    groundedMessages: groundedMessages.toString(),
  });
}
