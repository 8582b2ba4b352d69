// One task's samples, filtered, sorted and cut to a page: the table the page shows. Done on
// the server so a page of 20,000 samples only ever holds the rows in view.
import type { Sample, SampleStatus } from "../types.ts";

export const SORT_KEYS = ["latency", "tokens"] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

export interface SampleQuery {
  statuses?: readonly SampleStatus[];
  /** true: only correct; false: only wrong (errors are never "wrong": they are not scored). */
  correct?: boolean;
  lang?: string;
  subject?: string;
  /** Case-insensitive, over the item id, the messages and the reply. */
  text?: string;
  sort?: SortKey;
  descending?: boolean;
  offset: number;
  limit: number;
}

export interface SampleRow {
  item_id: string;
  status: SampleStatus;
  correct: boolean;
  answer: string | null;
  gold: string;
  lang: string;
  subject: string | null;
  latency_ms: number;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  /** The start of the question as sent, to tell rows apart. */
  preview: string;
}

export interface SamplePage {
  /** Samples of the task before filtering, and after. */
  total: number;
  matched: number;
  offset: number;
  rows: SampleRow[];
  /** Over the whole task, for the filter controls. */
  facets: { statuses: Record<string, number>; langs: string[]; subjects: string[] };
}

const haystacks = new WeakMap<Sample, string>();

function haystack(s: Sample): string {
  let h = haystacks.get(s);
  if (h === undefined) {
    h = [s.item_id, ...s.messages.map((m) => m.content), s.content ?? "", s.reasoning ?? "", s.error ?? ""].join("\n").toLowerCase();
    haystacks.set(s, h);
  }
  return h;
}

/** The question as sent: the last user message. */
export function questionOf(s: Sample): string {
  return s.messages.findLast((m) => m.role === "user")?.content ?? "";
}

function sortValue(s: Sample, key: SortKey): number {
  return key === "latency" ? s.latency_ms : (s.usage?.completion_tokens ?? -1);
}

export function toRow(s: Sample): SampleRow {
  return {
    item_id: s.item_id,
    status: s.status,
    correct: s.correct,
    answer: s.answer,
    gold: s.gold,
    lang: s.lang,
    subject: s.subject ?? null,
    latency_ms: s.latency_ms,
    prompt_tokens: s.usage?.prompt_tokens ?? null,
    completion_tokens: s.usage?.completion_tokens ?? null,
    preview: questionOf(s).slice(0, 160),
  };
}

export function matches(s: Sample, q: Omit<SampleQuery, "offset" | "limit" | "sort" | "descending">): boolean {
  if (q.statuses && q.statuses.length > 0 && !q.statuses.includes(s.status)) return false;
  if (q.correct === true && !s.correct) return false;
  if (q.correct === false && (s.correct || s.status === "error")) return false;
  if (q.lang && s.lang !== q.lang) return false;
  if (q.subject && (s.subject ?? "") !== q.subject) return false;
  if (q.text && !haystack(s).includes(q.text.toLowerCase())) return false;
  return true;
}

export function querySamples(samples: readonly Sample[], q: SampleQuery): SamplePage {
  let hits = samples.filter((s) => matches(s, q));
  if (q.sort) {
    const key = q.sort;
    const sign = q.descending ? -1 : 1;
    hits = hits.slice().sort((a, b) => sign * (sortValue(a, key) - sortValue(b, key)));
  }
  const statuses: Record<string, number> = {};
  const langs = new Set<string>();
  const subjects = new Set<string>();
  for (const s of samples) {
    statuses[s.status] = (statuses[s.status] ?? 0) + 1;
    langs.add(s.lang);
    if (s.subject) subjects.add(s.subject);
  }
  return {
    total: samples.length,
    matched: hits.length,
    offset: q.offset,
    rows: hits.slice(q.offset, q.offset + q.limit).map(toRow),
    facets: { statuses, langs: [...langs].sort(), subjects: [...subjects].sort() },
  };
}
