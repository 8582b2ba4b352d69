// Few-shot prompts from reasoning traces: each shot is a worked example (question and options,
// then the trace's reasoning ending with the fixed answer line), before the test question.
// Multi-turn by default (one user/assistant exchange per shot), or everything in one user turn.
import { answerLine, LANGUAGES } from "../languages.ts";
import { selectShots, type Exclusion, type SelectOptions } from "../traces/select.ts";
import type { TraceStore } from "../traces/store.ts";
import type { ChatMessage, Item } from "../types.ts";

export const SHOT_FORMATS = ["multi-turn", "single"] as const;
export type ShotFormat = (typeof SHOT_FORMATS)[number];

/** What buildFewShotMessages needs of a trace: the shape harness/traces returns. */
export interface WorkedExample {
  question: string;
  options: string[];
  /** The correct option's letter. */
  answer: string;
  /** "" for an answer-only shot (plain k-shot): the worked answer is then the answer line alone. */
  reasoning: string;
}

export type QuestionRenderer = (q: { question: string; options: string[]; lang: string }) => string;

export interface FewShotOptions {
  format: ShotFormat;
  /** The prompt's language: framing text and answer lines (the test item's language). */
  lang: string;
  system?: string;
  /** The zero-shot question block (harness/prompts), so shots and the test question look alike. */
  renderQuestion: QuestionRenderer;
  /**
   * Instruction after each question (e.g. "think step by step, end with 'Answer: X'"), for a
   * question with that many options: a shot with five options names A–E, not the item's A–D.
   */
  instruction?: (optionCount: number) => string;
}

interface Framing {
  intro: (n: number) => string;
  /** For shots that carry only their answer (plain k-shot without explanations). */
  introAnswered: (n: number) => string;
  example: (i: number) => string;
  now: string;
}

const FRAMING: Record<string, Framing> = {
  en: {
    intro: (n) => `Here ${n === 1 ? "is a worked example" : `are ${n} worked examples`} of medical multiple-choice questions, each with its reasoning and answer.`,
    introAnswered: (n) => (n === 1 ? "Here is an example medical multiple-choice question with its answer." : `Here are ${n} example medical multiple-choice questions with their answers.`),
    example: (i) => `Example ${i}`,
    now: "Now answer the following question in the same way.",
  },
  it: {
    intro: (n) => `Ecco ${n === 1 ? "un esempio svolto" : `${n} esempi svolti`} di domande mediche a scelta multipla, ciascuno con il ragionamento e la risposta.`,
    introAnswered: (n) => (n === 1 ? "Ecco un esempio di domanda medica a scelta multipla con la relativa risposta." : `Ecco ${n} esempi di domande mediche a scelta multipla con le relative risposte.`),
    example: (i) => `Esempio ${i}`,
    now: "Ora rispondi alla domanda seguente nello stesso modo.",
  },
  es: {
    intro: (n) => `Estos son ${n === 1 ? "un ejemplo resuelto" : `${n} ejemplos resueltos`} de preguntas médicas de opción múltiple, cada uno con su razonamiento y su respuesta.`,
    introAnswered: (n) => (n === 1 ? "Este es un ejemplo de pregunta médica de opción múltiple con su respuesta." : `Estos son ${n} ejemplos de preguntas médicas de opción múltiple con sus respuestas.`),
    example: (i) => `Ejemplo ${i}`,
    now: "Ahora responde a la siguiente pregunta de la misma manera.",
  },
  fr: {
    intro: (n) => `Voici ${n === 1 ? "un exemple résolu" : `${n} exemples résolus`} de questions médicales à choix multiples, chacun avec son raisonnement et sa réponse.`,
    introAnswered: (n) => (n === 1 ? "Voici un exemple de question médicale à choix multiples avec sa réponse." : `Voici ${n} exemples de questions médicales à choix multiples avec leurs réponses.`),
    example: (i) => `Exemple ${i}`,
    now: "Répondez maintenant à la question suivante de la même manière.",
  },
};

function framingFor(lang: string): Framing {
  return FRAMING[lang] ?? FRAMING.en;
}

/**
 * Any language's answer line as the reasoning's last statement, on a line of its own or after a
 * sentence ("Answer: C", "**Answer:** C", "Final answer: (C) Pneumonia", "Risposta finale: C",
 * "Respuesta correcta: C"); never the middle of a sentence ("…we pick the final answer: C").
 */
