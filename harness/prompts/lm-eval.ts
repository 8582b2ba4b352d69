// Prompts for the logprob scoring modes.
//
// Loglikelihood: the contexts and continuations of lm-evaluation-harness, character for
// character, so that its published MedQA / MedMCQA / MMLU numbers can be reproduced:
//   medqa_4options  "Question: {q}\nA. {a}\nB. {b}\nC. {c}\nD. {d}\nAnswer:"       + " A".." D"
//   medmcqa         "Question: {q}\nChoices:\nA. {a}\n…\nD. {d}\nAnswer:"            + " A".." D"
//   mmlu_{subject}  "The following are multiple choice questions (with answers) about
//                    {subject}.\n\n{q.strip()}\nA. {a}\n…\nD. {d}\nAnswer:"           + " A".." D"
// Every other family (headqa, medexpqa, anything new) gets the MedQA form with as many
// lettered lines as the item has options. The "texts" target is lm-evaluation-harness's
// cloze form (its headqa and mmlu_continuation tasks): "Question: {q}\nAnswer:" and the option
// texts as continuations " {text}". The labels stay English in every language, as in
// lm-evaluation-harness's own Spanish HEAD-QA task.
//
// First-token: the zero-shot question block of templates.ts with an instruction that asks
// for the letter alone. The "direct" style's instruction asks for "Answer: X", whose first
// token is "Answer", never a letter, so it cannot be read from one token.
import { hashJson } from "../hash.ts";
import { letterOf, type ChatMessage, type Item } from "../types.ts";
import { defaultSystemPrompt, renderQuestion, templateHash } from "./templates.ts";

export const LOGPROB_TARGETS = ["letters", "texts"] as const;
/** What the loglikelihood continuations are: the option letters (" A") or the option texts (" Aspirin"). */
export type LogprobTarget = (typeof LOGPROB_TARGETS)[number];

/** lm-evaluation-harness's `target_delimiter`: put between the context and every choice. */
export const TARGET_DELIMITER = " ";

export interface LoglikelihoodPrompt {
  /** Which template made it (recorded per sample): e.g. "lm-eval/medqa/letters". */
  template: string;
  /** The context, ending without whitespace ("…Answer:"). */
  context: string;
  /** One per option, in option order: TARGET_DELIMITER + choice. */
  continuations: string[];
  /** The choices as lm-evaluation-harness measures them for acc_norm (no delimiter). */
  choices: string[];
}

function letteredLines(options: readonly string[]): string {
  return options.map((text, i) => `${letterOf(i)}. ${text}\n`).join("");
}

/** lm-evaluation-harness medqa_4options (preprocess_medqa.doc_to_text): no stripping. */
function medqaContext(item: Item): string {
  return `Question: ${item.question}\n${letteredLines(item.options)}Answer:`;
}

/** lm-evaluation-harness medmcqa (preprocess_medmcqa.doc_to_text). */
function medmcqaContext(item: Item): string {
  return `Question: ${item.question}\nChoices:\n${letteredLines(item.options)}Answer:`;
}

/** lm-evaluation-harness's per-subject MMLU description, "clinical_knowledge" → "clinical knowledge". */
function mmluDescription(item: Item): string {
  const subject = (item.subject ?? "medicine").replaceAll("_", " ");
  return `The following are multiple choice questions (with answers) about ${subject}.\n\n`;
}

/** lm-evaluation-harness mmlu (default) doc_to_text: "{{question.strip()}}\nA. …\nAnswer:" (the description comes once, before any shot). */
function mmluContext(item: Item): string {
  return `${item.question.trim()}\n${letteredLines(item.options)}Answer:`;
}

type ContextBuilder = (item: Item) => string;

const LETTER_CONTEXTS = new Map<string, ContextBuilder>([
  ["medqa", medqaContext],
  ["medmcqa", medmcqaContext],
  ["mmlu_medical", mmluContext],
]);

/** Families without a template of their own use the MedQA form (see the file comment). */
const GENERIC_LETTER_FAMILY = "medqa";

/** lm-evaluation-harness's `fewshot_delimiter`: between shots, and between the last shot and the question. */
export const FEWSHOT_DELIMITER = "\n\n";

function clozeContext(family: string, item: Item): string {
  // mmlu_continuation keeps the subject description and strips the question; headqa does neither.
  if (family === "mmlu_medical") return `Question: ${item.question.trim()}\nAnswer:`;
  return `Question: ${item.question}\nAnswer:`;
}

