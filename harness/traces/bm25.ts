// BM25 over one language's trace questions, scored in process. LanceDB's full-text search
// costs ~3 ms of fixed overhead per query plus ~0.2 ms per query word on 167k traces, before
// any row is read; the few-shot selection of every test item paid it, and a take of the rows
// chosen 2–8 ms more. Here a query of 16 rare words walks 16 short posting lists in typed
// arrays (well under a millisecond), and the traces chosen are read from a documents file
// written beside the index (one read each), not from LanceDB.
//
// The index is built from the table's norm_question column (normalize.ts: lowercased, accents
// folded, split on anything but letters and digits), each word reduced by the language's
// Snowball stemmer where there is one (the algorithms LanceDB's tokenizer also uses), no stop
// words removed (their idf is near zero). It is saved beside the table, tagged with the table
// version it describes, and rebuilt when the table has moved on (after an import, or on first
// use of a store made before it existed). Scores are Lucene's BM25 (k1 1.2, b 0.75); ties go to
// the trace stored first, so the same store always gives the same shots.
import { closeSync, existsSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { Table } from "@lancedb/lancedb";
import { normalizeQuestion } from "./normalize.ts";

/** Recorded in a bm25 run's spec: another scorer or analysis picks other shots. */
export const BM25_SCORER = "medeval-bm25/1";

const K1 = 1.2;
const B = 0.75;
const MAGIC = "medeval-bm25\n";
const FORMAT = 6;

/** Snowball algorithms by language code (snowball-stemmers); other languages are indexed unstemmed. */
const SNOWBALL: Record<string, string> = {
  ca: "catalan",
  da: "danish",
  de: "german",
  en: "english",
  es: "spanish",
  eu: "basque",
  fi: "finnish",
  fr: "french",
  hu: "hungarian",
  it: "italian",
  nl: "dutch",
  no: "norwegian",
  pt: "portuguese",
  ro: "romanian",
  ru: "russian",
  sv: "swedish",
  tr: "turkish",
};


let snowball: typeof import("snowball-stemmers").default | undefined;

/** The language's Snowball stemmer, uncached; the identity where there is none. Loaded on first use: a zero-shot run never parses its 860 kB. */
function snowballStem(lang: string): (word: string) => string {
  const algorithm = SNOWBALL[lang];
  if (!algorithm) return (word) => word;
  snowball ??= createRequire(import.meta.url)("snowball-stemmers") as typeof import("snowball-stemmers").default;
  const stemmer = snowball.newStemmer(algorithm);
  return (word) => stemmer.stem(word);
}

/** A language's word → term function, cached per distinct word (a vignette's words repeat across the store). */
export function stemmerFor(lang: string): (word: string) => string {
  if (!SNOWBALL[lang]) return (word) => word;
  const stemmer = snowballStem(lang);
  const cache = new Map<string, string>();
  return (word) => {
    let stem = cache.get(word);
    if (stem === undefined) {
      stem = stemmer(word);
      cache.set(word, stem);
    }
    return stem;
  };
}

/** The terms of an already normalised text, in order, repeats kept. */
export function termsOf(normalized: string, stem: (word: string) => string): string[] {
  const terms: string[] = [];
  for (const word of normalized.split(" ")) if (word) terms.push(stem(word));
  return terms;
}

export interface Bm25Hit {
  /** The trace's position in the index (the table's order). */
  doc: number;
  /** Its LanceDB row id in the table version the index describes. */
  rowId: number;
  score: number;
}

export class Bm25Index {
  readonly stem: (word: string) => string;
  private readonly scores: Float64Array;
  private readonly touched: Uint32Array;

  constructor(
    readonly lang: string,
    /** The table version the index describes. */
    readonly version: number,
    private readonly termIds: Map<string, number>,
    /** Postings of term t: doc[start[t] .. start[t + 1]), with their term frequencies. */
    private readonly start: Uint32Array,
    private readonly doc: Uint32Array,
    private readonly tf: Uint16Array,
    private readonly length: Uint16Array,
    private readonly rowIds: Float64Array,
    /** Each document's seq (its insertion position: what random draws are made over). */
    private readonly seqs: Uint32Array,
    /** The documents file (docsPath): document d's record at bytes docAt[d] .. docAt[d + 1]. */
    private readonly docsFile: string,
    private readonly docAt: Float64Array,
  ) {
    this.stem = stemmerFor(lang);
    this.scores = new Float64Array(length.length);
    this.touched = new Uint32Array(length.length);
  }

  get docs(): number {
    return this.length.length;
  }

  private fd: number | undefined;
  private bySeq: Int32Array | undefined;
  private byRowId: Map<number, number> | undefined;

  /** The document of this seq; undefined when no trace has it. */
  docOfSeq(seq: number): number | undefined {
    if (!this.bySeq) {
      let most = -1;
      for (const s of this.seqs) most = Math.max(most, s);
      this.bySeq = new Int32Array(most + 1).fill(-1);
      this.seqs.forEach((s, d) => (this.bySeq![s] = d));
    }
    const d = seq < this.bySeq.length ? this.bySeq[seq] : -1;
    return d >= 0 ? d : undefined;
  }

  /** The document of a LanceDB row id (of the table version the index describes). */
  docOfRowId(rowId: number): number | undefined {
    if (!this.byRowId) {
      this.byRowId = new Map();
      this.rowIds.forEach((r, d) => this.byRowId!.set(r, d));
    }
    return this.byRowId.get(rowId);
  }

  /**
   * The document's trace, from the documents file beside the index (one read from the page
   * cache, ~10 µs): a selection reads nothing from LanceDB, whose take of a few rows costs
   * 2–4 ms however few the columns.
   */
  storedDoc(d: number): StoredDoc {
    this.fd ??= openSync(this.docsFile, "r");
    const from = this.docAt[d];
    const bytes = Buffer.allocUnsafe(this.docAt[d + 1] - from);
    readSync(this.fd, bytes, 0, bytes.length, from);
    const [id, source_dataset, source_question_id, options, answer, split, question, reasoning] = readRecord(bytes);
    return { id: id ?? "", source_dataset: source_dataset ?? "", source_question_id: source_question_id ?? "", options: JSON.parse(options ?? "[]") as string[], answer: answer ?? "", split, question: question ?? "", reasoning: reasoning ?? "" };
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** Documents containing the term (0 for one the store has never seen). */
  df(term: string): number {
    const t = this.termIds.get(term);
    return t === undefined ? 0 : this.start[t + 1] - this.start[t];
  }

  /**
   * The query's terms: the question's distinct terms, at most maxTerms of them (0: all), the
   * rarest kept (terms the store has never seen go last: they cannot match), in question order.
   * A 150-word vignette would walk ~100 posting lists, most of them long and of little weight:
   * the "more like this" approach of Lucene and Elasticsearch.
   */
  queryTerms(question: string, maxTerms: number): string[] {
    const terms = [...new Set(termsOf(normalizeQuestion(question), this.stem))];
    if (maxTerms <= 0 || terms.length <= maxTerms) return terms;
    const rank = (t: string) => this.df(t) || Number.POSITIVE_INFINITY;
    return terms
      .map((t, i) => ({ t, i, df: rank(t) }))
      .sort((a, b) => a.df - b.df || a.i - b.i)
      .slice(0, maxTerms)
      .sort((a, b) => a.i - b.i)
      .map((x) => x.t);
  }

  /** The `limit` best-scoring documents for these terms (each counted once), best first; ties to the earlier document. */
  search(terms: readonly string[], limit: number): Bm25Hit[] {
    const { scores, touched, doc, tf, start } = this;
    const norm = this.lengthNorm();
    const docs = this.docs;
    let count = 0;
    for (const term of new Set(terms)) {
      const t = this.termIds.get(term);
      if (t === undefined) continue;
      const from = start[t];
      const to = start[t + 1];
      const idf = Math.log(1 + (docs - (to - from) + 0.5) / (to - from + 0.5));
      for (let p = from; p < to; p++) {
        const d = doc[p];
        const f = tf[p];
        if (scores[d] === 0) touched[count++] = d;
        scores[d] += (idf * f) / (f + norm[d]);
      }
    }
    const hits = topScored(scores, touched, count, limit).map((d) => ({ doc: d, rowId: this.rowIds[d], score: scores[d] }));
    for (let i = 0; i < count; i++) scores[touched[i]] = 0;
    return hits;
  }

  private norm: Float64Array | undefined;
  /** Per document, BM25's length normalisation k1 · (1 − b + b · length / average length). */
  private lengthNorm(): Float64Array {
    if (!this.norm) {
      let total = 0;
      for (let d = 0; d < this.length.length; d++) total += this.length[d];
      const average = total / Math.max(1, this.length.length) || 1;
      this.norm = new Float64Array(this.length.length);
      for (let d = 0; d < this.length.length; d++) this.norm[d] = K1 * (1 - B + (B * this.length[d]) / average);
    }
    return this.norm;
  }

  /** The index file: a header line (JSON), then the arrays, each 8-byte aligned. Its documents file is written (and renamed into place) first. */
  save(file: string): void {
    const terms = Buffer.from([...this.termIds.keys()].join("\n"), "utf8");
    const arrays: [string, ArrayBufferView][] = [
      ["start", this.start],
      ["doc", this.doc],
      ["tf", this.tf],
      ["length", this.length],
      ["row_ids", this.rowIds],
      ["seqs", this.seqs],
      ["doc_at", this.docAt],
    ];
    const parts: Buffer[] = [];
    let offset = 0;
    const layout: Record<string, [number, number]> = {};
    const add = (name: string, bytes: Buffer) => {
      layout[name] = [offset, bytes.length];
      parts.push(bytes);
      offset += bytes.length;
      const pad = (8 - (offset % 8)) % 8;
      if (pad > 0) {
        parts.push(Buffer.alloc(pad));
        offset += pad;
      }
    };
    add("terms", terms);
    for (const [name, view] of arrays) add(name, Buffer.from(view.buffer, view.byteOffset, view.byteLength));
    const docsBytes = this.docAt[this.docs];
    const header = JSON.stringify({ format: FORMAT, scorer: BM25_SCORER, lang: this.lang, version: this.version, docs: this.docs, terms: this.termIds.size, docs_bytes: docsBytes, layout });
    const head = Buffer.from(`${MAGIC}${header}\n`, "utf8");
    const pad = Buffer.alloc((8 - (head.length % 8)) % 8, 0x20);
    // Written whole under another name, then renamed: a reader never sees half an index.
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, Buffer.concat([head, pad, ...parts]));
    renameSync(partial, file);
  }

  /** The saved index when it describes this table version with this scorer; null otherwise (or unreadable). */
  static load(file: string, lang: string, version: number): Bm25Index | null {
    if (!existsSync(file)) return null;
    try {
      const bytes = readFileSync(file);
      if (bytes.subarray(0, MAGIC.length).toString("utf8") !== MAGIC) return null;
      const end = bytes.indexOf(0x0a, MAGIC.length);
      const header = JSON.parse(bytes.subarray(MAGIC.length, end).toString("utf8")) as {
        format: number;
        scorer: string;
        lang: string;
        version: number;
        docs: number;
        terms: number;
        docs_bytes: number;
        layout: Record<string, [number, number]>;
      };
      if (header.format !== FORMAT || header.scorer !== BM25_SCORER || header.lang !== lang || header.version !== version) return null;
      // The documents file must be the one written with this index (a crash between the two renames leaves another).
      const docs = docsPath(file);
      if (!existsSync(docs) || statSync(docs).size !== header.docs_bytes) return null;
      let base = end + 1;
      base += (8 - (base % 8)) % 8;
      const slice = (name: string) => {
        const [at, length] = header.layout[name];
        // A copy into its own aligned buffer: readFileSync's Buffer may start anywhere in its pool.
        return new Uint8Array(bytes.buffer.slice(bytes.byteOffset + base + at, bytes.byteOffset + base + at + length));
      };
      const termList = header.terms === 0 ? [] : Buffer.from(slice("terms")).toString("utf8").split("\n");
      if (termList.length !== header.terms) return null;
      const view = <T>(name: string, make: (b: ArrayBuffer) => T) => make(slice(name).buffer as ArrayBuffer);
      return new Bm25Index(
        lang,
        version,
        new Map(termList.map((t, i) => [t, i])),
        view("start", (b) => new Uint32Array(b)),
        view("doc", (b) => new Uint32Array(b)),
        view("tf", (b) => new Uint16Array(b)),
        view("length", (b) => new Uint16Array(b)),
        view("row_ids", (b) => new Float64Array(b)),
        view("seqs", (b) => new Uint32Array(b)),
        docs,
        view("doc_at", (b) => new Float64Array(b)),
      );
    } catch {
      return null;
    }
  }
}

export function bm25Path(dir: string, tableName: string): string {
  return join(dir, `${tableName}.bm25`);
}

/** The documents file beside an index file. */
export function docsPath(indexFile: string): string {
  return `${indexFile}.docs`;
}

/** The columns a document record holds, in its order (options as the JSON of their list). */
const DOC_COLUMNS = ["id", "source_dataset", "source_question_id", "options", "answer", "split", "question", "reasoning"] as const;
const NULL_FIELD = 0xffffffff;

interface ArrowColumn {
  isValid(i: number): boolean;
  get(i: number): unknown;
  readonly data: readonly { type: unknown; offset: number; valueOffsets?: ArrayLike<number | bigint>; values?: unknown }[];
}

/**
 * A column's cells as UTF-8 bytes: a string column's straight from the Arrow buffer (no decode
 * and encode of 1.5 GB of text at 500k traces), anything else (the options list) as JSON.
 */
function cellReader(column: ArrowColumn | null): (i: number) => Uint8Array | null {
  if (!column) return () => null;
  const data = column.data.length === 1 ? column.data[0] : null;
  const kind = data ? String(data.type) : "";
  if (data && (kind === "Utf8" || kind === "LargeUtf8") && data.valueOffsets && data.values instanceof Uint8Array) {
    const { valueOffsets: offsets, values, offset } = data;
    return (i) => (column.isValid(i) ? values.subarray(Number(offsets[offset + i]), Number(offsets[offset + i + 1])) : null);
  }
  return (i) => {
    const cell = column.get(i);
    if (cell == null) return null;
    return Buffer.from(typeof cell === "object" ? JSON.stringify(Array.from(cell as Iterable<unknown>, String)) : String(cell), "utf8");
  };
}

/** A record: per field a 4-byte length (NULL_FIELD for none), then its bytes. */
function docRecord(fields: (Uint8Array | null)[]): Buffer {
  const record = Buffer.allocUnsafe(fields.reduce((n, f) => n + 4 + (f?.length ?? 0), 0));
  let at = 0;
  for (const field of fields) {
    record.writeUInt32LE(field ? field.length : NULL_FIELD, at);
    at += 4;
    if (field) {
      record.set(field, at);
      at += field.length;
    }
  }
  return record;
}

function readRecord(bytes: Buffer): (string | null)[] {
  const fields: (string | null)[] = [];
  let at = 0;
  while (at < bytes.length) {
    const length = bytes.readUInt32LE(at);
    at += 4;
    if (length === NULL_FIELD) {
      fields.push(null);
      continue;
    }
    fields.push(bytes.toString("utf8", at, at + length));
    at += length;
  }
  return fields;
}

/** A document's trace as the selection needs it; split null where the row has none (a store made before splits were kept). */
export interface StoredDoc {
  id: string;
  source_dataset: string;
  source_question_id: string;
  options: string[];
  answer: string;
  split: string | null;
  question: string;
  reasoning: string;
}

/**
 * Indexes the table's questions and writes the index to `file` (its documents beside it): one
 * scan of norm_question and the document columns (with row ids), in the table's order. Both
 * files are written under other names and renamed into place, the documents first: a reader
 * never sees half of either, and load() refuses an index whose documents file is another's.
 */
export async function buildBm25(table: Table, lang: string, file: string): Promise<Bm25Index> {
  const version = await table.version();
  const rows = await table.countRows();
  const stem = snowballStem(lang);
  const termIds = new Map<string, number>();
  // Per document, its (term, frequency) pairs, then transposed into posting lists.
  let pairTerm = new Uint32Array(1 << 16);
  let pairTf = new Uint16Array(1 << 16);
  let pairs = 0;
  const docStart: number[] = [0];
  const lengths: number[] = [];
  const rowIds: number[] = [];
  const seqs: number[] = [];
  const wordIds = new Map<string, number>();
  let freq = new Uint16Array(1 << 16);
  const distinct: number[] = [];
  const hasSplit = (await table.schema()).fields.some((f) => f.name === "split");
  const columnsRead = DOC_COLUMNS.filter((c) => c !== "split" || hasSplit);
  const docsPartial = `${docsPath(file)}.${process.pid}.partial`;
  const docsFd = openSync(docsPartial, "w");
  const docAt: number[] = [0];
  let docsEnd = 0;
  try {
    for await (const batch of prefetched(table.query().select(["norm_question", "seq", ...columnsRead]).withRowId())) {
      const text = batch.getChild("norm_question")!;
      const rowId = batch.getChild("_rowid")!;
      const seq = batch.getChild("seq")!;
      const cells = DOC_COLUMNS.map((c) => cellReader(columnsRead.includes(c) ? batch.getChild(c) : null));
      const records: Buffer[] = [];
      for (let i = 0; i < batch.numRows; i++) {
        const record = docRecord(cells.map((cell) => cell(i)));
        records.push(record);
        docsEnd += record.length;
        docAt.push(docsEnd);
        // Each word to its term id through one look-up (the stemmer runs once per distinct word).
        let length = 0;
        distinct.length = 0;
        for (const word of String(text.get(i) ?? "").split(" ")) {
          if (!word) continue;
          let t = wordIds.get(word);
          if (t === undefined) {
            const term = stem(word);
            t = termIds.get(term);
            if (t === undefined) {
              t = termIds.size;
              termIds.set(term, t);
              if (t >= freq.length) freq = grown(freq, freq.length * 2, Uint16Array);
            }
            wordIds.set(word, t);
          }
          if (freq[t] === 0) distinct.push(t);
          if (freq[t] < 0xffff) freq[t]++;
          length++;
        }
        if (pairs + distinct.length > pairTerm.length) {
          // Sized from the documents so far for the whole table: one copy, not a doubling's spare half.
          const done = lengths.length + 1;
          const grow = Math.max(Math.ceil((pairs / done) * Math.max(rows, done) * 1.05), pairs + distinct.length, pairTerm.length + 1024);
          pairTerm = grown(pairTerm, grow, Uint32Array);
          pairTf = grown(pairTf, grow, Uint16Array);
        }
        for (const t of distinct) {
          pairTerm[pairs] = t;
          pairTf[pairs] = freq[t];
          freq[t] = 0;
          pairs++;
        }
        docStart.push(pairs);
        lengths.push(Math.min(length, 0xffff));
        rowIds.push(Number(rowId.get(i)));
        seqs.push(Number(seq.get(i)));
      }
      writeSync(docsFd, Buffer.concat(records));
    }
  } catch (error) {
    // A scan that failed (a damaged table, a full disk) leaves no half documents file behind.
    closeSync(docsFd);
    rmSync(docsPartial, { force: true });
    throw error;
  }
  closeSync(docsFd);
  const terms = termIds.size;
  const start = new Uint32Array(terms + 1);
  for (let p = 0; p < pairs; p++) start[pairTerm[p] + 1]++;
  for (let t = 0; t < terms; t++) start[t + 1] += start[t];
  const fill = start.slice(0, terms);
  const doc = new Uint32Array(pairs);
  const tf = new Uint16Array(pairs);
  for (let d = 0; d < lengths.length; d++) {
    for (let p = docStart[d]; p < docStart[d + 1]; p++) {
      const at = fill[pairTerm[p]]++;
      doc[at] = d;
      tf[at] = pairTf[p];
    }
  }
  renameSync(docsPartial, docsPath(file));
  const index = new Bm25Index(lang, version, termIds, start, doc, tf, Uint16Array.from(lengths), Float64Array.from(rowIds), Uint32Array.from(seqs), docsPath(file), Float64Array.from(docAt));
  index.save(file);
  return index;
}

/** The batches of a scan with the next one asked for before the current is worked: LanceDB reads while JavaScript tokenizes. */
async function* prefetched<T>(batches: AsyncIterable<T>): AsyncGenerator<T> {
  const it = batches[Symbol.asyncIterator]();
  const ask = () => {
    const asked = it.next();
    asked.catch(() => {}); // a failure after the consumer stopped must not go unhandled; awaited, it still throws
    return asked;
  };
  let next = ask();
  for (;;) {
    const current = await next;
    if (current.done) return;
    next = ask();
    yield current.value;
  }
}

function grown<T extends Uint32Array | Uint16Array>(array: T, size: number, Make: new (n: number) => T): T {
  const bigger = new Make(size);
  bigger.set(array);
  return bigger;
}

/**
 * The `limit` touched documents of highest score, best first, ties to the lower doc: a min-heap
 * of doc numbers whose root is the worst kept, so most documents cost one comparison.
 */
function topScored(scores: Float64Array, touched: Uint32Array, count: number, limit: number): number[] {
  const heap = new Uint32Array(Math.max(0, Math.min(limit, count)));
  let size = 0;
  // "worse": lower score, or the same score and a later document.
  const worse = (a: number, b: number) => scores[a] < scores[b] || (scores[a] === scores[b] && a > b);
  const siftDown = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      let m = i;
      if (l < size && worse(heap[l], heap[m])) m = l;
      if (l + 1 < size && worse(heap[l + 1], heap[m])) m = l + 1;
      if (m === i) return;
      const swap = heap[i];
      heap[i] = heap[m];
      heap[m] = swap;
      i = m;
    }
  };
  for (let i = 0; i < count; i++) {
    const d = touched[i];
    if (size < heap.length) {
      let c = size++;
      heap[c] = d;
      while (c > 0) {
        const parent = (c - 1) >> 1;
        if (!worse(heap[c], heap[parent])) break;
        const swap = heap[c];
        heap[c] = heap[parent];
        heap[parent] = swap;
        c = parent;
      }
    } else if (size > 0 && worse(heap[0], d)) {
      heap[0] = d;
      siftDown(0);
    }
  }
  return Array.from(heap).sort((a, b) => scores[b] - scores[a] || a - b);
}
