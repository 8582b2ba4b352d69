// How our extraction compares with what the publishers of real model outputs recorded:
// per source, the status mix, agreement of (our answer == gold) with their correct/incorrect
// mark, and agreement of our letter with their own extractor's letter; then, per kind, the
// hand-written cases of bench/extraction-kinds.jsonl (answers real outputs showed missed, and
// the cases that must stay no answer); and the time per reply.
//   npx tsx bench/extract-agreement.ts [generations.jsonl] [--dump disagreements.jsonl]
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { extractAnswer, type Extraction } from "../harness/scoring/extract.ts";
import { optionList } from "../harness/scoring/option-list.ts";
import { loadGenerations } from "../test/generations.ts";

interface Tally {
  n: number;
  status: Map<string, number>;
  correct: number;
  marked: number;
  markedAgree: number;
  extracted: number;
  extractedAgree: number;
  /** Replies carrying a well-formed JSON "answer_choice": "X" field, and how often we read X. */
  field: number;
  fieldAgree: number;
}

const args = process.argv.slice(2);
const dumpAt = args.indexOf("--dump");
const dumpPath = dumpAt >= 0 ? args[dumpAt + 1] : undefined;
const positional = args.filter((a, i) => i !== dumpAt && i !== dumpAt + 1);
const path = positional[0] ?? resolve(import.meta.dirname, "..", "..", "shared", "generations", "generations.jsonl");

const tallies = new Map<string, Tally>();
let extractNs = 0n;
let extractCpuUs = 0;
let extractCount = 0;
const disagreements: string[] = [];
const pct = (a: number, b: number) => (b === 0 ? "n/a" : `${((100 * a) / b).toFixed(1)}%`);

for (const g of loadGenerations(path)) {
  const options = optionList(g.options);
  if (!Array.isArray(options)) throw new Error(`${g.source} ${g.item_id}: ${options.problem}`);
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const x: Extraction = extractAnswer({ content: g.text, reasoning: g.reasoning, options, lang: "en" });
  extractNs += process.hrtime.bigint() - started;
  const used = process.cpuUsage(cpu);
  extractCpuUs += used.user + used.system;
  extractCount++;
  const t =
    tallies.get(g.source) ??
    { n: 0, status: new Map(), correct: 0, marked: 0, markedAgree: 0, extracted: 0, extractedAgree: 0, field: 0, fieldAgree: 0 };
  tallies.set(g.source, t);
  t.n++;
  t.status.set(x.status, (t.status.get(x.status) ?? 0) + 1);
  const correct = x.letter === g.gold;
  if (correct) t.correct++;
  const kinds: string[] = [];
  if (g.source_marked_correct !== null) {
    t.marked++;
    if (correct === g.source_marked_correct) t.markedAgree++;
    else kinds.push("marked_correct");
  }
  if (g.source_extraction !== null) {
    t.extracted++;
    if (x.letter === g.source_extraction) t.extractedAgree++;
    else kinds.push("source_extraction");
  }
  const field = [...g.text.matchAll(/"answer_choice"\s*:\s*"([A-J])"/g)].at(-1)?.[1];
  if (field !== undefined) {
    t.field++;
    if (x.letter === field) t.fieldAgree++;
    else kinds.push("answer_choice_field");
  }
  if (kinds.length > 0 && dumpPath) {
    disagreements.push(
      JSON.stringify({
        source: g.source, model: g.model, method: g.method, item_id: g.item_id, kinds, gold: g.gold,
        ours: x.letter, status: x.status, rule: x.rule,
        source_extraction: g.source_extraction, source_marked_correct: g.source_marked_correct,
        options: g.options, tail: g.text.slice(-600),
      }),
    );
  }
}

for (const [source, t] of [...tallies].sort()) {
  const status = [...t.status].sort((a, b) => b[1] - a[1]).map(([s, c]) => `${s} ${c} (${pct(c, t.n)})`).join(", ");
  console.log(`\n${source}  n=${t.n}`);
  console.log(`  status: ${status}`);
  console.log(`  accuracy vs gold: ${pct(t.correct, t.n)}`);
  console.log(`  (ours == gold) agrees with source_marked_correct: ${t.markedAgree}/${t.marked} = ${pct(t.markedAgree, t.marked)}; disagree ${t.marked - t.markedAgree}`);
  console.log(`  our letter == source_extraction: ${t.extractedAgree}/${t.extracted} = ${pct(t.extractedAgree, t.extracted)}; disagree ${t.extracted - t.extractedAgree}`);
  if (t.field > 0) {
    console.log(`  our letter == last JSON "answer_choice" field: ${t.fieldAgree}/${t.field} = ${pct(t.fieldAgree, t.field)}; disagree ${t.field - t.fieldAgree}`);
  }
}
// CPU time too: on a shared machine the wall clock mostly measures the neighbours.
const perReply = (us: number) => (us / extractCount).toFixed(1);
console.log(
  `\nextraction time per reply (n=${extractCount}, one pass, first calls included): wall ${perReply(Number(extractNs) / 1000)} µs, cpu ${perReply(extractCpuUs)} µs`,
);

interface KindCase {
  kind: string;
  lang: string;
  text: string;
  options: string[];
  gold: string | null;
  reasoning?: string;
  note?: string;
}

const kindsPath = resolve(import.meta.dirname, "extraction-kinds.jsonl");
const byKind = new Map<string, { n: number; agree: number; misses: string[] }>();
readFileSync(kindsPath, "utf8").split("\n").forEach((line, i) => {
  if (line.trim() === "") return;
  const c = JSON.parse(line) as KindCase;
  const x = extractAnswer({ content: c.text, reasoning: c.reasoning ?? null, options: c.options, lang: c.lang });
  const k = byKind.get(c.kind) ?? { n: 0, agree: 0, misses: [] };
  byKind.set(c.kind, k);
  k.n++;
  if (x.letter === c.gold) k.agree++;
  else k.misses.push(`line ${i + 1}: gold ${c.gold ?? "none"}, ours ${x.letter ?? "none"} (${x.rule}) ${JSON.stringify(c.text.slice(-70))}`);
});
console.log(`\nhand-written kinds (${kindsPath}): our letter == gold`);
for (const [kind, k] of byKind) {
  console.log(`  ${kind.padEnd(18)} ${k.agree}/${k.n} = ${pct(k.agree, k.n)}`);
  for (const miss of k.misses) console.log(`      ${miss}`);
}

if (dumpPath) {
  writeFileSync(dumpPath, disagreements.join("\n") + (disagreements.length ? "\n" : ""));
  console.log(`\n${disagreements.length} disagreements written to ${dumpPath}`);
}
