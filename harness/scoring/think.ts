// Separating a reasoning model's thinking from its answer. Servers differ: vLLM with a
// reasoning parser returns the thinking in `reasoning` / `reasoning_content`; without one the
// thinking stays in the content as <think>…</think>; when the chat template itself opened the
// block, the content starts mid-thought and only a closing </think> appears. The answer is
// only ever read from what follows the thinking, and a block that never closes means the
// model was cut off while thinking: there is no answer to read.

export interface ThinkSplit {
  /** The content with every thinking block removed: the only text read for an answer. */
  answerText: string;
  /** The separate reasoning field and any thinking found in the content, in order; null if none. */
  reasoning: string | null;
  /** True when a <think> block in the content never closes. */
  truncated: boolean;
}

const OPEN = /<think>/i;
const CLOSE = /<\/think>/i;

function indexAfter(text: string, pattern: RegExp, from: number): { start: number; end: number } | null {
  const re = new RegExp(pattern.source, "gi");
  re.lastIndex = from;
  const m = re.exec(text);
  return m ? { start: m.index, end: m.index + m[0].length } : null;
}

export function splitThink(content: string | null, reasoning: string | null): ThinkSplit {
  const thoughts: string[] = [];
  if (reasoning !== null && reasoning.trim() !== "") thoughts.push(reasoning);
  const text = content ?? "";
  const answerParts: string[] = [];
  let truncated = false;
  let pos = 0;

  // A closing tag before any opening one: the template opened the block, so everything up to
  // the last such orphan close is thinking (vLLM without a reasoning parser).
  const firstOpen = indexAfter(text, OPEN, 0);
  let orphanClose: { start: number; end: number } | null = null;
  for (let c = indexAfter(text, CLOSE, 0); c && (!firstOpen || c.start < firstOpen.start); c = indexAfter(text, CLOSE, c.end)) {
    orphanClose = c;
  }
  if (orphanClose) {
    thoughts.push(text.slice(0, orphanClose.start));
    pos = orphanClose.end;
  }

  while (pos <= text.length) {
    const open = indexAfter(text, OPEN, pos);
    if (!open) {
      answerParts.push(text.slice(pos));
      break;
    }
    answerParts.push(text.slice(pos, open.start));
    const close = indexAfter(text, CLOSE, open.end);
    if (!close) {
      thoughts.push(text.slice(open.end));
      truncated = true;
      break;
    }
    thoughts.push(text.slice(open.end, close.start));
    pos = close.end;
  }

  // A stray </think> after the blocks closed means the earlier text was thinking too.
  let answerText = answerParts.join("");
  const strayClose = answerText.match(/^[\s\S]*<\/think>/i);
  if (strayClose) {
    thoughts.push(strayClose[0].replace(/<\/think>$/i, ""));
    answerText = answerText.slice(strayClose[0].length);
  }

  const kept = thoughts.map((t) => t.trim()).filter((t) => t !== "");
  return {
    answerText: answerText.trim(),
    reasoning: kept.length > 0 ? kept.join("\n\n") : null,
    truncated,
  };
}
