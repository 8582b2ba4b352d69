// Where a trace medeval made came from, as the import format carries it (`generation`: the
// passages shown, generator, prompt, attempt and seed; `translation`: the English trace it was
// translated from and the translator) and as the store keeps it: one nullable column per
// field, so it survives `traces import` and is seen by `traces search` and `traces export`.
// A store made before these columns existed gets them added (null) on its next import, and is
// read without them until then.
import { createRequire } from "node:module";
import type * as ArrowModule from "apache-arrow";
import { z } from "zod";

const ModelRef = z.object({ name: z.string().min(1), served_model: z.string().min(1), checkpoint: z.string().nullable() });

export const GenerationProvenanceSchema = z.object({
  task: z.string().min(1),
  corpus: z.string().min(1),
  passage_ids: z.array(z.string()),
  generator: ModelRef,
  prompt_hash: z.string().min(1),
  /** The attempt (1-based) whose reply was kept, and its seed. */
  attempt: z.number().int().positive(),
  seed: z.number().int(),
});
export type GenerationProvenance = z.infer<typeof GenerationProvenanceSchema>;

export const TranslationProvenanceSchema = z.object({
  /** The trace translated (its id and language) and the hash of its text: a changed source is a different translation. */
  source_trace_id: z.string().min(1),
  source_lang: z.string().min(1),
  source_trace_hash: z.string().min(1),
  translator: ModelRef,
  prompt_hash: z.string().min(1),
});
export type TranslationProvenance = z.infer<typeof TranslationProvenanceSchema>;

export interface TraceProvenance {
  generation?: GenerationProvenance;
  translation?: TranslationProvenance;
}

type Kind = "utf8" | "int32" | "float64" | "utf8_list";
type Section = keyof TraceProvenance;

/** The store's provenance columns: name, Arrow kind, and where the value sits in the import format. */
const COLUMNS: readonly { name: string; kind: Kind; section: Section; path: readonly string[] }[] = [
  { name: "generator", kind: "utf8", section: "generation", path: ["generator", "name"] },
  { name: "generator_served_model", kind: "utf8", section: "generation", path: ["generator", "served_model"] },
  { name: "generator_checkpoint", kind: "utf8", section: "generation", path: ["generator", "checkpoint"] },
  { name: "generation_task", kind: "utf8", section: "generation", path: ["task"] },
  { name: "corpus", kind: "utf8", section: "generation", path: ["corpus"] },
  { name: "passage_ids", kind: "utf8_list", section: "generation", path: ["passage_ids"] },
  { name: "prompt_hash", kind: "utf8", section: "generation", path: ["prompt_hash"] },
  { name: "attempt", kind: "int32", section: "generation", path: ["attempt"] },
  { name: "seed", kind: "float64", section: "generation", path: ["seed"] },
  { name: "source_trace_id", kind: "utf8", section: "translation", path: ["source_trace_id"] },
  { name: "source_lang", kind: "utf8", section: "translation", path: ["source_lang"] },
  { name: "source_trace_hash", kind: "utf8", section: "translation", path: ["source_trace_hash"] },
  { name: "translator", kind: "utf8", section: "translation", path: ["translator", "name"] },
  { name: "translator_served_model", kind: "utf8", section: "translation", path: ["translator", "served_model"] },
  { name: "translator_checkpoint", kind: "utf8", section: "translation", path: ["translator", "checkpoint"] },
  { name: "translation_prompt_hash", kind: "utf8", section: "translation", path: ["prompt_hash"] },
];

/** The column whose value says a section is there (the others may be null within it: a checkpoint the server did not name). */
const SECTION_KEY: Record<Section, string> = { generation: "generator", translation: "source_trace_id" };

export const PROVENANCE_COLUMNS: readonly string[] = COLUMNS.map((c) => c.name);

const require = createRequire(import.meta.url);
/** The CommonJS apache-arrow LanceDB itself loads (see arrow-batch.ts). */
const arrow = () => require("apache-arrow") as typeof ArrowModule;

function arrowType(kind: Kind): ArrowModule.DataType {
  const a = arrow();
  if (kind === "utf8") return new a.Utf8();
  if (kind === "int32") return new a.Int32();
  if (kind === "float64") return new a.Float64();
  return new a.List(new a.Field("item", new a.Utf8(), true));
}

/** Nullable fields: a trace from elsewhere has no provenance. */
export function provenanceFields(): ArrowModule.Field[] {
  const a = arrow();
  return COLUMNS.map((c) => new a.Field(c.name, arrowType(c.kind), true));
}

