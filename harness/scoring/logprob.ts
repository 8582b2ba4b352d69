// Scoring from log-probabilities, as pure functions over what the server returned.
//
// Loglikelihood (lm-evaluation-harness's multiple_choice): the score of an option is the sum
// of the logprobs of its continuation's tokens given the prompt; `acc` takes the highest sum,
// `acc_norm` the highest sum per character of the choice, `acc_bytes` per UTF-8 byte.
//
// First-token: the probability the model puts on each option letter as its first token,
// summed over the ways a tokenizer spells a letter (" B", "B", "(B", "B.").
import { LETTERS } from "../types.ts";

/** vLLM clamps logprobs at this floor (a -inf becomes -9999). */
export const LOGPROB_FLOOR = -9999;

/** The `logprobs` object of one /v1/completions choice (vLLM, OpenAI legacy shape). */
export interface EchoLogprobs {
  tokens: string[];
  token_logprobs: Array<number | null>;
  /** Offset of each token in the choice's text, in characters (Python code points on vLLM). */
  text_offset: number[];
}

/** The response does not have the shape the scoring needs; the message says what is missing. */
export class LogprobShapeError extends Error {
  override name = "LogprobShapeError";
  constructor(
    message: string,
    /** "no_echo": the server ignored `echo: true`; "malformed": anything else. */
    readonly reason: "no_echo" | "malformed" = "malformed",
  ) {
    super(message);
  }
}

export interface ContinuationScore {
  /** Sum of the continuation tokens' logprobs (clamped values kept as they are). */
  logprob: number;
  /** Tokens summed. */
  tokens: number;
  /** At least one summed token sits at the −9999 floor: the sum is a bound, not a value. */
  clamped: boolean;
  /**
   * The first summed token began inside the prompt (the tokenizer merged the prompt's end
   * with the continuation's start): it is included whole, so the sum covers a little more
   * than the continuation.
   */
  straddled: boolean;
}

