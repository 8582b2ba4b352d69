// The baseline file committed to a user's repository: the run's spec and provenance plus
// per-task, per-item correctness, compact enough to commit (ids compressed and shared between
// tasks with the same items, correctness as bitsets).
import { readFileSync } from "node:fs";
import { z } from "zod";
import { writeOutputFile } from "../report/write-output.ts";
import { RunRecordSchema, TaskSummarySchema, UserError } from "../types.ts";
import { packBits, unpackBits } from "./bitset.ts";
import { decodeIdList, encodeIdList, type EncodedIdList } from "./id-list.ts";
import { type GateSide, type GateTask, sideAccuracy } from "./side.ts";
import { taskInfoOf } from "../report/load.ts";

export const BASELINE_FORMAT = "medeval-baseline";

const IdListSchema = z
  .object({
    count: z.number().int().nonnegative(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, "expected a sha256 hex digest"),
    brotli_base64: z.string(),
  })
  .strict();

const BaselineTaskSchema = z
  .object({
    task: z.string().min(1),
    family: z.string(),
    lang: z.string(),
    domain: TaskSummarySchema.shape.domain,
    group: z.string().optional(),
    /** Items in the run, errored ones included. */
    n: z.number().int().nonnegative(),
    /** Accuracy over the scored items, for people reading the file; recomputed on load. */
    accuracy: z.number().nullable(),
    items_digest: z.string().regex(/^[0-9a-f]{64}$/, "expected a sha256 hex digest"),
    source_items_hash: z.string().nullable(),
    /** Index into id_lists: the task's item ids, sorted. */
    id_list: z.number().int().nonnegative(),
    /** Bitset over the sorted ids: answered correctly. */
    correct: z.string(),
    /** Bitset over the sorted ids: the request failed (not scored). */
    errored: z.string(),
  })
  .strict();

export const BaselineSchema = z
  .object({
    format: z.literal(BASELINE_FORMAT),
    version: z.literal(1),
    created_at: z.string(),
    run: z
      .object({
        run_id: z.string(),
        spec_hash: z.string(),
        spec: RunRecordSchema.shape.spec,
        harness: RunRecordSchema.shape.harness,
        server: RunRecordSchema.shape.server,
        started_at: z.string(),
        complete: z.boolean(),
      })
      .strict(),
    id_lists: z.array(IdListSchema),
    tasks: z.array(BaselineTaskSchema).min(1, "a baseline needs at least one task"),
  })
  .strict();
export type Baseline = z.infer<typeof BaselineSchema>;

export function buildBaseline(side: GateSide, createdAt = new Date().toISOString()): Baseline {
  const idLists: EncodedIdList[] = [];
  const listIndex = new Map<string, number>();
  const tasks = side.tasks.map((t) => {
    const list = encodeIdList(t.ids);
    let index = listIndex.get(list.sha256);
    if (index === undefined) {
      index = idLists.length;
      idLists.push(list);
      listIndex.set(list.sha256, index);
    }
    return {
      ...taskInfoOf(t),
      n: t.ids.length,
      accuracy: sideAccuracy(t),
      items_digest: t.itemsDigest,
      source_items_hash: t.sourceItemsHash,
      id_list: index,
      correct: packBits(t.correct),
      errored: packBits(t.errored),
    };
  });
  return {
    format: BASELINE_FORMAT,
    version: 1,
    created_at: createdAt,
    run: {
      run_id: side.runId,
      spec_hash: side.specHash,
      spec: side.spec,
      harness: side.harness,
      server: side.server,
      started_at: side.startedAt,
      complete: side.complete,
    },
    id_lists: idLists,
    tasks,
  };
}

/** One line per task keeps diffs of a committed baseline readable; the rest is indented. */
export function serializeBaseline(baseline: Baseline): string {
  const { tasks, id_lists, ...head } = baseline;
  const headJson = JSON.stringify(head, null, 2);
  const lines = [
    headJson.slice(0, -2) + ",",
    `  "id_lists": [\n${id_lists.map((l) => `    ${JSON.stringify(l)}`).join(",\n")}\n  ],`,
    `  "tasks": [\n${tasks.map((t) => `    ${JSON.stringify(t)}`).join(",\n")}\n  ]`,
    "}",
  ];
  return `${lines.join("\n")}\n`;
}

export function writeBaseline(file: string, baseline: Baseline): number {
  const text = serializeBaseline(baseline);
  writeOutputFile(file, text);
  return Buffer.byteLength(text);
}

export function isBaselineJson(json: unknown): boolean {
  return typeof json === "object" && json !== null && (json as { format?: unknown }).format === BASELINE_FORMAT;
}

/** Validates a parsed baseline and turns it into a gate side; errors name the file and field. */
export function baselineToSide(json: unknown, file: string): GateSide {
  const parsed = BaselineSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 5).map((issue) => `  field ${issue.path.join(".") || "(top level)"}: ${issue.message}`);
    throw new UserError(
      `${file}: not a valid medeval baseline:\n${problems.join("\n")}\n` +
        "Recreate it with `medeval baseline save RUN_DIR --out FILE` rather than editing it by hand.",
    );
  }
  const b = parsed.data;
  const lists = b.id_lists.map((list, i) => {
    try {
      return decodeIdList(list);
    } catch (err) {
      throw new UserError(`${file}: field id_lists.${i}: ${(err as Error).message}`);
    }
  });
  const seen = new Set<string>();
  const tasks = b.tasks.map((t, i): GateTask => {
    const where = `${file}: field tasks.${i} (${t.task})`;
    if (seen.has(t.task)) throw new UserError(`${where}: task listed twice`);
    seen.add(t.task);
    const ids = lists[t.id_list];
    if (!ids) throw new UserError(`${where}.id_list: ${t.id_list} is not an index into id_lists (${lists.length} lists)`);
    if (ids.length !== t.n) throw new UserError(`${where}.n: ${t.n}, but id list ${t.id_list} holds ${ids.length} ids`);
    const bits = (field: "correct" | "errored"): boolean[] => {
      try {
        return unpackBits(t[field], t.n);
      } catch (err) {
        throw new UserError(`${where}.${field}: ${(err as Error).message}`);
      }
    };
    return {
      ...taskInfoOf(t),
      ids,
      correct: bits("correct"),
      errored: bits("errored"),
      itemsDigest: t.items_digest,
      sourceItemsHash: t.source_items_hash,
    };
  });
  return {
    origin: file,
    kind: "baseline",
    runId: b.run.run_id,
    specHash: b.run.spec_hash,
    spec: b.run.spec,
    harness: b.run.harness,
    server: b.run.server,
    startedAt: b.run.started_at,
    complete: b.run.complete,
    tasks,
  };
}

export function readJsonFile(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new UserError(`cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file}: ${what} is not valid JSON (${(err as Error).message})`);
  }
}
