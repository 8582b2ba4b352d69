import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parquetWriteBuffer } from "hyparquet-writer";
import { describe, expect, it } from "vitest";
import { parseCsv, readCsv } from "../../harness/data/read-csv.ts";
import { readJson, parseJsonDocument, recordsFromDocument } from "../../harness/data/read-json.ts";
import { parseJsonl, readJsonl } from "../../harness/data/read-jsonl.ts";
import { normalizeBigInts, readParquet } from "../../harness/data/read-parquet.ts";
import { readRecords } from "../../harness/data/read-records.ts";
import { UserError } from "../../harness/types.ts";
import { tempDir } from "../helpers.ts";

function write(name: string, content: string | ArrayBuffer): string {
  const file = join(tempDir(), name);
  writeFileSync(file, typeof content === "string" ? content : Buffer.from(content));
  return file;
}

describe("jsonl reader", () => {
  it("reads one object per line, skipping blank lines, with 1-based lines", async () => {
    const file = write("a.jsonl", '{"q":"one"}\r\n\n{"q":"two"}\n');
    const records = await readJsonl(file);
    expect(records.map((r) => r.data.q)).toEqual(["one", "two"]);
    expect(records.map((r) => r.where)).toEqual(["line 1", "line 3"]);
    expect(records.map((r) => r.index)).toEqual([0, 1]);
  });

  it("names the file and line of a bad line", async () => {
    const file = write("bad.jsonl", '{"q":"one"}\n{"q":"two"}\n{"q": oops}\n');
    await expect(readJsonl(file)).rejects.toThrow(UserError);
    await expect(readJsonl(file)).rejects.toThrow(`${file}, line 3: not valid JSON`);
  });

  it("rejects a line that is JSON but not an object", () => {
    expect(() => parseJsonl('{"a":1}\n[1,2]\n', "f.jsonl")).toThrow("f.jsonl, line 2: expected a JSON object, found an array");
  });
});

describe("json reader", () => {
  it("reads a top-level array", async () => {
    const file = write("a.json", JSON.stringify([{ q: "x" }, { q: "y" }]));
    const records = await readJson(file);
    expect(records.map((r) => r.data.q)).toEqual(["x", "y"]);
    expect(records[1].where).toBe("record 2");
  });

  it("reads an array at a dotted records path", () => {
    const records = recordsFromDocument({ meta: {}, rows: { items: [{ q: "x" }] } }, "f.json", "rows.items");
    expect(records).toHaveLength(1);
    expect(records[0].data).toEqual({ q: "x" });
  });

  it("explains a missing records path and an object without one", () => {
    expect(() => recordsFromDocument({ rows: [] }, "f.json", "data")).toThrow('f.json: expected the records at "data", but "data" is missing');
    expect(() => recordsFromDocument({ rows: [] }, "f.json")).toThrow("expected an array of records at the top level, found a object");
  });

  it("reports a syntax error with its line", () => {
    expect(() => parseJsonDocument('[\n {"q": 1},\n {"q": }\n]', "f.json")).toThrow(/^f\.json, line 3: not valid JSON/);
  });

  it("rejects non-object records with their number", () => {
    expect(() => recordsFromDocument([{ a: 1 }, "x"], "f.json")).toThrow("f.json, record 2: expected a JSON object, found a string");
  });
});

