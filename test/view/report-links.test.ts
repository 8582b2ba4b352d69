// Every accuracy in `medeval report` links to the samples it counts, in a form `medeval view` understands.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadScores, tableFor } from "../../harness/report/build.ts";
import { renderHtmlReport } from "../../harness/report/render-html.ts";
import { VIEW_LINK_BASE, VIEW_LINK_PORT } from "../../harness/report/view-link.ts";
import { RunIndex } from "../../harness/view/run-index.ts";
import { startViewServer, type ViewServer } from "../../harness/view/server.ts";
import { tempDir } from "../helpers.ts";
import { makeRun, outcomes } from "../report/make-run.ts";

let results: string;
let viewer: ViewServer;

beforeAll(async () => {
  results = tempDir("medeval-view-links-");
  makeRun(results, { model: "base", setting: "zero-shot", tasks: { "medqa.en": outcomes(50, 30), "medqa.it": outcomes(40, 20) }, statuses: { "medqa.en": { 3: "error", 4: "unparsed" } } });
  makeRun(results, { model: "other", setting: "zero-shot", runId: "other-en", tasks: { "medqa.en": outcomes(50, 35) } });
  makeRun(join(results, "more"), { model: "other", setting: "zero-shot", runId: "other-it", tasks: { "medqa.it": outcomes(40, 30) } });
  viewer = await startViewServer(new RunIndex([results]), { host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await viewer?.close();
});

describe("report → view links", () => {
  it("links each task accuracy to that run's task, whose scored samples are the cell's n", async () => {
    const opts = { level: 0.95, alpha: 0.05, subjects: "group" as const, resamples: 200, seed: "1" };
    const scores = loadScores([results], opts);
    const model = tableFor(scores, opts);
    const page = renderHtmlReport(model, scores, { ci: "interval", source: results });
    expect(page).toContain(`medeval view ${results} --port ${VIEW_LINK_PORT}`);

    const links = [...page.matchAll(/<td title="n=(\d+) of \d+, correct=(\d+)"><a href="([^"]+)">/g)].map((m) => ({ n: Number(m[1]), correct: Number(m[2]), href: m[3].replaceAll("&amp;", "&") }));
    const cells = model.rows.flatMap((r) => r.cells.filter((c) => c !== null));
    expect(links).toHaveLength(cells.length);
    const taskLinks = links.filter((l) => l.href.includes("#/samples?"));
    // A cell of one task (a task column, or a language average of one task) opens its samples.
    expect(taskLinks.length).toBe(model.rows.reduce((n, r) => n + r.cells.filter((c, i) => c !== null && model.columns[i].tasks.length === 1).length, 0));
    for (const link of taskLinks) {
      expect(link.href.startsWith(`${VIEW_LINK_BASE}#/samples?`)).toBe(true);
      const params = new URLSearchParams(link.href.split("?")[1]);
      const all = (await (await fetch(new URL(`/api/samples?${params}&limit=1000`, viewer.url))).json()) as any;
      const scored = all.rows.filter((r: any) => r.status !== "error");
      expect(scored.length, link.href).toBe(link.n);
      expect(scored.filter((r: any) => r.correct).length, link.href).toBe(link.correct);
    }
    // The other system's medqa.it lives in another run than its medqa.en: each link names its own.
    expect(taskLinks.map((l) => new URLSearchParams(l.href.split("?")[1]).get("run"))).toEqual(expect.arrayContaining(["other-en", "other-it"]));
    // An average links to the runs and tasks it is made of.
    const average = links.find((l) => l.href.includes("#/runs?") && l.href.includes("other-it"))!;
    const params = new URLSearchParams(average.href.split("?")[1]);
    expect(params.get("runs")!.split(",").sort()).toEqual(["other-en", "other-it"]);
    expect(params.get("tasks")!.split(",").sort()).toEqual(["medqa.en", "medqa.it"]);
  });
});
