// Grouped headers: runs of neighbouring columns that share a domain, then a benchmark.
import type { Column } from "./table-model.ts";

export interface Span {
  label: string;
  /** Index of the first column. */
  start: number;
  span: number;
}

export function spans(columns: readonly Column[], key: (c: Column) => string, label: (c: Column) => string): Span[] {
  const out: Span[] = [];
  columns.forEach((c, i) => {
    const last = out.at(-1);
    if (last && key(columns[last.start]) === key(c)) last.span++;
    else out.push({ label: label(c), start: i, span: 1 });
  });
  return out;
}

export const domainSpans = (columns: readonly Column[]): Span[] => spans(columns, (c) => c.domain, (c) => c.domainLabel);
export const benchmarkSpans = (columns: readonly Column[]): Span[] =>
  spans(columns, (c) => `${c.domain}\u0000${c.kind}\u0000${c.benchmark}`, (c) => c.benchmarkLabel);
