// Trace rows to an Arrow record batch, column by column. LanceDB's own row-object conversion
// infers types value by value and dominated import time; writing the UTF-8 buffers and
// offsets directly is several times faster. The Arrow classes must be the CommonJS instance
// that LanceDB itself loads: the ESM build's classes fail its instanceof checks.
import { createRequire } from "node:module";
import type * as ArrowModule from "apache-arrow";
import type { TraceRow } from "./schema.ts";
import { provenanceData, provenanceFields } from "./provenance.ts";

const require = createRequire(import.meta.url);
let arrowModule: typeof ArrowModule | undefined;

/** apache-arrow, on first use: a `run` that never writes to the store does not load it. */
function loadArrow(): typeof ArrowModule {
  arrowModule ??= require("apache-arrow") as typeof ArrowModule;
  return arrowModule;
}

const STRING_COLUMNS = ["id", "lang", "source_dataset", "source_question_id", "question", "answer", "reasoning", "norm_question", "split"] as const;

export interface NumberedRow extends TraceRow {
  seq: number;
}

export function traceSchema(vectorDim?: number): ArrowModule.Schema {
  const arrow = loadArrow();
  const utf8 = (name: string) => new arrow.Field(name, new arrow.Utf8(), false);
  const fields = [
    utf8("id"),
    // Insertion order within the table, 0…n-1: random selection draws uniform positions from it.
    new arrow.Field("seq", new arrow.Int32(), false),
    utf8("lang"),
    utf8("source_dataset"),
    utf8("source_question_id"),
    utf8("question"),
    new arrow.Field("options", new arrow.List(new arrow.Field("item", new arrow.Utf8(), true)), false),
    utf8("answer"),
    utf8("reasoning"),
    utf8("norm_question"),
    splitField(),
    ...provenanceFields(),
  ];
  if (vectorDim !== undefined) fields.push(vectorField(vectorDim));
  return new arrow.Schema(fields);
}

/** Nullable: a store made before splits were kept gets the column added with nulls ("unknown"). */
export function splitField(): ArrowModule.Field {
  const arrow = loadArrow();
  return new arrow.Field("split", new arrow.Utf8(), true);
}

export function vectorField(dim: number): ArrowModule.Field {
  const arrow = loadArrow();
  return new arrow.Field("vector", new arrow.FixedSizeList(dim, new arrow.Field("item", new arrow.Float32(), true)), true);
}

/** One Arrow table holding the rows; vectorDim set means the table has a vector column (null where a row has none). */
export function traceBatch(rows: NumberedRow[], vectorDim?: number): ArrowModule.Table {
  const arrow = loadArrow();
  const schema = traceSchema(vectorDim);
  const length = rows.length;
  const columns: Record<string, ArrowModule.Data> = {};
  for (const name of STRING_COLUMNS) columns[name] = utf8Data(rows.map((r) => r[name]));
  columns.seq = arrow.makeData({ type: new arrow.Int32(), length, nullCount: 0, data: Int32Array.from(rows, (r) => r.seq) });
  const optionOffsets = new Int32Array(length + 1);
  const flatOptions: string[] = [];
  rows.forEach((r, i) => {
    for (const option of r.options) flatOptions.push(option);
    optionOffsets[i + 1] = flatOptions.length;
  });
  const optionsType = schema.fields.find((f) => f.name === "options")!.type;
  columns.options = arrow.makeData({ type: optionsType, length, nullCount: 0, valueOffsets: optionOffsets, child: utf8Data(flatOptions) });
  Object.assign(columns, provenanceData(rows, utf8Data));
  if (vectorDim !== undefined) columns.vector = vectorData(rows, vectorDim, schema.fields.find((f) => f.name === "vector")!.type);
  const children = schema.fields.map((f) => columns[f.name]);
  const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length, nullCount: 0, children });
  return new arrow.Table([new arrow.RecordBatch(schema, struct)]);
}

function utf8Data(values: string[]): ArrowModule.Data {
  const arrow = loadArrow();
  let total = 0;
  for (const v of values) total += Buffer.byteLength(v, "utf8");
  const bytes = Buffer.allocUnsafe(total);
  const offsets = new Int32Array(values.length + 1);
  let pos = 0;
  for (let i = 0; i < values.length; i++) {
    pos += bytes.write(values[i], pos, "utf8");
    offsets[i + 1] = pos;
  }
  return arrow.makeData({ type: new arrow.Utf8(), length: values.length, nullCount: 0, valueOffsets: offsets, data: bytes });
}

function vectorData(rows: NumberedRow[], dim: number, type: ArrowModule.DataType): ArrowModule.Data {
  const arrow = loadArrow();
  const values = new Float32Array(rows.length * dim);
  const valid = new Uint8Array(Math.ceil(rows.length / 8));
  let nulls = 0;
  rows.forEach((r, i) => {
    if (r.vector === undefined) {
      nulls++;
      return;
    }
    values.set(r.vector, i * dim);
    valid[i >> 3] |= 1 << (i & 7);
  });
  const child = arrow.makeData({ type: new arrow.Float32(), length: values.length, nullCount: 0, data: values });
  return arrow.makeData({ type: type as ArrowModule.FixedSizeList, length: rows.length, nullCount: nulls, nullBitmap: valid, child });
}
