// The viewer's page in headless Chromium (Debian: apt-get install chromium), driven by
// puppeteer-core with the system browser: a run of 5,000 samples, filtered to unparsed, one
// opened, the span the answer was read from, and two runs side by side.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunIndex } from "../../harness/view/run-index.ts";
import { startViewServer, type ViewServer } from "../../harness/view/server.ts";
import type { Sample } from "../../harness/types.ts";
import { tempDir } from "../helpers.ts";
import { makeViewRun } from "./make-view-run.ts";

const CHROMIUM = spawnSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" }).stdout.trim();
const TASK = "medqa.en";
const SCREENSHOT = resolve(import.meta.dirname, "..", "..", "docs", "view.png");

let results: string;
let viewer: ViewServer;
let browser: Browser;
let page: Page;

function samplesOf(run: string): Sample[] {
  return readFileSync(join(results, run, "samples.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
}

/** Wait until the element's text is exactly this (the page re-renders after each fetch). */
async function waitText(selector: string, want: string): Promise<void> {
  await page.waitForFunction(`document.querySelector(${JSON.stringify(selector)})?.textContent === ${JSON.stringify(want)}`);
}

async function text(selector: string): Promise<string> {
  await page.waitForSelector(selector);
  return page.$eval(selector, (el) => el.textContent ?? "");
}

describe.skipIf(!CHROMIUM)("medeval view in headless Chromium", () => {
  beforeAll(async () => {
    results = tempDir("medeval-view-page-");
    makeViewRun(results, { runId: "a", model: "alpha", task: TASK, n: 5000 });
    makeViewRun(results, { runId: "b", model: "beta", task: TASK, n: 5000, skill: 3 });
    viewer = await startViewServer(new RunIndex([results]), { host: "127.0.0.1", port: 0 });
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", `--user-data-dir=${tempDir("medeval-chromium-")}`],
    });
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    // Offline: nothing but the viewer itself may be asked for.
    await page.setRequestInterception(true);
    page.on("request", (req) => (req.url().startsWith(viewer.url) ? req.continue() : req.abort()));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await viewer?.close();
  });

  it("lists the runs with their accuracy and n", async () => {
    await page.goto(viewer.url);
    const runs = await text("#runs");
    const a = samplesOf("a");
    const scored = a.filter((s) => s.status !== "error");
    const accuracy = ((100 * scored.filter((s) => s.correct).length) / scored.length).toFixed(1);
    expect(runs).toContain(`${accuracy} [`);
    expect(runs).toContain(`n=${scored.length}`);
    expect(runs).toContain("/models/alpha");
  }, 60_000);

  it("filters 5,000 samples to unparsed, opens one, and marks the span of an answer read", async () => {
    const unparsed = samplesOf("a").filter((s) => s.status === "unparsed");
    await page.goto(`${viewer.url}#/samples?run=a&task=${TASK}`);
    expect(await text("#matched")).toBe("5000 of 5000 samples");
    await page.click('input[name=status][value=unparsed]');
    await waitText("#matched", `${unparsed.length} of 5000 samples`);
    const statuses = await page.$$eval("#samples tbody tr .status", (els) => els.map((e) => e.textContent));
    expect(statuses).toHaveLength(100);
    expect(new Set(statuses)).toEqual(new Set(["unparsed"]));
    await page.click("#samples tbody tr.row");
    await page.waitForSelector("pre.answer");
    expect(page.url()).toContain(`item=${unparsed[0].item_id}`);
    expect(await text("pre.answer")).toContain("I cannot decide between B and C.");
    expect(await page.$("mark.span")).toBeNull();

    // A lenient reply: the mark covers the statement the letter was read from, not the reasoning.
    const lenient = samplesOf("a").find((s) => s.status === "lenient")!;
    await page.goto(`${viewer.url}#/sample?run=a&task=${TASK}&item=${lenient.item_id}`);
    expect(await text("mark.span")).toBe(`answer is (${lenient.answer})`);
    expect(await text("pre.answer")).toBe(`Renal function matters here. So the answer is (${lenient.answer}).`);
    expect(await page.$eval("details.reasoning", (el) => (el as unknown as { open: boolean }).open)).toBe(false);
    expect(await text("details.reasoning")).toContain("INR is high.");
  }, 60_000);

  it("shows two runs side by side where A is right and B wrong, and back", async () => {
    const a = new Map(samplesOf("a").map((s) => [s.item_id, s]));
    const b = samplesOf("b");
    const aOnly = b.filter((sb) => sb.status !== "error" && a.get(sb.item_id)!.status !== "error" && a.get(sb.item_id)!.correct && !sb.correct);
    const bOnly = b.filter((sb) => sb.status !== "error" && a.get(sb.item_id)!.status !== "error" && !a.get(sb.item_id)!.correct && sb.correct);
    await page.goto(`${viewer.url}#/compare?a=a&b=b&task=${TASK}`);
    expect(await text("#pair-matched")).toBe(`${aOnly.length + bOnly.length} items`);
    await page.click('button[data-filter="a_right_b_wrong"]');
    await waitText("#pair-matched", `${aOnly.length} items`);
    await page.click("#pairs tbody tr.row");
    await page.waitForSelector("#side-by-side .side-a pre.answer");
    await page.waitForSelector("#side-by-side .side-b pre.answer");
    const item = aOnly[0];
    expect(await text("#side-by-side .side-a h3")).toContain(item.item_id);
    expect(await text("#side-by-side .side-a .meta")).toContain("right");
    expect(await text("#side-by-side .side-b .meta")).toContain("wrong");
    await page.screenshot({ path: SCREENSHOT });
    await page.click('button[data-filter="a_wrong_b_right"]');
    await waitText("#pair-matched", `${bOnly.length} items`);
  }, 60_000);
});
