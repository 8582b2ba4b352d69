// Journal.resume: each line already there is handed over as it is read (a run keeps of it only
// what ResumeIndex needs), with the torn-line handling of Journal.open.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Journal, sampleKey } from "../../harness/record/journal.ts";
import type { Sample } from "../../harness/types.ts";
import { tempDir } from "../helpers.ts";

function sample(id: string, status: Sample["status"], hash = `h${id}`): Sample {
  return {
    task: "medqa.en", item_id: id, item_hash: hash, lang: "en", messages: [{ role: "user", content: "q" }],
    content: "Answer: A", reasoning: null, finish_reason: "stop", usage: null, answer: "A", gold: "A",
    status, correct: status === "strict", latency_ms: 1, attempts: 1, finished_at: "2026-01-01T00:00:00Z",
  };
}

describe("Journal.resume", () => {
  it("hands over every line in file order under its key, drops a torn tail and appends after it", () => {
    const file = join(tempDir(), "samples.jsonl");
    const lines = [sample("1", "error"), sample("2", "strict", "old"), sample("1", "strict"), sample("3", "error")];
    writeFileSync(file, `${lines.map((l) => JSON.stringify(l)).join("\n")}\n${JSON.stringify(sample("4", "strict")).slice(0, 30)}`);
    const seen: [string, string, string][] = [];
    const journal = Journal.resume(file, (key, s) => seen.push([key, s.item_hash, s.status]));
    expect(seen).toEqual([
      [sampleKey("medqa.en", "1"), "h1", "error"],
      [sampleKey("medqa.en", "2"), "old", "strict"],
      [sampleKey("medqa.en", "1"), "h1", "strict"],
      [sampleKey("medqa.en", "3"), "h3", "error"],
    ]);
    journal.append(sample("4", "strict"));
    journal.close();
    expect(readFileSync(file, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l).item_id)).toEqual(["1", "2", "1", "3", "4"]);
  });

  it("names the line of a damaged entry", () => {
    const file = join(tempDir(), "samples.jsonl");
    writeFileSync(file, `${JSON.stringify(sample("1", "strict"))}\n{oops\n${JSON.stringify(sample("2", "strict"))}\n`);
    expect(() => Journal.resume(file, () => {})).toThrow(/samples\.jsonl:2: not valid JSON/);
  });
});
