// Throughput of `medeval translate` against a simulated translator: items per second and the
// harness's CPU per item at concurrency 64 on a 200 ms server. The server runs in a child
// process (this file with --serve) so the CPU measured here is medeval's own: prompts, HTTP,
// the strict parse, the quality checks (franc language ID, numbers, chrF) and the journal.
// It translates CasiMedicos (medexpqa.en train, ../shared/datasets) into Italian, and the
// server answers each item with its true Italian version from the parallel CasiMedicos file,
// so every check runs on real text; back-translation answers with the English original.
// Then two bad translators (one copying the English, one cutting the text and changing its
// numbers) show how many of their items the checks flag.
//   npx tsx bench/translate.ts [--latency 200] [--concurrency 64]
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadItems, loadRegistry } from "../harness/tasks/index.ts";
import { runTranslation } from "../harness/translate/job.ts";
import type { Item } from "../harness/types.ts";
import { startFakeVllm } from "../test/fake-vllm/server.ts";
import { lastUserText } from "../test/fake-vllm/helpers.ts";

const { values } = parseArgs({
  options: {
    latency: { type: "string", default: "200" },
    concurrency: { type: "string", default: "64" },
    serve: { type: "boolean", default: false },
    mode: { type: "string", default: "true" },
  },
});
const ROOT = resolve(import.meta.dirname, "..");
const DATA = resolve(ROOT, "..", "shared", "datasets");
const LATENCY = Number(values.latency);
const CONCURRENCY = Number(values.concurrency);

/** The parallel CasiMedicos items (en and it) keyed by the id without its language prefix. */
async function parallelItems(): Promise<{ en: Item[]; it: Map<string, Item> }> {
  const registry = loadRegistry();
  const load = async (id: string) =>
    (await Promise.all((["test", "pool"] as const).map(async (split) => (await loadItems(registry.get(id)!, split, { dataDir: DATA, offline: true })).items))).flat();
  const strip = (id: string) => id.replace(/^[a-z]{2}_/, "");
  const [en, it] = await Promise.all([load("medexpqa.en"), load("medexpqa.it")]);
  return { en, it: new Map(it.map((i) => [strip(i.id), i])) };
}

type Reply = { question: string; options: string[] };
/**
 * What the child server answers with: the true Italian text; the English sent, copied; or a
 * broken translation (the true text cut to its first third, numbers off by one, options alike).
 */
const MODES: Record<string, (truth: Reply | undefined, sent: Reply) => Reply> = {
  true: (truth, sent) => truth ?? sent,
  copy: (_truth, sent) => sent,
  broken: (truth, sent) => {
    const t = truth ?? sent;
    const bump = (text: string) => text.replace(/\d+/g, (d) => String(Number(d) + 1));
    return { question: bump(t.question.slice(0, Math.ceil(t.question.length / 3))), options: t.options.map(() => bump(t.options[0])) };
  },
};

/** Child mode: a fake vLLM that answers a translation as --mode says. */
async function serve(): Promise<void> {
  const mode = MODES[values.mode!];
  if (!mode) throw new Error(`--mode: one of ${Object.keys(MODES).join(", ")}`);
  const { en, it } = await parallelItems();
  const byQuestion = new Map<string, { question: string; options: string[] }>();
  for (const item of en) {
    const target = it.get(item.id.replace(/^en_/, ""));
    if (target && target.options.length === item.options.length) byQuestion.set(item.question, target);
    // the back-translation of the Italian text is the English original
    if (target) byQuestion.set(target.question, item);
  }
  const server = await startFakeVllm({
    servedModelName: "bench-translator",
    maxModelLen: 100_000,
    latency: { meanMs: LATENCY, jitterMs: 0 },
    respond: (req) => {
      const sent = JSON.parse(lastUserText(req.messages)) as { question: string; options: string[] };
      const found = byQuestion.get(sent.question);
      // an item without a parallel version comes back copied (the checks flag it)
      const reply = mode(found && found.options.length === sent.options.length ? found : undefined, sent);
      return { content: JSON.stringify({ question: reply.question, options: reply.options }) };
    },
  });
  console.log(`bench translator at ${server.url}`);
}

function startServer(mode: string): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), import.meta.filename, "--serve", "--mode", mode, "--latency", String(LATENCY)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /at (http:\/\/\S+)/.exec(out);
      if (m) ok({ url: m[1], child });
    });
    child.on("exit", (code) => fail(new Error(`bench server exited (${code})`)));
  });
}

async function measure(url: string, split: "test" | "pool", backTranslate: boolean): Promise<{ items: number; flagged: number; failing: string; wallS: number; cpuMsPerItem: number; requests: number }> {
  const out = mkdtempSync(join(tmpdir(), "medeval-bench-translate-"));
  try {
    const cpu = process.cpuUsage();
    const start = performance.now();
    const outcomes = await runTranslation({
      overrides: { modelUrl: [url], servedModel: "bench-translator" },
      tasks: "medexpqa.en",
      to: ["it"],
      split,
      limit: null,
      backTranslate,
      dropFlagged: false,
      variant: "bench",
      dataDir: DATA,
      offline: true,
      out,
      concurrency: CONCURRENCY,
      cache: false,
      maxRetries: 0,
      signal: new AbortController().signal,
      notice: () => {},
    });
    const wallS = (performance.now() - start) / 1000;
    const used = process.cpuUsage(cpu);
    const [o] = outcomes;
    if (!o || o.missing > 0) throw new Error(`translation incomplete: ${o?.missing ?? "no"} items missing`);
    const items = o.result.items.length;
    const failing = Object.entries(o.result.failing).map(([check, n]) => `${check} ${n}`).join(", ");
    return { items, flagged: o.result.flagged.length, failing, wallS, cpuMsPerItem: (used.user + used.system) / 1000 / items, requests: o.sent };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

if (values.serve) {
  await serve();
} else if (!existsSync(join(DATA, "casimedicos"))) {
  console.log(`skipped: ${join(DATA, "casimedicos")} is not there (the bench translates CasiMedicos with its true Italian version)`);
} else {
  const { url, child } = await startServer("true");
  try {
    // warm-up on the test split (module loading, franc's trigram tables), not reported
    await measure(url, "test", false);
    console.log(`medeval translate, medexpqa.en train (the pool split) → it, concurrency ${CONCURRENCY}, server ${LATENCY} ms per request (child process)`);
    for (const back of [false, true]) report(back ? "true, --back-translate" : "true translation", await measure(url, "pool", back));
  } finally {
    child.kill("SIGTERM");
  }
  // the checks against a translator that copies, or one that breaks the items
  for (const mode of ["copy", "broken"]) {
    const server = await startServer(mode);
    try {
      report(`${mode} translation`, await measure(server.url, "pool", false));
    } finally {
      server.child.kill("SIGTERM");
    }
  }
}

function report(label: string, r: Awaited<ReturnType<typeof measure>>): void {
  const ideal = (Math.ceil(r.requests / CONCURRENCY) * LATENCY) / 1000;
  console.log(
    `  ${label.padEnd(23)} ${r.items} items, ${r.requests} requests, ${r.wallS.toFixed(2)} s ` +
      `(server-bound floor ${ideal.toFixed(2)} s): ${(r.items / r.wallS).toFixed(1)} items/s, CPU ${r.cpuMsPerItem.toFixed(2)} ms/item, flagged ${r.flagged}${r.failing ? ` (${r.failing})` : ""}`,
  );
}