const ANSWER_LABELS = ["(?:final |correct )?answer", "risposta(?: finale| corretta)?", "respuesta(?: final| correcta)?", "r[ée]ponse(?: finale| correcte)?"];
const TRAILING_ANSWER_LINE = new RegExp(
  `(?:^|\\n|(?<=[.!?])[ \\t]+)[ \\t*_>#-]*(?:${ANSWER_LABELS.join("|")})[ \\t*_]*:[ \\t*_]*\\(?[A-J]\\)?(?:[ \\t]*[.):\\-–—][^\\n]*)?[ \\t*_.]*$`,
  "i",
);

/** The assistant's worked answer: the reasoning, then exactly one answer line in the prompt's language. */
export function workedAnswer(shot: WorkedExample, lang: string): string {
  // A trace that already ends with an answer line (perhaps in its own language) would end
  // with two; keep only the prompt language's, which the scorer reads.
  const reasoning = shot.reasoning.trim().replace(TRAILING_ANSWER_LINE, "").trimEnd();
  return reasoning === "" ? answerLine(lang, shot.answer) : `${reasoning}\n\n${answerLine(lang, shot.answer)}`;
}

export function buildFewShotMessages(item: Item, shots: WorkedExample[], opts: FewShotOptions): ChatMessage[] {
  const ask = (q: { question: string; options: string[] }) => {
    const block = opts.renderQuestion({ question: q.question, options: q.options, lang: opts.lang });
    return opts.instruction ? `${block}\n\n${opts.instruction(q.options.length)}` : block;
  };
  const messages: ChatMessage[] = [];
  if (opts.system) messages.push({ role: "system", content: opts.system });

  if (opts.format === "multi-turn") {
    for (const shot of shots) {
      messages.push({ role: "user", content: ask(shot) });
      messages.push({ role: "assistant", content: workedAnswer(shot, opts.lang) });
    }
    messages.push({ role: "user", content: ask(item) });
    return messages;
  }

  const framing = framingFor(opts.lang);
  const parts: string[] = [];
  if (shots.length > 0) {
    const answeredOnly = shots.every((shot) => shot.reasoning.trim() === "");
    parts.push((answeredOnly ? framing.introAnswered : framing.intro)(shots.length));
    shots.forEach((shot, i) => {
      const block = opts.renderQuestion({ question: shot.question, options: shot.options, lang: opts.lang });
      parts.push(`### ${framing.example(i + 1)}\n${block}\n\n${workedAnswer(shot, opts.lang)}`);
    });
    parts.push(`### ${framing.now}`);
  }
  parts.push(ask(item));
  messages.push({ role: "user", content: parts.join("\n\n") });
  return messages;
}

/**
 * Everything here that shapes a few-shot prompt, for the spec's prompt hash: the framing
 * texts, the answer-line stripping and the builders. Change any of it and a run's spec
 * changes, so a new wording is never resumed into an old run.
 */
export function fewShotPromptFingerprint(): unknown {
  return {
    framing: Object.fromEntries(Object.entries(FRAMING).map(([lang, f]) => [lang, [f.intro(1), f.intro(3), f.introAnswered(1), f.introAnswered(3), f.example(1), f.now]])),
    trailing: TRAILING_ANSWER_LINE.source,
    build: buildFewShotMessages.toString(),
    worked: workedAnswer.toString(),
  };
}

export interface FewShotPrompt {
  messages: ChatMessage[];
  /** Trace ids in prompt order: Sample.shots. */
  shots: string[];
  excluded: Exclusion[];
  filled_randomly: number;
  /** The traces' language (differs from the item's with --trace-lang). */
  trace_lang: string;
}

/**
 * Select shots for an item and build its prompt: the one call the runner makes per item in
 * the few-shot-traces setting. The prompt's language is the item's, whatever the traces' is.
 */
export async function buildFewShotPrompt(
  store: TraceStore,
  item: Item,
  select: SelectOptions,
  prompt: Omit<FewShotOptions, "lang">,
): Promise<FewShotPrompt> {
  const selection = await selectShots(store, item, select);
  return {
    messages: buildFewShotMessages(item, selection.shots, { ...prompt, lang: item.lang }),
    shots: selection.shots.map((s) => s.id),
    excluded: selection.excluded,
    filled_randomly: selection.filled_randomly,
    trace_lang: selection.lang,
  };
}

/** Languages with their own framing text (others fall back to English). */
export const FEWSHOT_LANGUAGES = LANGUAGES.filter((l) => FRAMING[l] !== undefined);
