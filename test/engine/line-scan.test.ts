// scanLineJournal reads a journal a chunk at a time: whatever the chunk size, it must find the
// same lines, line numbers and torn tail as reading the whole file at once.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LineJournal, parseJsonLine, scanLineJournal } from "../../harness/engine/line-journal.ts";
import { tempDir } from "../helpers.ts";

interface Line {
  k: string;
  v: string;
}
const parse = (text: string, where: string) => {
  const line = parseJsonLine(text, where) as Line;
  if (typeof line.k !== "string") throw new Error(`${where}: no k`);
  return line;
};

/** What a whole-file reading finds: every line, its number, and the file's tail. */
function wholeFile(text: string): { lines: Array<[number, Line]>; tail: string } {
  const parts = text.split("\n");
  const tail = parts.pop()!;
  return { lines: parts.flatMap((p, i) => (p.trim() ? [[i + 1, JSON.parse(p) as Line] as [number, Line]] : [])), tail };
}

function scanned(file: string, chunk: number) {
  const lines: Array<[number, Line]> = [];
  let where = "";
  const scan = scanLineJournal(
    file,
    (text, w) => {
      where = w;
      return parse(text, w);
    },
    (line, offset, length) => {
      // The offset and length locate the line's own bytes in the file.
      expect(JSON.parse(readFileSync(file).subarray(offset, offset + length).toString("utf8"))).toEqual(line);
      lines.push([Number(where.slice(where.lastIndexOf(":") + 1)), line]);
    },
    chunk,
  );
  return { lines, scan };
}

describe("scanLineJournal", () => {
  const dir = tempDir();
  // Lines of many lengths (one longer than every chunk size below), multi-byte text, blank lines.
  const body = [
    JSON.stringify({ k: "a", v: "x" }),
    "",
    JSON.stringify({ k: "b", v: "ü€𝄞".repeat(40) }),
    "   ",
    JSON.stringify({ k: "c", v: "y".repeat(3000) }),
    JSON.stringify({ k: "d", v: "" }),
  ].join("\n");

  for (const chunk of [1, 2, 7, 64, 1000, 1 << 20]) {
    it(`finds every line at its number with ${chunk}-byte chunks`, () => {
      const file = join(dir, `whole-${chunk}.jsonl`);
      writeFileSync(file, `${body}\n`);
      const { lines, scan } = scanned(file, chunk);
      expect(lines).toEqual(wholeFile(`${body}\n`).lines);
      expect(scan).toEqual({ count: 4, tornBytes: 0, validBytes: Buffer.byteLength(`${body}\n`), missingFinalNewline: false });
    });

    it(`drops a torn last line and keeps a whole one without its newline (${chunk}-byte chunks)`, () => {
      const torn = join(dir, `torn-${chunk}.jsonl`);
      writeFileSync(torn, `${body}\n{"k":"e","v":"cut he`);
      const t = scanned(torn, chunk);
      expect(t.lines.map(([, l]) => l.k)).toEqual(["a", "b", "c", "d"]);
      expect(t.scan).toEqual({ count: 4, tornBytes: Buffer.byteLength('{"k":"e","v":"cut he'), validBytes: Buffer.byteLength(`${body}\n`), missingFinalNewline: false });

      const whole = join(dir, `unended-${chunk}.jsonl`);
      writeFileSync(whole, `${body}\n{"k":"e","v":"z"}`);
      const w = scanned(whole, chunk);
      expect(w.lines.at(-1)).toEqual([7, { k: "e", v: "z" }]);
      expect(w.scan).toMatchObject({ count: 5, tornBytes: 0, missingFinalNewline: true });
    });
  }

  it("names the line of a bad line that is not the last", () => {
    const file = join(dir, "bad.jsonl");
    writeFileSync(file, `${JSON.stringify({ k: "a", v: "" })}\n\n{"v":1}\n${JSON.stringify({ k: "b", v: "" })}\n`);
    expect(() => scanned(file, 3)).toThrow(`${file}:3: no k`);
  });

  it("a missing file has no lines", () => {
    expect(scanned(join(dir, "none.jsonl"), 8)).toEqual({ lines: [], scan: { count: 0, tornBytes: 0, validBytes: 0, missingFinalNewline: false } });
  });

  it("openScanning truncates a torn tail and ends an unended line before appending", () => {
    const file = join(dir, "open.jsonl");
    writeFileSync(file, `${JSON.stringify({ k: "a", v: "" })}\n{"k":"b"`);
    const keys: string[] = [];
    const { journal, scan } = LineJournal.openScanning<Line, Line>(file, parse, (l) => keys.push(l.k));
    journal.append({ k: "c", v: "" });
    journal.close();
    expect(keys).toEqual(["a"]);
    expect(scan.tornBytes).toBe(8);
    expect(readFileSync(file, "utf8")).toBe(`${JSON.stringify({ k: "a", v: "" })}\n${JSON.stringify({ k: "c", v: "" })}\n`);
  });
});
