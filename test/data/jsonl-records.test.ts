// jsonlRecords takes a JSON Lines text one record at a time: the records, indices, line numbers
// and errors of reading it whole (LF, CRLF, blank and whitespace lines, no final newline).
import { describe, expect, it } from "vitest";
import { jsonlRecords, parseJsonl } from "../../harness/data/read-jsonl.ts";

describe("jsonlRecords", () => {
  it("numbers lines as the file has them and indexes records as they come", () => {
    const text = '{"a":1}\r\n\r\n  {"a":2}  \n\t\n{"a":3}';
    expect([...jsonlRecords(text, "f.jsonl")]).toEqual([
      { data: { a: 1 }, index: 0, where: "line 1" },
      { data: { a: 2 }, index: 1, where: "line 3" },
      { data: { a: 3 }, index: 2, where: "line 5" },
    ]);
    expect(parseJsonl(`${text}\n`, "f.jsonl")).toHaveLength(3);
    expect([...jsonlRecords("", "f.jsonl")]).toEqual([]);
  });

  it("names the line of bad JSON or of a value that is not an object, when it is reached", () => {
    const records = jsonlRecords('{"a":1}\n\n[1]\n', "f.jsonl");
    expect(records.next().value).toMatchObject({ where: "line 1" });
    expect(() => records.next()).toThrow("f.jsonl, line 3: expected a JSON object, found an array.");
    expect(() => parseJsonl('{"a":1}\n{oops', "f.jsonl")).toThrow(/f\.jsonl, line 2: not valid JSON/);
  });
});
