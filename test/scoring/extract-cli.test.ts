// `medeval extract` end to end, spawned like a user runs it.
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../helpers.ts";

const ROOT = resolve(import.meta.dirname, "..", "..");

// The same as `npx tsx harness/cli.ts …`, without npm's start-up time on every call.
function medeval(...args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "harness", "cli.ts"), ...args], { cwd: ROOT, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const LINES = [
  { id: "q1", text: "Cipro covers it.\nAnswer: B", options: { A: "Ampicillin", B: "Ciprofloxacin", C: "Terazosin", D: "Doxycycline" } },
  { id: "q2", text: "<think>Maybe A. Or", finish_reason: "stop", options: ["Ampicillin", "Ciprofloxacin", "Terazosin", "Doxycycline"] },
  { text: "Quindi la risposta corretta è la C.", lang: "it", options: ["a", "b", "c", "d"] },
  { id: 4, text: "<think>Long thought</think>\nIt could be B or D.", reasoning: null, options: ["a", "b", "c", "d"] },
  { id: "q5", text: "The answer is D", finish_reason: "length", options: ["a", "b", "c", "d"] },
  { id: "q6", text: "Urinary retention points to one drug. The most likely cause is terazosin.", options: ["Ampicillin", "Ciprofloxacin", "Terazosin", "Doxycycline"] },
];

describe("medeval extract", () => {
  it("writes one line per input with id, answer, status and rule, and a summary to stderr", () => {
    const dir = tempDir();
    const input = join(dir, "in.jsonl");
    const out = join(dir, "out.jsonl");
    writeFileSync(input, LINES.map((l) => JSON.stringify(l)).join("\n") + "\n\n");
    const r = medeval("extract", "--input", input, "--out", out);
    expect(r.code, r.stderr).toBe(0);
    const rows = readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(rows.map((x) => [x.id, x.answer, x.status])).toEqual([
      ["q1", "B", "strict"],
      ["q2", null, "truncated"],
      [3, "C", "lenient"],
      [4, null, "unparsed"],
      ["q5", null, "truncated"],
      ["q6", "C", "option_text"],
    ]);
    expect(rows.every((x) => typeof x.rule === "string" && x.rule !== "")).toBe(true);
    expect(r.stderr).toContain("6 lines");
    expect(r.stderr).toContain("truncated 2");
  });

  it("prints to stdout without --out", () => {
    const dir = tempDir();
    const input = join(dir, "in.jsonl");
    writeFileSync(input, JSON.stringify(LINES[0]) + "\n");
    const r = medeval("extract", "--input", input);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toEqual({ id: "q1", answer: "B", status: "strict", rule: "strict_line" });
  });

  it("a bad line is reported by line and field and skipped; the others are written, and the exit says so", () => {
    const dir = tempDir();
    const input = join(dir, "in.jsonl");
    const out = join(dir, "out.jsonl");
    writeFileSync(input, [JSON.stringify(LINES[0]), JSON.stringify({ id: "x", text: "Answer: A", options: { A: "a" } }), JSON.stringify(LINES[4])].join("\n"));
    const r = medeval("extract", "--input", input, "--out", out);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("in.jsonl:2");
    expect(r.stderr).toContain('field "options"');
    expect(r.stderr).toMatch(/1 bad line\(s\) skipped/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const rows = readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { id: string });
    expect(rows.map((x) => x.id)).toEqual(["q1", "q5"]);
    expect(readdirSync(dir).sort()).toEqual(["in.jsonl", "out.jsonl"]);

    writeFileSync(input, '{"options": ["a", "b"]}\n');
    const missing = medeval("extract", "--input", input);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('in.jsonl:1: field "text"');

    writeFileSync(input, "{not json\n");
    expect(medeval("extract", "--input", input).stderr).toContain("in.jsonl:1: not valid JSON");
  }, 120_000);

  it("a missing input file is a clear error", () => {
    const r = medeval("extract", "--input", join(tempDir(), "nope.jsonl"));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no such file");
  });
});
