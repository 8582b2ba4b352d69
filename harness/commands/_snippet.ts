// Text for a table cell: whitespace collapsed, cut to a length with an ellipsis.
export function snippet(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}
