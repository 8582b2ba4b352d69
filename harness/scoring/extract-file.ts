// The input and output lines of `medeval extract`: one model reply per JSON line in, one
// extraction per line out. Validation names the line and field, so a bad file is fixed in
// one pass instead of by trial.
import { z } from "zod";
import { UserError } from "../types.ts";
import { extractAnswer, type ExtractionStatus } from "./extract.ts";
import { optionList } from "./option-list.ts";

const ExtractLineSchema = z.object({
  id: z.union([z.string(), z.number()]).optional(),
  text: z.string().nullable(),
  options: z.unknown(),
  lang: z.string().min(2).optional(),
  reasoning: z.string().nullable().optional(),
  finish_reason: z.string().nullable().optional(),
});

export interface ExtractedLine {
  id: string | number;
  answer: string | null;
  status: ExtractionStatus;
  rule: string;
}

/** Parse and extract one input line; `lineNo` is 1-based and used as the id when none is given. */
export function extractLine(raw: string, lineNo: number, file: string): ExtractedLine {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new UserError(`${file}:${lineNo}: not valid JSON (${(err as Error).message}); each line must be one JSON object`);
  }
  const parsed = ExtractLineSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.length > 0 ? `field "${issue.path.join(".")}"` : "the line";
    const hint = issue.path[0] === "text" ? ' (the model\'s reply: a string, or null when it returned none)' : "";
    throw new UserError(`${file}:${lineNo}: ${field}: ${issue.message}${hint}`);
  }
  const line = parsed.data;
  const options = optionList(line.options);
  if (!Array.isArray(options)) {
    throw new UserError(`${file}:${lineNo}: field "options": ${options.problem}, e.g. {"A": "…", "B": "…"} or ["…", "…"]`);
  }
  const x = extractAnswer({
    content: line.text,
    reasoning: line.reasoning ?? null,
    finishReason: line.finish_reason ?? null,
    options,
    lang: line.lang ?? "en",
  });
  return { id: line.id ?? lineNo, answer: x.letter, status: x.status, rule: x.rule };
}

/** Every non-blank line of a JSONL text, extracted; throws on the first bad line. */
export function extractJsonl(text: string, file: string): ExtractedLine[] {
  const out: ExtractedLine[] = [];
  text.split("\n").forEach((raw, i) => {
    if (raw.trim() !== "") out.push(extractLine(raw, i + 1, file));
  });
  return out;
}

export function statusSummary(lines: readonly ExtractedLine[]): string {
  const counts = new Map<string, number>();
  for (const l of lines) counts.set(l.status, (counts.get(l.status) ?? 0) + 1);
  const parts = [...counts].sort((a, b) => b[1] - a[1]).map(([s, c]) => `${s} ${c}`);
  return `${lines.length} lines: ${parts.length > 0 ? parts.join(", ") : "none"}`;
}
