// Few-shot selection: k traces for one test item, chosen at random (seeded), by BM25 over the
// language's questions (bm25.ts), or by embedding similarity; never the item's own question or a
// near copy of it (see guard.ts), with what was excluded reported back for the sample log.
import seedrandom from "seedrandom";
import { type Item, UserError } from "../types.ts";
import { type EmbedFn, openAIEmbedder } from "./embed.ts";
import { type ExclusionReason, leakageGuard, splitRisk, type LeakageGuard } from "./guard.ts";
import { normalizeQuestion } from "./normalize.ts";
import type { Trace } from "./schema.ts";
import type { Bm25Index } from "./bm25.ts";
import type { TraceStore } from "./store.ts";

export type SelectMethod = "random" | "bm25" | "embedding";
export const SELECT_METHODS: readonly SelectMethod[] = ["random", "bm25", "embedding"];

export interface SelectOptions {
  k: number;
  method: SelectMethod;
  /** Language of the traces; default the item's (set it to cross languages: --trace-lang). */
  lang?: string;
  seed: number;
  /** The task family (medqa, medmcqa, …): source question ids only collide within one dataset. */
  taskFamily?: string;
  /** Embeds the test question (embedding); default: the endpoint recorded in the store at import. */
  embed?: EmbedFn;
  /** Token-set Jaccard at or above which a trace is a near duplicate (default 0.8). */
  nearDuplicateJaccard?: number;
  /** bm25: query with the question's N most distinctive words (default 16; 0: every word). */
  bm25Terms?: number;
  /** The task family's evaluated split ("test"; "dev" for MedMCQA): its traces are other test items'. */
  evaluatedSplit?: "dev" | "test";
  /** Use traces of the evaluated split anyway (--allow-test-split-traces). */
  allowEvaluatedSplit?: boolean;
}

export const DEFAULT_BM25_TERMS = 16;

export interface Exclusion {
  id: string;
  reason: ExclusionReason;
}

export interface ShotSelection {
  /** In prompt order: best match first (bm25, embedding), draw order (random). */
  shots: Trace[];
  excluded: Exclusion[];
  /** BM25 score or cosine distance per shot; null for random picks. */
  scores: (number | null)[];
  /** Shots drawn at random because the index ran out of eligible matches. */
  filled_randomly: number;
  lang: string;
  /** bm25: the terms (stemmed words) the query was made of. */
  query_terms?: string[];
  /** Shots that may be test items of the evaluated benchmark: from its evaluated split (allowed), or of unknown split. */
  at_risk: { id: string; split: string }[];
}

export async function selectShots(store: TraceStore, item: Item, opts: SelectOptions): Promise<ShotSelection> {
  if (!Number.isInteger(opts.k) || opts.k < 0) throw new UserError(`--shots must be a whole number >= 0, got ${opts.k}`);
  const lang = opts.lang ?? item.lang;
  const selection: ShotSelection = { shots: [], excluded: [], scores: [], filled_randomly: 0, lang, at_risk: [] };
  if (opts.k === 0) return selection;
  // Every method reads its traces from the index's documents file (bm25.ts), not the table.
  const index = await store.bm25(lang);
  const guard = leakageGuard(item, {
    taskFamily: opts.taskFamily,
    threshold: opts.nearDuplicateJaccard,
    evaluatedSplit: opts.evaluatedSplit,
    allowEvaluatedSplit: opts.allowEvaluatedSplit,
  });
  const picker = new ShotPicker(opts.k, guard, selection);

  if (opts.method === "bm25") {
    const terms = index.queryTerms(item.question, opts.bm25Terms ?? DEFAULT_BM25_TERMS);
    selection.query_terms = terms;
    pickBm25(picker, index, terms);
  } else if (opts.method === "embedding") {
    const vector = await queryVector(store, lang, item, opts.embed);
    const table = await store.requireTable(lang);
    await pickNearest(picker, index, (limit) =>
      // refineFactor: re-rank the IVF-PQ candidates by exact cosine distance.
      table.vectorSearch(vector).column("vector").distanceType("cosine").refineFactor(5).select(["_distance"]).withRowId().limit(limit).toArray(),
    );
  } else if (opts.method !== "random") {
    throw new UserError(`unknown selection method "${opts.method}"; expected one of ${SELECT_METHODS.join(", ")}`);
  }

  if (!picker.full()) {
    const before = selection.shots.length;
    pickRandom(picker, index, `${opts.seed}:${opts.taskFamily ?? ""}:${item.id}`);
    if (opts.method !== "random") selection.filled_randomly = selection.shots.length - before;
  }
  if (!picker.full()) {
    const fromSplit = selection.excluded.filter((e) => e.reason === "evaluated_split").length;
    const splitHint = fromSplit > 0 ? ` ${fromSplit} were written for ${opts.taskFamily}'s ${opts.evaluatedSplit ?? "test"} split, the one being evaluated (--allow-test-split-traces admits them).` : "";
    throw new UserError(
      `only ${selection.shots.length} of the ${opts.k} shots asked for could be found among the "${lang}" traces of ${store.dir} for item ${item.id} ` +
        `(${selection.excluded.length} excluded as the same question, a near duplicate or a question of the evaluated split).${splitHint} Import more traces or lower --shots.`,
    );
  }
  for (const shot of selection.shots) {
    if (splitRisk(shot, { taskFamily: opts.taskFamily, evaluatedSplit: opts.evaluatedSplit }) !== null) selection.at_risk.push({ id: shot.id, split: shot.split });
  }
  return selection;
}

