// Zero-shot prompt templates per language and style. The question block is shared by every
// setting (the few-shot examples render their questions the same way), and the CoT style
// asks for the exact answer line the scorer reads first.
import { WORDS, wordsFor } from "../languages.ts";
import { hashJson } from "../hash.ts";
import { letterOf, type ChatMessage, type Item } from "../types.ts";

export const PROMPT_STYLES = ["direct", "cot"] as const;
export type PromptStyle = (typeof PROMPT_STYLES)[number];

interface StyleText {
  /** Instruction after the question: {label} is the language's answer label, {letters} e.g. "A, B, C, D". */
  direct: string;
  cot: string;
  system: string;
}

const TEXT: Record<string, StyleText> = {
  en: {
    system: "You are a medical expert answering multiple-choice questions.",
    direct: "Answer with the letter of the correct option only ({letters}), in the form \"{label}: X\".",
    cot: "Think step by step about the question and each option, then end your answer with a final line of the form \"{label}: X\", where X is one of {letters}.",
  },
  it: {
    system: "Sei un esperto di medicina che risponde a domande a scelta multipla.",
    direct: "Rispondi solo con la lettera dell'opzione corretta ({letters}), nella forma \"{label}: X\".",
    cot: "Ragiona passo dopo passo sulla domanda e su ciascuna opzione, poi concludi con una riga finale della forma \"{label}: X\", dove X è una tra {letters}.",
  },
  es: {
    system: "Eres un experto en medicina que responde preguntas de opción múltiple.",
    direct: "Responde solo con la letra de la opción correcta ({letters}), en la forma \"{label}: X\".",
    cot: "Razona paso a paso sobre la pregunta y cada opción, y termina tu respuesta con una línea final de la forma \"{label}: X\", donde X es una de {letters}.",
  },
  fr: {
    system: "Vous êtes un expert médical qui répond à des questions à choix multiples.",
    direct: "Répondez uniquement par la lettre de l'option correcte ({letters}), sous la forme \"{label}: X\".",
    cot: "Raisonnez étape par étape sur la question et chaque option, puis terminez par une ligne finale de la forme \"{label}: X\", où X est l'une de {letters}.",
  },
};

function textFor(lang: string): StyleText {
  return TEXT[lang] ?? TEXT.en;
}

/** "Question: …\nOptions:\nA. …\nB. …" in the item's language. */
export function renderQuestion(q: { question: string; options: string[]; lang: string }): string {
  const words = wordsFor(q.lang);
  const options = q.options.map((text, i) => `${letterOf(i)}. ${text}`).join("\n");
  return `${words.questionLabel}: ${q.question.trim()}\n${words.optionsLabel}:\n${options}`;
}

export function instructionFor(style: PromptStyle, lang: string, optionCount: number, answerLabel?: string): string {
  const letters = Array.from({ length: optionCount }, (_, i) => letterOf(i)).join(", ");
  return textFor(lang)[style].replaceAll("{label}", answerLabel ?? wordsFor(lang).answerLabel).replaceAll("{letters}", letters);
}

export function defaultSystemPrompt(lang: string): string {
  return textFor(lang).system;
}

export interface ZeroShotOptions {
  style: PromptStyle;
  /** A model's own system prompt (models.yaml) replaces the default; "" sends none. */
  systemPrompt?: string;
}

export function buildZeroShotMessages(item: Item, opts: ZeroShotOptions): ChatMessage[] {
  const system = opts.systemPrompt ?? defaultSystemPrompt(item.lang);
  const user = `${renderQuestion(item)}\n\n${instructionFor(opts.style, item.lang, item.options.length)}`;
  return [...(system ? [{ role: "system" as const, content: system }] : []), { role: "user", content: user }];
}

/**
 * Hash of every template string, recorded in run.json: a changed wording is a changed run.
 * The per-language labels ("Question:", "Options:", "Answer") and how the messages are put
 * together are part of the wording: left out, a change to them resumed into the old run.
 */
export function templateHash(): string {
  return hashJson({
    TEXT,
    WORDS,
    renderQuestion: renderQuestion.toString(),
    instruction: instructionFor.toString(),
    zeroShot: buildZeroShotMessages.toString(),
  });
}
