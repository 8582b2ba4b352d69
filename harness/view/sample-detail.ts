// One sample as the page shows it: the messages as sent (system, each shot with its trace
// id, the question), the reply split into reasoning and answer text, where the answer was
// read (by re-running the project's extractor on the recorded reply), and for logprob modes
// the score of each option.
import { optionsFromQuestion } from "../prompts/read-options.ts";
import { extractAnswer, splitThink, type TextSpan } from "../scoring/extract.ts";
import { LETTERS, type Sample } from "../types.ts";
import { questionOf } from "./sample-query.ts";

export interface LabelledMessage {
  role: string;
  /** "system", "shot 1", "question", … */
  label: string;
  trace_id: string | null;
  content: string;
}

export interface OptionScore {
  letter: string;
  /** Probability over the options, 0…1. */
  value: number;
}

export interface SampleDetail {
  sample: Sample;
  messages: LabelledMessage[];
  options: string[];
  reasoning: string | null;
  /** The reply with thinking removed: the only text the extractor reads. */
  answer_text: string;
  /** Where in answer_text the answer was read; null when none was (or the re-run disagrees). */
  span: TextSpan | null;
  rule: string | null;
  /** Why there is no span although an answer was recorded. */
  span_note: string | null;
  option_scores: { kind: string; scores: OptionScore[] } | null;
}

/** Multi-turn shots are user/assistant pairs before the question; a single-message prompt carries them inline. */
function labelMessages(s: Sample): LabelledMessage[] {
  const shots = s.shots ?? [];
  const last = s.messages.length - 1;
  const pairs = s.messages.slice(0, last).filter((m) => m.role !== "system").length / 2;
  const multiTurn = shots.length > 0 && pairs === shots.length;
  let turn = 0;
  return s.messages.map((m, i) => {
    if (m.role === "system") return { role: m.role, label: "system", trace_id: null, content: m.content };
    if (i === last) return { role: m.role, label: shots.length > 0 && !multiTurn ? `question with ${shots.length} shots inline` : "question", trace_id: null, content: m.content };
    const k = Math.floor(turn++ / 2);
    const trace = multiTurn ? shots[k] ?? null : null;
    return { role: m.role, label: `shot ${k + 1} · ${m.role === "user" ? "question" : "answer"}`, trace_id: trace, content: m.content };
  });
}

function softmax(values: readonly number[]): number[] {
  const max = Math.max(...values);
  const exp = values.map((v) => Math.exp(v - max));
  const sum = exp.reduce((a, b) => a + b, 0);
  return exp.map((e) => e / sum);
}

function optionScores(s: Sample): SampleDetail["option_scores"] {
  const scores = s.scores ?? {};
  const logprobs = scores.logprobs;
  if (Array.isArray(logprobs) && logprobs.length > 0 && logprobs.every((v) => typeof v === "number")) {
    const p = softmax(logprobs as number[]);
    return { kind: "option log-likelihood, as a share of the options", scores: p.map((value, i) => ({ letter: LETTERS[i] ?? `#${i}`, value })) };
  }
  const letterProbs = scores.letter_probs;
  if (letterProbs && typeof letterProbs === "object") {
    const entries = Object.entries(letterProbs as Record<string, unknown>).filter((e): e is [string, number] => typeof e[1] === "number");
    if (entries.length > 0) return { kind: "first-token probability", scores: entries.map(([letter, value]) => ({ letter, value })) };
  }
  return null;
}

export function sampleDetail(s: Sample): SampleDetail {
  const split = splitThink(s.content, s.reasoning);
  const options = optionsFromQuestion(questionOf(s), s.lang);
  let span: TextSpan | null = null;
  let rule: string | null = typeof s.scores?.rule === "string" ? s.scores.rule : null;
  let note: string | null = null;
  if (s.answer !== null && s.status !== "logprob") {
    if (options.length === 0) note = "the question as sent has no option list to read, so the extraction was not re-run";
    else {
      const again = extractAnswer({ content: s.content, reasoning: s.reasoning, finishReason: s.finish_reason, options, lang: s.lang });
      rule ??= again.rule;
      if (again.letter !== s.answer) note = `re-running the extractor reads ${again.letter ?? "no answer"} (${again.rule}), the record says ${s.answer}: the run used another extractor or answer label`;
      else span = again.span ?? null;
      if (again.letter === s.answer && !again.span) note = `rule ${again.rule} does not say where it read the answer`;
    }
  }
  return {
    sample: s,
    messages: labelMessages(s),
    options,
    reasoning: split.reasoning,
    answer_text: split.answerText,
    span,
    rule,
    span_note: note,
    option_scores: optionScores(s),
  };
}