/** Length in code points: what vLLM's `text_offset` counts (Python `len`). */
export function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export function utf8Length(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/**
 * The log-probability of `continuation` after `context`, from an echoed completion of
 * `context + continuation` (`echo: true, logprobs: 1, max_tokens: 1`).
 *
 * The continuation's tokens are those overlapping [len(context), len(context + continuation))
 * by `text_offset`. Tokens at or after the end are what the server generated (the one token
 * max_tokens: 1 asks for) and are ignored. The echoed first token has no logprob (null):
 * nothing conditions it; it can only be summed when the context is empty, which is an error.
 * `promptOffset` is where the prompt starts in the offsets' coordinates: after a BOS
 * token's text, which vLLM counts; see `promptOffset()`.
 */
export function continuationLogprob(lp: EchoLogprobs, context: string, continuation: string, promptOffset = 0): ContinuationScore {
  const { tokens, token_logprobs: values, text_offset: offsets } = lp;
  if (!Array.isArray(tokens) || !Array.isArray(values) || !Array.isArray(offsets)) {
    throw new LogprobShapeError("the logprobs object lacks tokens, token_logprobs or text_offset");
  }
  if (tokens.length !== values.length || tokens.length !== offsets.length) {
    throw new LogprobShapeError(`tokens (${tokens.length}), token_logprobs (${values.length}) and text_offset (${offsets.length}) differ in length`);
  }
  if (continuation.length === 0) throw new LogprobShapeError("the continuation is empty: there is nothing to score");
  const start = promptOffset + codePointLength(context);
  const end = start + codePointLength(continuation);
  // With echo the first token starts the prompt at offset 0; without it the list holds only
  // the generated token(s), which start at or after the end of the prompt.
  if (tokens.length === 0 || offsets[0] !== 0 || offsets[0] >= end) {
    throw new LogprobShapeError("the server did not echo the prompt's tokens (echo: true was ignored)", "no_echo");
  }
  let sum = 0;
  let count = 0;
  let clamped = false;
  let straddled = false;
  let covered = "";
  for (let i = 0; i < tokens.length; i++) {
    const from = offsets[i];
    const to = i + 1 < tokens.length ? offsets[i + 1] : from + codePointLength(tokens[i]);
    if (from >= end) break; // the generated token(s)
    if (to <= start) continue; // the context
    const value = values[i];
    if (value === null || value === undefined || !Number.isFinite(value)) {
      throw new LogprobShapeError(
        i === 0
          ? "the continuation's first token is the prompt's first token, which has no logprob (empty context)"
          : `token ${i} (${JSON.stringify(tokens[i])}) of the continuation has no logprob`,
      );
    }
    if (from < start) straddled = true;
    if (value <= LOGPROB_FLOOR) clamped = true;
    sum += value;
    count++;
    covered += tokens[i];
  }
  if (count === 0) {
    throw new LogprobShapeError(`no echoed token covers the continuation (characters ${start}–${end} of the prompt)`, "no_echo");
  }
  // The tokens summed must spell the continuation (after any context they straddle): else the
  // offsets do not describe this text (a character split over byte tokens inside it, tokens
  // returned as ids) and the sum would be of other tokens.
  if (!covered.endsWith(continuation)) {
    throw new LogprobShapeError(
      `the echoed tokens over the continuation read ${JSON.stringify(covered)}, not ${JSON.stringify(continuation)}: their offsets do not match the text, so it cannot be scored`,
    );
  }
  return { logprob: sum, tokens: count, clamped, straddled };
}

/**
 * Where `prompt` starts in the coordinates of `text_offset` (code points). vLLM counts offsets
 * over the decoded tokens, so a BOS token's text ("<|begin_of_text|>", "<s>") comes first and
 * shifts every offset, while the echoed `text` is the prompt without it: the prompt is looked
 * for in the tokens joined, not in `text`. Where the tokens do not spell the prompt out (a
 * character split over byte tokens decodes as "\uFFFD" in each), the prompt is anchored at its
 * end instead: it ends where the one generated token (max_tokens: 1) begins, and the
 * continuation, the prompt's tail, is then found exactly.
 */
export function promptOffset(lp: EchoLogprobs, prompt: string): number {
  const tokens = Array.isArray(lp.tokens) ? lp.tokens : [];
  const joined = tokens.join("");
  const at = joined.indexOf(prompt);
  if (at >= 0) return codePointLength(joined.slice(0, at));
  const offsets = Array.isArray(lp.text_offset) ? lp.text_offset : [];
  const generatedAt = offsets.at(-1);
  if (generatedAt === undefined) return 0;
  return Math.max(0, generatedAt - codePointLength(prompt));
}

/** Index of the largest value; the first on ties (numpy's argmax, as lm-evaluation-harness uses). */
export function argmax(values: readonly number[]): number {
  let best = -1;
  for (let i = 0; i < values.length; i++) if (best < 0 || values[i] > values[best]) best = i;
  return best;
}

export interface MultipleChoiceScores {
  /** Highest summed logprob (lm-evaluation-harness `acc`). */
  acc: number;
  /** Highest logprob per character of the choice (`acc_norm`). */
  acc_norm: number;
  /** Highest logprob per UTF-8 byte of the choice (`acc_bytes`). */
  acc_bytes: number;
  lengths_chars: number[];
  lengths_bytes: number[];
}

/**
 * acc / acc_norm / acc_bytes over options, exactly as lm-evaluation-harness computes them:
 * the lengths are those of the choice strings *without* the target delimiter (" A" is scored,
 * "A" is measured), characters as Python counts them (code points). With single-letter
 * choices every length is 1 and acc_norm equals acc.
 */
export function scoreMultipleChoice(logprobs: readonly number[], choices: readonly string[]): MultipleChoiceScores {
  if (logprobs.length !== choices.length || logprobs.length === 0) {
    throw new Error(`need one logprob per choice (${logprobs.length} logprobs, ${choices.length} choices)`);
  }
  const lengths_chars = choices.map(codePointLength);
  const lengths_bytes = choices.map(utf8Length);
  // An empty choice would divide by zero (numpy gives ±inf); count it as one unit instead.
  const per = (lengths: number[]) => logprobs.map((lp, i) => lp / Math.max(1, lengths[i]));
  return {
    acc: argmax(logprobs),
    acc_norm: argmax(per(lengths_chars)),
    acc_bytes: argmax(per(lengths_bytes)),
    lengths_chars,
    lengths_bytes,
  };
}

// ---------------------------------------------------------------------------------------
// First-token scoring

export interface TopLogprob {
  token: string;
  logprob: number;
}

/** One generated token of a chat response with `logprobs: true, top_logprobs: k`. */
export interface FirstTokenLogprobs {
  token: string;
  logprob: number;
  top_logprobs?: TopLogprob[] | null;
}

/**
 * Word-boundary markers some servers leave in token strings (byte-level BPE "Ġ", SentencePiece
 * "▁"), then the wrapping a letter answer comes in: spaces, brackets, a period, a colon, bold.
 */
const LEADING_MARKER = /^[\u0120\u2581]+/;
const WRAPPING = /^[\s()[\].:*]+|[\s()[\].:*]+$/g;

/**
 * The option letter a token spells, or null. Case-sensitive: only an uppercase letter counts
 * ("a" is an English word, "b" a word start), and only a lone one ("AB", "Because" are not).
 * " B", "B", "(B", "B.", "B)", "B:", "**B" → "B".
 */
export function letterOfToken(token: string): string | null {
  const core = token.replace(LEADING_MARKER, "").replace(WRAPPING, "");
  return (LETTERS as readonly string[]).includes(core) ? core : null;
}

export interface FirstTokenScore {
  /** The option letter with the highest probability, or null when no option letter was among the tokens. */
  answer: string | null;
  /** Probability per option letter (summed over its spellings); letters with no token are 0. */
  letter_probs: Record<string, number>;
  /** Total probability on the item's option letters: how much the model answered with a letter at all. */
  letter_mass: number;
  /** The token the server generated. */
  generated: string;
  /** Some counted token sat at the −9999 floor (its probability is then 0 for all purposes). */
  clamped: boolean;
}

/**
 * Read the answer from the first generated token's top alternatives. Letters beyond the
 * item's options (an "E" on a four-option item) never count, and neither does their mass.
 * The generated token is counted too when the server left it out of its top list; entries
 * with the same text (different token ids) are added up.
 */
export function scoreFirstToken(first: FirstTokenLogprobs, optionCount: number): FirstTokenScore {
  const letters = LETTERS.slice(0, optionCount) as readonly string[];
  const candidates: TopLogprob[] = [...(first.top_logprobs ?? [])];
  if (!candidates.some((c) => c.token === first.token)) candidates.push({ token: first.token, logprob: first.logprob });
  const letter_probs: Record<string, number> = Object.fromEntries(letters.map((l) => [l, 0]));
  let clamped = false;
  // Entries are token ids: two ids that decode to the same text ("▁B" and "B" shown as "B")
  // are listed twice, and both are probability on that letter, so every entry adds.
  for (const c of candidates) {
    const letter = letterOfToken(c.token);
    if (letter === null || !letters.includes(letter)) continue;
    if (c.logprob <= LOGPROB_FLOOR) clamped = true;
    letter_probs[letter] += Math.exp(c.logprob);
  }
  let answer: string | null = null;
  for (const l of letters) if (letter_probs[l] > 0 && (answer === null || letter_probs[l] > letter_probs[answer])) answer = l;
  const letter_mass = letters.reduce((sum, l) => sum + letter_probs[l], 0);
  return { answer, letter_probs, letter_mass, generated: first.token, clamped };
}

/**
 * lm-evaluation-harness's alignment, by token counts instead of text offsets: the
 * continuation's tokens are the prompt's tokens after the context's (its
 * `whole_enc[len(context_enc):]`), both counted by the server's own tokenizer (POST /tokenize,
 * BOS included on both sides). Needed where echoed tokens are decoded one by one and their
 * text no longer spells the prompt (SentencePiece tokens lose their leading space, old servers
 * return raw "Ġ" pieces), so `text_offset` drifts.
 */
export function continuationLogprobByCount(lp: EchoLogprobs, contextTokens: number, promptTokens: number): ContinuationScore {
  const { tokens, token_logprobs: values } = lp;
  if (!Array.isArray(tokens) || !Array.isArray(values) || tokens.length !== values.length) {
    throw new LogprobShapeError("the logprobs object lacks tokens or token_logprobs, or their lengths differ");
  }
  if (promptTokens <= contextTokens) {
    throw new LogprobShapeError(`the prompt has ${promptTokens} tokens and its context ${contextTokens}: the continuation has no token of its own`);
  }
  if (tokens.length < promptTokens) {
    throw new LogprobShapeError(`the server echoed ${tokens.length} tokens, fewer than the prompt's ${promptTokens} (echo: true was ignored)`, "no_echo");
  }
  let sum = 0;
  let clamped = false;
  for (let i = contextTokens; i < promptTokens; i++) {
    const value = values[i];
    if (value === null || value === undefined || !Number.isFinite(value)) {
      throw new LogprobShapeError(`token ${i} (${JSON.stringify(tokens[i])}) of the continuation has no logprob`);
    }
    if (value <= LOGPROB_FLOOR) clamped = true;
    sum += value;
  }
  return { logprob: sum, tokens: promptTokens - contextTokens, clamped, straddled: false };
}
