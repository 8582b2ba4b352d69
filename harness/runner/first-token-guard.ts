// First-token scoring reads the answer from the first generated token, so it only means
// something when that token is the answer. Templates that open a <think> block in the prompt
// (Qwen3-style thinking templates, QwQ, R1 distills) make the first token reasoning text: with
// a reasoning parser it lands in `reasoning`; without one it is a word ("Okay", "So"), and any
// capital letter among its alternatives (the article "A") would be read as the answer.

/** What to change, said whenever first-token scoring meets a thinking template. */
export const THINKING_TEMPLATE_ADVICE =
  "Set chat_template_kwargs: {enable_thinking: false} for this model in models.yaml (vLLM passes it to the chat template), " +
  "serve it with a chat template that does not open <think> (vllm serve --chat-template), or use --scoring loglikelihood.";

/** The first items whose letter mass decides whether the model answers with a letter at all. */
export const LETTER_MASS_CHECK_ITEMS = 5;
/**
 * Below this mean mass on the option letters the first token is not an answer: a prompt that
 * asks for the letter puts most of the probability there (0.8–1 is usual), reasoning text a few %.
 */
export const LOW_LETTER_MASS = 0.1;

export function reasoningFirstTokenMessage(reasoning: string, letterMass: number): string {
  return (
    `the first token came back in \`reasoning\` (${JSON.stringify(reasoning.slice(0, 40))}) with ${(100 * letterMass).toFixed(1)}% of its probability on the option letters: ` +
    `the chat template opened a reasoning block, so the first token is thinking, not the answer, and first-token scoring cannot read it. ${THINKING_TEMPLATE_ADVICE}`
  );
}

/** Watches the first items' letter mass; says why to stop once they show the model is not answering with a letter. */
export class LetterMassCheck {
  private readonly masses: number[] = [];

  /** The message to stop with, or null while the first items look like answers (or are not all in). */
  add(letterMass: number): string | null {
    if (this.masses.length >= LETTER_MASS_CHECK_ITEMS) return null;
    this.masses.push(letterMass);
    if (this.masses.length < LETTER_MASS_CHECK_ITEMS) return null;
    const mean = this.masses.reduce((a, b) => a + b, 0) / this.masses.length;
    if (mean >= LOW_LETTER_MASS) return null;
    return (
      `over the first ${this.masses.length} items the option letters hold ${(100 * mean).toFixed(1)}% of the first token's probability ` +
      `(an answer puts most of it there): the model is not answering with a letter. The chat template most likely opens a <think> block ` +
      `in the prompt, so the first token is reasoning text and a capital letter among its alternatives (the article "A") would be read as the answer. ` +
      THINKING_TEMPLATE_ADVICE
    );
  }
}
