import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Journal, readJournal } from "../../harness/record/journal.ts";
import type { Sample } from "../../harness/types.ts";
import { tempDir } from "../helpers.ts";

function sample(id: string, status: Sample["status"] = "strict"): Sample {
  return {
    task: "medqa.en", item_id: id, item_hash: `h${id}`, lang: "en", messages: [{ role: "user", content: "q" }],
    content: "Answer: A", reasoning: null, finish_reason: "stop", usage: null, answer: "A", gold: "A",
    status, correct: status === "strict", latency_ms: 1, attempts: 1, finished_at: "2026-01-01T00:00:00Z",
  };
}

describe("journal", () => {
  it("appends samples and reads them back, last line per item wins", () => {
    const file = join(tempDir(), "samples.jsonl");
    const { journal } = Journal.open(file);
    journal.append(sample("1", "error"));
    journal.append(sample("2"));
    journal.append(sample("1"));
    journal.close();
    const read = readJournal(file);
    expect(read.lines).toBe(3);
    expect(read.samples.size).toBe(2);
    expect([...read.samples.values()].find((s) => s.item_id === "1")?.status).toBe("strict");
  });

  it("drops a torn final line (a write cut by kill -9) and appends cleanly after it", () => {
    const file = join(tempDir(), "samples.jsonl");
    writeFileSync(file, `${JSON.stringify(sample("1"))}\n${JSON.stringify(sample("2")).slice(0, 40)}`);
    const { journal, existing } = Journal.open(file);
    expect(existing.samples.size).toBe(1);
    expect(existing.tornBytes).toBe(40);
    journal.append(sample("3"));
    journal.close();
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines.map((l) => JSON.parse(l).item_id)).toEqual(["1", "3"]);
  });

  it("names the line of a damaged (not torn) entry", () => {
    const file = join(tempDir(), "samples.jsonl");
    writeFileSync(file, `${JSON.stringify(sample("1"))}\n{oops\n`);
    expect(() => readJournal(file)).toThrow(/samples\.jsonl:2: not valid JSON/);
    const bad = { ...sample("2"), status: "maybe" };
    writeFileSync(file, `${JSON.stringify(bad)}\n`);
    expect(() => readJournal(file)).toThrow(/:1: not a valid sample: field status/);
    appendFileSync(file, "");
  });
});

describe("journal written by another tool", () => {
  it("keeps a complete final line that lacks its newline, and appends after it on a new line", () => {
    const file = join(tempDir(), "samples.jsonl");
    writeFileSync(file, `${JSON.stringify(sample("1"))}\n${JSON.stringify(sample("2"))}`);
    const { journal, existing } = Journal.open(file);
    expect(existing.samples.size).toBe(2);
    expect(existing.tornBytes).toBe(0);
    journal.append(sample("3"));
    journal.close();
    expect(readJournal(file).lines).toBe(3);
  });
});