describe("csv reader", () => {
  it("reads a header file with quoted commas, doubled quotes and newlines", async () => {
    const file = write(
      "a.csv",
      'question,A,B,answer\n"What, exactly?","say ""hi""",plain,A\n"two\nlines",x,y,B\nlast,p,q,A\n',
    );
    const records = await readCsv(file, { header: true });
    expect(records.map((r) => r.data)).toEqual([
      { question: "What, exactly?", A: 'say "hi"', B: "plain", answer: "A" },
      { question: "two\nlines", A: "x", B: "y", answer: "B" },
      { question: "last", A: "p", B: "q", answer: "A" },
    ]);
    // Lines are where each record starts, after the header and the two-line record.
    expect(records.map((r) => r.where)).toEqual(["line 2", "line 3", "line 5"]);
  });

  it("names columns when there is no header, like the MMLU CSVs", () => {
    const text = 'A ""dished face"" q,"a, b",c,d,e,B\n';
    const records = parseCsv(text.replace('A ""dished face"" q', '"A ""dished face"" q"'), "m.csv", {
      header: false,
      columns: ["question", "A", "B", "C", "D", "answer"],
    });
    expect(records[0].data).toEqual({ question: 'A "dished face" q', A: "a, b", B: "c", C: "d", D: "e", answer: "B" });
    expect(records[0].where).toBe("line 1");
  });

  it("numbers fields without header or names", () => {
    expect(parseCsv("x,y\n", "f.csv", { header: false })[0].data).toEqual({ "0": "x", "1": "y" });
  });

  it("names the line of a row with the wrong number of columns", () => {
    expect(() => parseCsv("a,b,c\n1,2,3\n4,5\n", "f.csv", { header: true })).toThrow("f.csv, line 3: expected 3 columns (a, b, c), found 2");
  });

  it("names the line of malformed quoting", () => {
    expect(() => parseCsv('a,b\n1,2\n"3,4\n', "f.csv", { header: true })).toThrow(/^f\.csv, line \d+: not valid CSV/);
  });
});

describe("parquet reader", () => {
  it("reads rows written by hyparquet-writer, with INT64 columns as numbers", async () => {
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: "question", data: ["Q1", "Q2", "Q3"], type: "STRING" },
        { name: "cop", data: [0n, 3n, 2n], type: "INT64" },
        { name: "opa", data: ["a1", "a2", "a3"], type: "STRING" },
        { name: "score", data: [1, 2, 3], type: "INT32" },
      ],
    });
    const file = write("a.parquet", buffer);
    const records = await readParquet(file);
    expect(records.map((r) => r.data)).toEqual([
      { question: "Q1", cop: 0, opa: "a1", score: 1 },
      { question: "Q2", cop: 3, opa: "a2", score: 2 },
      { question: "Q3", cop: 2, opa: "a3", score: 3 },
    ]);
    expect(typeof records[1].data.cop).toBe("number");
    expect(records[2].where).toBe("row 3");
    expect(await readRecords(file, { type: "parquet" })).toEqual(records);
  });

  it("turns nested BigInts into numbers, and unsafe ones into text", () => {
    expect(normalizeBigInts({ answers: [{ aid: 1n, atext: "x" }], big: 2n ** 60n })).toEqual({
      answers: [{ aid: 1, atext: "x" }],
      big: "1152921504606846976",
    });
  });

  it("reports a file that is not parquet", async () => {
    const file = write("not.parquet", "hello, I am text");
    await expect(readParquet(file)).rejects.toThrow(`${file}: not a readable parquet file`);
  });
});

describe("readRecords", () => {
  it("dispatches on the format", async () => {
    const jsonl = write("a.jsonl", '{"x":1}\n');
    const json = write("a.json", '{"data":[{"x":2}]}');
    const csv = write("a.csv", "x\n3\n");
    expect((await readRecords(jsonl, { type: "jsonl" }))[0].data).toEqual({ x: 1 });
    expect((await readRecords(json, { type: "json", records: "data" }))[0].data).toEqual({ x: 2 });
    expect((await readRecords(csv, { type: "csv", header: true }))[0].data).toEqual({ x: "3" });
  });
});

describe("json syntax error lines", () => {
  it("finds the line in a longer document and at the end of input", () => {
    const lines = Array.from({ length: 30 }, (_, i) => `  {"q": "question number ${i}"},`);
    lines[20] = '  {"q": "question" "number 20"},';
    const text = `[\n${lines.join("\n")}\n  {}\n]`;
    expect(() => parseJsonDocument(text, "big.json")).toThrow(/^big\.json, line 22: not valid JSON/);
    expect(() => parseJsonDocument('[\n{"a": 1},\n{"b": 2', "cut.json")).toThrow(/^cut\.json, line 3: not valid JSON/);
  });
});