/** Collects eligible traces in the order offered until k are chosen. */
class ShotPicker {
  private readonly seen = new Set<string>();

  constructor(
    readonly k: number,
    private readonly guard: LeakageGuard,
    private readonly selection: ShotSelection,
  ) {}

  full(): boolean {
    return this.selection.shots.length >= this.k;
  }

  /** Offers one candidate; false when it was seen before (not counted twice). */
  offer(trace: Trace, score: number | null): void {
    if (this.full() || this.seen.has(trace.id)) return;
    this.seen.add(trace.id);
    const reason = this.guard.check(trace);
    if (reason) {
      this.selection.excluded.push({ id: trace.id, reason });
      return;
    }
    this.selection.shots.push(trace);
    this.selection.scores.push(score);
  }
}

type NearestQuery = (limit: number) => Promise<Record<string, unknown>[]>;

/** Walks a vector search (row ids and distances), widening it while exclusions leave fewer than k. */
async function pickNearest(picker: ShotPicker, index: Bm25Index, run: NearestQuery): Promise<void> {
  let limit = picker.k + 3;
  let offered = 0;
  for (;;) {
    const rows = await run(limit);
    for (let i = offered; i < rows.length && !picker.full(); i++) {
      const d = index.docOfRowId(Number(rows[i]._rowid));
      if (d !== undefined) picker.offer(docTrace(index, d), Number(rows[i]._distance));
    }
    offered = rows.length;
    if (picker.full() || rows.length < limit) return;
    limit *= 4;
  }
}

/**
 * Walks the BM25 ranking, each candidate read from the index's documents file (nothing from
 * LanceDB), until k are chosen; ranks deeper when exclusions used up the ranking fetched.
 */
function pickBm25(picker: ShotPicker, index: Bm25Index, terms: string[]): void {
  if (terms.length === 0) return;
  let depth = picker.k * 4;
  let ranked = index.search(terms, depth);
  let offered = 0;
  for (;;) {
    for (; !picker.full() && offered < ranked.length; offered++) {
      const hit = ranked[offered];
      picker.offer(docTrace(index, hit.doc), hit.score);
    }
    // Every matching trace offered, or enough found; else rank deeper (the same order, longer).
    if (picker.full() || ranked.length < depth) return;
    depth *= 4;
    ranked = index.search(terms, depth);
  }
}

/** Document d of the index as a trace, read from its documents file. */
function docTrace(index: Bm25Index, d: number): Trace {
  return toTrace({ ...index.storedDoc(d) }, index.lang);
}

/** Seeded uniform draws without replacement over the table's insertion positions (seq). */
function pickRandom(picker: ShotPicker, index: Bm25Index, seedKey: string): void {
  const rng = seedrandom(`medeval-shots:${seedKey}`);
  for (const seq of distinctDraws(index.docs, rng)) {
    if (picker.full()) return;
    const d = index.docOfSeq(seq);
    if (d !== undefined) picker.offer(docTrace(index, d), null);
  }
}

/** Distinct integers in [0, n) in a seeded random order: a lazy Fisher–Yates shuffle. */
export function* distinctDraws(n: number, rng: () => number): Generator<number> {
  const swapped = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rng() * (n - i));
    const atJ = swapped.get(j) ?? j;
    swapped.set(j, swapped.get(i) ?? i);
    yield atJ;
  }
}


const defaultEmbedders = new WeakMap<TraceStore, EmbedFn>();

async function queryVector(store: TraceStore, lang: string, item: Item, embed?: EmbedFn): Promise<number[]> {
  const dim = await store.vectorDim(lang);
  if (dim === undefined) {
    throw new UserError(
      `the "${lang}" traces in ${store.dir} have no vectors: import them with --embed-url URL --embed-model NAME to use --select embedding.`,
    );
  }
  let fn = embed ?? defaultEmbedders.get(store);
  if (!fn) {
    const recorded = store.meta().embedding;
    if (!recorded?.url) {
      throw new UserError(`--select embedding needs the embedding endpoint the store's vectors came from; pass --embed-url and --embed-model.`);
    }
    fn = openAIEmbedder({ url: recorded.url, model: recorded.model });
    defaultEmbedders.set(store, fn);
  }
  const [vector] = await fn([item.question]);
  if (!vector || vector.length !== dim) {
    throw new UserError(`the embedding endpoint returned a ${vector?.length ?? 0}-dimensional vector; the store's vectors have ${dim}. Use the same model as at import.`);
  }
  return vector;
}

/**
 * A trace from a row of the language's table or a record of its documents file. Neither holds
 * the language (the table's) or the normalised question (normalised again: cheaper than storing
 * and reading it).
 */
export function toTrace(row: Record<string, unknown>, lang: string): Trace {
  const options = row.options as { toArray(): unknown[] } | string[];
  const question = String(row.question);
  return {
    id: String(row.id),
    lang,
    source_dataset: String(row.source_dataset),
    source_question_id: String(row.source_question_id),
    // null in a store made before splits were kept, or where the column was added to one.
    split: row.split == null ? "unknown" : (String(row.split) as Trace["split"]),
    question,
    options: Array.isArray(options) ? options : Array.from(options.toArray(), String),
    answer: String(row.answer),
    reasoning: String(row.reasoning),
    norm_question: normalizeQuestion(question),
  };
}