function valueAt(p: TraceProvenance | undefined, section: Section, path: readonly string[]): unknown {
  let cur: unknown = p?.[section];
  for (const key of path) cur = cur === null || typeof cur !== "object" ? undefined : (cur as Record<string, unknown>)[key];
  return cur ?? null;
}

/** The provenance columns of a batch of rows, by column name. */
export function provenanceData(rows: readonly { provenance?: TraceProvenance }[], utf8Data: (values: string[]) => ArrowModule.Data): Record<string, ArrowModule.Data> {
  const a = arrow();
  const out: Record<string, ArrowModule.Data> = {};
  const length = rows.length;
  // Typed through a schema, as arrow-batch.ts types its options column: makeData's overloads do not resolve a List built here.
  const listType = new a.Schema(provenanceFields()).fields.find((f) => f.name === "passage_ids")!.type;
  for (const c of COLUMNS) {
    const values = rows.map((r) => valueAt(r.provenance, c.section, c.path));
    const valid = new Uint8Array(Math.ceil(length / 8));
    let nulls = 0;
    values.forEach((v, i) => (v === null ? nulls++ : (valid[i >> 3] |= 1 << (i & 7))));
    const base = { length, nullCount: nulls, nullBitmap: valid };
    if (c.kind === "utf8") {
      const strings = values.map((v) => (v === null ? "" : String(v)));
      const data = utf8Data(strings);
      out[c.name] = a.makeData({ ...base, type: new a.Utf8(), valueOffsets: data.valueOffsets, data: data.values });
    } else if (c.kind === "int32") {
      out[c.name] = a.makeData({ ...base, type: new a.Int32(), data: Int32Array.from(values, (v) => (v === null ? 0 : Number(v))) });
    } else if (c.kind === "float64") {
      out[c.name] = a.makeData({ ...base, type: new a.Float64(), data: Float64Array.from(values, (v) => (v === null ? 0 : Number(v))) });
    } else {
      const offsets = new Int32Array(length + 1);
      const flat: string[] = [];
      values.forEach((v, i) => {
        for (const s of (v as string[] | null) ?? []) flat.push(s);
        offsets[i + 1] = flat.length;
      });
      out[c.name] = a.makeData({ ...base, type: listType, valueOffsets: offsets, child: utf8Data(flat) });
    }
  }
  return out;
}

/** The provenance columns a table has (none in a store made before they existed). */
export function presentProvenanceColumns(schema: { fields: { name: string }[] }): string[] {
  const names = new Set(schema.fields.map((f) => f.name));
  return PROVENANCE_COLUMNS.filter((c) => names.has(c));
}

/** The provenance columns a table lacks, to add (null) before writing rows that carry them. */
export function missingProvenanceFields(schema: { fields: { name: string }[] }): ArrowModule.Field[] {
  const names = new Set(schema.fields.map((f) => f.name));
  return provenanceFields().filter((f) => !names.has(f.name));
}

/** A stored row's provenance, or null for a trace medeval did not make (or a store without the columns). */
export function provenanceOf(row: Record<string, unknown>): TraceProvenance | null {
  const out: TraceProvenance = {};
  for (const section of ["generation", "translation"] as const) {
    if (row[SECTION_KEY[section]] == null) continue;
    const value: Record<string, unknown> = {};
    for (const c of COLUMNS.filter((col) => col.section === section)) {
      let cell = row[c.name] ?? null;
      if (cell !== null && c.kind === "utf8_list") cell = Array.from((cell as { toArray(): unknown[] }).toArray?.() ?? (cell as unknown[]), String);
      else if (cell !== null && c.kind !== "utf8") cell = Number(cell);
      else if (cell !== null) cell = String(cell);
      let target = value;
      for (const key of c.path.slice(0, -1)) target = (target[key] ??= {}) as Record<string, unknown>;
      target[c.path.at(-1)!] = cell;
    }
    (out as Record<string, unknown>)[section] = value;
  }
  return out.generation || out.translation ? out : null;
}

/** One line for a table cell: "generator@checkpoint, attempt 2" and/or "translated from ID by translator". */
export function provenanceLine(p: TraceProvenance | null): string {
  if (!p) return "";
  const parts: string[] = [];
  if (p.generation) parts.push(`${p.generation.generator.name}${p.generation.generator.checkpoint ? `@${p.generation.generator.checkpoint}` : ""}, attempt ${p.generation.attempt}, ${p.generation.passage_ids.length} passages`);
  if (p.translation) parts.push(`translated from ${p.translation.source_lang} ${p.translation.source_trace_id} by ${p.translation.translator.name}`);
  return parts.join("; ");
}
