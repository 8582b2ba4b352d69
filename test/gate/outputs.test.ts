// JUnit XML (read back with a real XML parser) and the Markdown summary.
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import type { GateDecision, GateRow } from "../../harness/gate/decide.ts";
import { escapeXml, renderJUnit } from "../../harness/gate/junit.ts";
import { renderMarkdown } from "../../harness/gate/markdown.ts";
import type { CheckReport } from "../../harness/gate/report.ts";
import { renderTerminal } from "../../harness/gate/terminal.ts";

const side = (model: string) => ({ origin: `/r/${model}`, kind: "run" as const, runId: `${model}-run`, model, servedModel: model, startedAt: "2025-01-02T03:04:05Z" });

function row(name: string, verdict: GateRow["verdict"], diff: number, kind: GateRow["kind"] = "task"): GateRow {
  return {
    kind,
    name,
    n: 1000,
    excluded: 0,
    baseline: 0.7,
    candidate: 0.7 + diff,
    diff,
    ci: { low: diff - 0.02, high: diff + 0.02 },
    p: 0.001,
    pHolm: 0.003,
    gained: 10,
    lost: 10 - Math.round(diff * 1000),
    verdict,
    reason: `reason for ${name} with <tags> & "quotes" 'apostrophes' and a \u0007 bell`,
  };
}

function report(rows: GateRow[], exitCode: 0 | 1 | 2 = 1): CheckReport {
  const decision: GateDecision = {
    options: { maxDrop: 1, alpha: 0.05, strict: false, resamples: 1000, seed: 0, level: 0.95, maxErrorRate: 0.05 },
    rows,
    problems: [],
    regressions: rows.filter((r) => r.verdict === "regression"),
    passed: rows.every((r) => r.verdict !== "regression"),
  };
  return { baseline: side("base <b>"), candidate: side("cand & co"), exitCode, problems: [], warnings: ["prompt style differ: a|b"], decision };
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", isArray: (name) => name === "testcase" || name === "property" });

describe("JUnit XML", () => {
  it("is well-formed, one test case per row, a failure for each regression, text escaped", () => {
    const xml = renderJUnit(
      report([row("medqa.en", "regression", -0.07), row("medmcqa.it", "pass", -0.002), row("macro", "regression", -0.03, "aggregate")]),
      "2025-01-02T00:00:00Z",
    );
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = parser.parse(xml);
    const suites = doc.testsuites;
    expect(suites["@tests"]).toBe("3");
    expect(suites["@failures"]).toBe("2");
    const suite = suites.testsuite;
    expect(suite["@name"]).toBe("medeval check: cand & co vs baseline base <b>");
    const cases = suite.testcase as Record<string, any>[];
    expect(cases.map((c) => c["@name"])).toEqual(["medqa.en", "medmcqa.it", "macro"]);
    expect(cases.map((c) => c["@classname"])).toEqual(["medeval.check.medqa", "medeval.check.medmcqa", "medeval.check.aggregate"]);
    expect(cases[0].failure["@type"]).toBe("regression");
    expect(cases[0].failure["@message"]).toBe("medqa.en: −7.00 pts");
    expect(cases[0].failure["#text"]).toContain(`reason for medqa.en with <tags> & "quotes" 'apostrophes' and a  bell`);
    expect(cases[1].failure).toBeUndefined();
    const props = suite.properties.property as Record<string, string>[];
    expect(props.find((p) => p["@name"] === "warning")!["@value"]).toBe("prompt style differ: a|b");
  });

  it("reports runs that cannot be compared as an error test case", () => {
    const r: CheckReport = { ...report([]), exitCode: 2, decision: undefined, problems: ["task medqa.en: different items", "missing tasks: x"] };
    const xml = renderJUnit(r);
    expect(XMLValidator.validate(xml)).toBe(true);
    const suite = parser.parse(xml).testsuites.testsuite;
    expect(suite["@errors"]).toBe("1");
    expect(suite.testcase[0]["@name"]).toBe("comparable");
    expect(suite.testcase[0].error["@message"]).toBe("task medqa.en: different items");
    expect(suite.testcase[0].error["#text"]).toContain("missing tasks: x");
  });

  it("escapes the five XML specials and drops characters XML cannot hold", () => {
    expect(escapeXml(`<a href="x">&'\u0000\u001f\t\n`)).toBe("&lt;a href=&quot;x&quot;&gt;&amp;&apos;\t\n");
  });
});

describe("Markdown and terminal summaries", () => {
  it("show the verdict, a row per task and aggregate, the regressions and warnings", () => {
    const md = renderMarkdown(report([row("medqa.en", "regression", -0.07), row("a|b", "improved", 0.03), row("macro", "pass", -0.01, "aggregate")]));
    expect(md).toMatch(/^## ❌ medeval check: regression/);
    expect(md).toContain("| medqa.en | 1000 | 70.00 | 63.00 | −7.00 | [−9.00, −5.00] | 0.0030 | +10 / −80 | ❌ regression |");
    expect(md).toContain("| a\\|b |"); // a pipe inside a cell is escaped
    expect(md).toContain("### Aggregates");
    expect(md).toContain("- **medqa.en**: reason for medqa.en");
    expect(md).toContain("- prompt style differ: a|b");
    const term = renderTerminal(report([row("medqa.en", "regression", -0.07)]));
    expect(term).toContain("REGRESSION");
    expect(term).toContain("medeval check: regression (exit 1)");
  });

  it("lists the problems when the runs cannot be compared", () => {
    const md = renderMarkdown({ ...report([]), exitCode: 2, decision: undefined, problems: ["missing tasks: medmcqa.es"] });
    expect(md).toMatch(/^## ⚠️ medeval check: not comparable/);
    expect(md).toContain("- missing tasks: medmcqa.es");
  });
});
