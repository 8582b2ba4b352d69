// The viewer at 20,000 samples, in headless Chromium: time to the first paint and to the
// first page of the table, then to filter to unparsed, to search text and to sort, each
// from the user's action to the new rows on screen. Run: npm run bench -- view
import { spawnSync } from "node:child_process";
import puppeteer from "puppeteer-core";
import { RunIndex } from "../harness/view/run-index.ts";
import { startViewServer } from "../harness/view/server.ts";
import { tempDir } from "../test/helpers.ts";
import { makeViewRun } from "../test/view/make-view-run.ts";

const SAMPLES = 20_000;
const TASK = "medqa.en";
const CHROMIUM = spawnSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" }).stdout.trim();
if (!CHROMIUM) {
  console.log("skipping view: no chromium on PATH (Debian: apt-get install chromium)");
  process.exit(0);
}

const results = tempDir("medeval-bench-view-");
let t0 = performance.now();
makeViewRun(results, { runId: "big", model: "alpha", task: TASK, n: SAMPLES });
console.log(`made a run of ${SAMPLES} samples in ${(performance.now() - t0).toFixed(0)} ms`);
const viewer = await startViewServer(new RunIndex([results]), { host: "127.0.0.1", port: 0 });
const browser = await puppeteer.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run", `--user-data-dir=${tempDir("medeval-bench-chromium-")}`],
});
const page = await browser.newPage();
await page.setViewport({ width: 1280, height: 900 });
const shown = (want: string) => page.waitForFunction(`document.querySelector("#matched")?.textContent === ${JSON.stringify(want)}`, { timeout: 60_000 });
const ms = (t: number) => `${(performance.now() - t).toFixed(0)} ms`;

const url = `${viewer.url}#/samples?run=big&task=${TASK}`;
for (const pass of ["cold (the server reads the journal)", "warm"]) {
  t0 = performance.now();
  await page.goto(pass === "warm" ? url.replace("#", "?again#") : url);
  await shown(`${SAMPLES} of ${SAMPLES} samples`);
  const table = ms(t0);
  const paint = await page.evaluate(`performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? null`);
  console.log(`${pass}: first contentful paint ${paint === null ? "n/a" : `${Math.round(paint as number)} ms`}, first page of the table ${table}`);
}

const unparsed = (await (await fetch(new URL(`/api/samples?run=big&task=${TASK}&status=unparsed&limit=0`, viewer.url))).json()) as { matched: number };
t0 = performance.now();
await page.click("input[name=status][value=unparsed]");
await shown(`${unparsed.matched} of ${SAMPLES} samples`);
console.log(`filter to unparsed (${unparsed.matched} rows): ${ms(t0)}`);

t0 = performance.now();
await page.click("input[name=status][value=unparsed]");
await shown(`${SAMPLES} of ${SAMPLES} samples`);
console.log(`filter off again: ${ms(t0)}`);

t0 = performance.now();
await page.type("input[name=q]", "case q1234)");
const typed = performance.now();
await page.keyboard.press("Enter");
await shown(`1 of ${SAMPLES} samples`);
console.log(`text search over ${SAMPLES} samples (after typing): ${(performance.now() - typed).toFixed(0)} ms`);

await page.goto(url);
await shown(`${SAMPLES} of ${SAMPLES} samples`);
t0 = performance.now();
await page.select("select[name=sort]", "latency:desc");
await page.waitForFunction(`location.hash.includes("sort=latency")`);
await shown(`${SAMPLES} of ${SAMPLES} samples`);
await page.waitForFunction(`document.querySelector("#samples tbody tr td.num")?.textContent === "999"`, { timeout: 60_000 });
console.log(`sort by latency, slowest first: ${ms(t0)}`);

await browser.close();
await viewer.close();
