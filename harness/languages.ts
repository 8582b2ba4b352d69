// Per-language wording shared by the prompts (which ask for it) and the scorer (which reads
// it back). One place, so a template and its extractor can never drift apart.

export const LANGUAGES = ["en", "it", "es", "fr"] as const;
export type Language = (typeof LANGUAGES)[number];

export interface LanguageWords {
  /** The fixed final line a chain-of-thought answer must end with, e.g. "Answer: C". */
  answerLabel: string;
  questionLabel: string;
  optionsLabel: string;
}

export const WORDS: Record<Language, LanguageWords> = {
  en: { answerLabel: "Answer", questionLabel: "Question", optionsLabel: "Options" },
  it: { answerLabel: "Risposta", questionLabel: "Domanda", optionsLabel: "Opzioni" },
  es: { answerLabel: "Respuesta", questionLabel: "Pregunta", optionsLabel: "Opciones" },
  fr: { answerLabel: "Réponse", questionLabel: "Question", optionsLabel: "Options" },
};

export function wordsFor(lang: string): LanguageWords {
  return WORDS[lang as Language] ?? WORDS.en;
}

/** The exact answer line for a letter in a language: "Answer: C", "Risposta: C", "Respuesta: C". */
export function answerLine(lang: string, letter: string): string {
  return `${wordsFor(lang).answerLabel}: ${letter}`;
}