/**
 * The context and continuations to score for one item of a task family, after k solved
 * examples as lm-evaluation-harness writes them (its ContextSampler): the description once,
 * then each shot's doc_to_text + target_delimiter + its correct choice, joined and followed
 * by fewshot_delimiter, then the question.
 */
export function loglikelihoodPrompt(family: string, item: Item, target: LogprobTarget, shots: readonly Item[] = []): LoglikelihoodPrompt {
  const description = family === "mmlu_medical" ? mmluDescription(item) : "";
  const withShots = (context: (doc: Item) => string, choice: (doc: Item) => string): string =>
    description + shots.map((shot) => context(shot) + TARGET_DELIMITER + choice(shot) + FEWSHOT_DELIMITER).join("") + context(item);
  if (target === "texts") {
    const choices = [...item.options];
    return {
      template: `lm-eval/${family === "mmlu_medical" ? "mmlu_medical" : "generic"}/texts`,
      context: withShots((doc) => clozeContext(family, doc), (doc) => doc.options[doc.answer]),
      continuations: choices.map((c) => TARGET_DELIMITER + c),
      choices,
    };
  }
  const own = LETTER_CONTEXTS.get(family);
  const choices = item.options.map((_, i) => letterOf(i));
  return {
    template: `lm-eval/${own ? family : `generic(${GENERIC_LETTER_FAMILY})`}/letters`,
    context: withShots(own ?? medqaContext, (doc) => letterOf(doc.answer)),
    continuations: choices.map((c) => TARGET_DELIMITER + c),
    choices,
  };
}

const LETTER_ONLY: Record<string, string> = {
  en: "Answer with the letter of the correct option only ({letters}).",
  it: "Rispondi solo con la lettera dell'opzione corretta ({letters}).",
  es: "Responde solo con la letra de la opción correcta ({letters}).",
  fr: "Répondez uniquement par la lettre de l'option correcte ({letters}).",
};

export function letterOnlyInstruction(lang: string, optionCount: number): string {
  const letters = Array.from({ length: optionCount }, (_, i) => letterOf(i)).join(", ");
  return (LETTER_ONLY[lang] ?? LETTER_ONLY.en).replaceAll("{letters}", letters);
}

export interface FirstTokenPromptOptions {
  /** A model's own system prompt (models.yaml) replaces the default; "" sends none. */
  systemPrompt?: string;
}

/** The chat messages for first-token scoring: the zero-shot question block, letter only. */
export function firstTokenMessages(item: Item, opts: FirstTokenPromptOptions = {}): ChatMessage[] {
  const system = opts.systemPrompt ?? defaultSystemPrompt(item.lang);
  const user = `${renderQuestion(item)}\n\n${letterOnlyInstruction(item.lang, item.options.length)}`;
  return [...(system ? [{ role: "system" as const, content: system }] : []), { role: "user", content: user }];
}

/**
 * The `prompt_style` a run records for a logprob mode: "lm-eval:letters", "lm-eval:texts"
 * or "letter-only" (first-token).
 */
export function logprobPromptStyle(scoring: "loglikelihood" | "first-token", target: LogprobTarget = "letters"): string {
  return scoring === "loglikelihood" ? `lm-eval:${target}` : "letter-only";
}

/** The target a recorded `prompt_style` stands for ("lm-eval:texts" → "texts"), for --resume; null for other styles. */
export function logprobTargetOfStyle(style: string): LogprobTarget | null {
  const target = /^lm-eval:(.+)$/.exec(style)?.[1];
  return (LOGPROB_TARGETS as readonly string[]).includes(target ?? "") ? (target as LogprobTarget) : null;
}

/** Hash of every template here, for run.json's prompt_template_hash: a changed wording is a changed run. */
export function logprobTemplateHash(): string {
  return hashJson({
    contexts: [medqaContext, medmcqaContext, mmluContext, mmluDescription, clozeContext, letteredLines, loglikelihoodPrompt].map((f) => f.toString()),
    delimiter: TARGET_DELIMITER,
    fewshotDelimiter: FEWSHOT_DELIMITER,
    letterOnly: LETTER_ONLY,
    firstToken: [firstTokenMessages.toString(), letterOnlyInstruction.toString(), templateHash()],
  });
}
