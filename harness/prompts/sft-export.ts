// `medeval traces export --format chat`: traces as SFT chat jsonl in the exact format a model
// will be evaluated with under `--setting fine-tuned` (its models.yaml `fine_tuned:`): the user
// turn is buildFineTunedMessages', the assistant turn the reasoning then the answer line.
// Per language a train and a dev file (dev chosen by a hash of the trace id, so stable across
// exports), and a card with counts, sources and file hashes.
import { mkdirSync, writeFileSync, renameSync, createWriteStream, type WriteStream } from "node:fs";
import { join } from "node:path";
import { once } from "node:events";
import { createHash } from "node:crypto";
import { wordsFor } from "../languages.ts";
import type { FineTunedFormat } from "../models/schema.ts";
import { scanTracesWithProvenance } from "../traces/all-traces.ts";
import type { TraceProvenance } from "../traces/provenance.ts";
import type { Trace } from "../traces/schema.ts";
import type { StoreFingerprint, TraceStore } from "../traces/store.ts";
import { indexOfLetter, UserError, type ChatMessage, type Item } from "../types.ts";
import { buildFineTunedMessages } from "./fine-tuned.ts";

/** Share of each language's traces written to its dev file unless told otherwise. */
export const DEFAULT_DEV_FRACTION = 0.05;

export const SFT_FORMATS = ["chat"] as const;
export type SftFormat = (typeof SFT_FORMATS)[number];

/** One line of an exported file: the chat, and the trace it came from (the medeval-sft import preset reads it back), with its provenance when medeval made it. */
export interface SftLine {
  messages: ChatMessage[];
  medeval: Omit<Trace, "norm_question"> & TraceProvenance;
}

export interface ExportOptions {
  outDir: string;
  /** The models.yaml entry whose `fine_tuned:` format the chats follow. */
  template: { name: string; format: FineTunedFormat };
  /** Languages to export (default: every language in the store). */
  langs?: string[];
  devFraction?: number;
}

export interface ExportCard {
  format: SftFormat;
  template: string;
  fine_tuned: FineTunedFormat;
  dev_fraction: number;
  store: StoreFingerprint;
  languages: Record<string, LanguageCounts>;
  /** "it/train.jsonl" → sha256 of the file. */
  files: Record<string, string>;
}

export interface LanguageCounts {
  train: number;
  dev: number;
  excluded_test: number;
  by_source: Record<string, number>;
  /** Exported traces by generator ("name@checkpoint") and by translator, for those medeval made. */
  by_generator: Record<string, number>;
  by_translator: Record<string, number>;
}

const modelKey = (m: { name: string; checkpoint: string | null }) => (m.checkpoint ? `${m.name}@${m.checkpoint}` : m.name);
const bump = (counts: Record<string, number>, key: string) => (counts[key] = (counts[key] ?? 0) + 1);

export function traceToChat(trace: Trace, format: FineTunedFormat): ChatMessage[] {
  const item: Item = { id: trace.id, question: trace.question, options: trace.options, answer: indexOfLetter(trace.answer), lang: trace.lang, hash: "" };
  const answerLine = `${format.answer_label ?? wordsFor(trace.lang).answerLabel}: ${trace.answer}`;
  const reasoning = trace.reasoning.trim();
  // think-tags and field: the model thinks inside <think>…</think> (a server's reasoning parser moves it to the reasoning field).
  const assistant = format.thinks === "none" ? `${reasoning}\n\n${answerLine}` : `<think>\n${reasoning}\n</think>\n\n${answerLine}`;
  return [...buildFineTunedMessages(item, format), { role: "assistant", content: assistant }];
}

/** Whether a trace goes to dev: a fixed hash of its id, so the split does not move between exports. */
export function isDev(trace: Pick<Trace, "id" | "lang">, fraction: number): boolean {
  const h = createHash("sha256").update(`${trace.lang}\u0000${trace.id}`).digest();
  return h.readUInt32BE(0) / 2 ** 32 < fraction;
}

export async function exportSft(store: TraceStore, opts: ExportOptions): Promise<ExportCard> {
  const devFraction = opts.devFraction ?? DEFAULT_DEV_FRACTION;
  if (!(devFraction >= 0 && devFraction < 1)) throw new UserError(`the dev fraction must be at least 0 and below 1, got ${devFraction}`);
  const present = await store.languages();
  const langs = opts.langs ?? present;
  const missing = langs.filter((l) => !present.includes(l));
  if (missing.length > 0) throw new UserError(`the trace store at ${store.dir} has no ${missing.join(", ")} traces (it has ${present.join(", ") || "none"})`);

  const card: ExportCard = { format: "chat", template: opts.template.name, fine_tuned: opts.template.format, dev_fraction: devFraction, store: await store.fingerprint(), languages: {}, files: {} };
  for (const lang of langs) {
    const dir = join(opts.outDir, lang);
    mkdirSync(dir, { recursive: true });
    const counts: LanguageCounts = { train: 0, dev: 0, excluded_test: 0, by_source: {}, by_generator: {}, by_translator: {} };
    const files = { train: new PartFile(join(dir, "train.jsonl")), dev: new PartFile(join(dir, "dev.jsonl")) };
    for await (const { provenance, ...trace } of scanTracesWithProvenance(store, lang)) {
      // A trace written for a test question would teach the model its answer key.
      if (trace.split === "test") {
        counts.excluded_test++;
        continue;
      }
      const part = isDev(trace, devFraction) ? "dev" : "train";
      const { norm_question: _norm, ...meta } = trace;
      const line: SftLine = { messages: traceToChat(trace, opts.template.format), medeval: { ...meta, ...provenance } };
      await files[part].write(`${JSON.stringify(line)}\n`);
      counts[part]++;
      bump(counts.by_source, trace.source_dataset);
      if (provenance?.generation) bump(counts.by_generator, modelKey(provenance.generation.generator));
      if (provenance?.translation) bump(counts.by_translator, modelKey(provenance.translation.translator));
    }
    for (const part of ["train", "dev"] as const) card.files[`${lang}/${part}.jsonl`] = await files[part].finish();
    card.languages[lang] = counts;
  }
  writeFileSync(join(opts.outDir, "card.json"), `${JSON.stringify(card, null, 2)}\n`);
  return card;
}

/** Written beside its final name and renamed when complete, so a cut-off export leaves no file that looks whole; hashed as it is written. */
class PartFile {
  private readonly stream: WriteStream;
  private readonly hash = createHash("sha256");
  constructor(private readonly path: string) {
    this.stream = createWriteStream(`${path}.partial`);
  }
  async write(text: string): Promise<void> {
    this.hash.update(text);
    if (!this.stream.write(text)) await once(this.stream, "drain");
  }
  async finish(): Promise<string> {
    await new Promise<void>((resolve, reject) => this.stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
    renameSync(`${this.path}.partial`, this.path);
    return this.hash.digest("hex");
  }
}

