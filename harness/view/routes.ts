// The JSON routes of the viewer. Every route names runs by key and tasks by id, never a
// path: the server can only read the run folders under the results folders it was given.
import { SampleStatusSchema, UserError, type SampleStatus } from "../types.ts";
import { PAIR_FILTERS, pairSamples, type PairFilter } from "./pairs.ts";
import type { RunIndex, ViewRun } from "./run-index.ts";
import { summarizeRun } from "./run-summary.ts";
import { sampleDetail } from "./sample-detail.ts";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, SORT_KEYS, querySamples, type SortKey } from "./sample-query.ts";

export interface JsonReply {
  status: number;
  body: unknown;
}

/** A request the route cannot answer: the status and a message for the page. */
class RouteError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function runOf(index: RunIndex, key: string | null, param = "run"): ViewRun {
  if (!key) throw new RouteError(400, `missing ?${param}=<run id>`);
  const view = index.get(key);
  if (!view) throw new RouteError(404, `no run ${key} under the results folders being viewed`);
  return view;
}

function taskOf(view: ViewRun, task: string | null) {
  if (!task) throw new RouteError(400, "missing ?task=<task id>");
  const samples = view.samples.get(task);
  if (!samples) throw new RouteError(404, `run ${view.key} has no samples of task ${task} (it has ${[...view.samples.keys()].join(", ") || "none yet"})`);
  return samples;
}

function intParam(q: URLSearchParams, name: string, fallback: number, max: number): number {
  const raw = q.get(name);
  if (raw === null || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new RouteError(400, `?${name}=${raw}: expected a whole number ≥ 0`);
  return Math.min(n, max);
}

function oneOf<T extends string>(q: URLSearchParams, name: string, allowed: readonly T[]): T | undefined {
  const raw = q.get(name);
  if (raw === null || raw === "") return undefined;
  if (!(allowed as readonly string[]).includes(raw)) throw new RouteError(400, `?${name}=${raw}: expected one of ${allowed.join(", ")}`);
  return raw as T;
}

/** "overflow" is what people call context_overflow. */
function statusesParam(q: URLSearchParams): SampleStatus[] | undefined {
  const raw = q.get("status");
  if (!raw) return undefined;
  return raw.split(",").map((s) => {
    const name = s === "overflow" ? "context_overflow" : s;
    const parsed = SampleStatusSchema.safeParse(name);
    if (!parsed.success) throw new RouteError(400, `?status=${s}: expected one of ${SampleStatusSchema.options.join(", ")} (or overflow)`);
    return parsed.data;
  });
}

function samplesRoute(index: RunIndex, q: URLSearchParams): unknown {
  const samples = taskOf(runOf(index, q.get("run")), q.get("task"));
  const correct = oneOf(q, "correct", ["right", "wrong"] as const);
  return querySamples(samples, {
    statuses: statusesParam(q),
    correct: correct === undefined ? undefined : correct === "right",
    lang: q.get("lang") || undefined,
    subject: q.get("subject") || undefined,
    text: q.get("q") || undefined,
    sort: oneOf<SortKey>(q, "sort", SORT_KEYS),
    descending: oneOf(q, "order", ["asc", "desc"] as const) === "desc",
    offset: intParam(q, "offset", 0, Number.MAX_SAFE_INTEGER),
    limit: intParam(q, "limit", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
  });
}

function sampleRoute(index: RunIndex, q: URLSearchParams): unknown {
  const samples = taskOf(runOf(index, q.get("run")), q.get("task"));
  const item = q.get("item");
  if (!item) throw new RouteError(400, "missing ?item=<item id>");
  const sample = samples.find((s) => s.item_id === item);
  if (!sample) throw new RouteError(404, `task ${q.get("task")} of run ${q.get("run")} has no item ${item}`);
  return sampleDetail(sample);
}

function pairsRoute(index: RunIndex, q: URLSearchParams): unknown {
  const a = runOf(index, q.get("a"), "a");
  const b = runOf(index, q.get("b"), "b");
  return pairSamples(taskOf(a, q.get("task")), taskOf(b, q.get("task")), {
    filter: oneOf<PairFilter>(q, "filter", PAIR_FILTERS) ?? "disagree",
    offset: intParam(q, "offset", 0, Number.MAX_SAFE_INTEGER),
    limit: intParam(q, "limit", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
  });
}

const ROUTES: Record<string, (index: RunIndex, q: URLSearchParams) => unknown> = {
  "/api/runs": (index) => ({ runs: index.all().map(summarizeRun) }),
  "/api/samples": samplesRoute,
  "/api/sample": sampleRoute,
  "/api/pairs": pairsRoute,
};

export function isApiPath(path: string): boolean {
  return path in ROUTES;
}

export function answerApi(index: RunIndex, url: URL): JsonReply {
  const route = ROUTES[url.pathname];
  if (!route) return { status: 404, body: { error: `no route ${url.pathname}` } };
  try {
    return { status: 200, body: route(index, url.searchParams) };
  } catch (err) {
    if (err instanceof RouteError) return { status: err.status, body: { error: err.message } };
    // A damaged run record or journal: the reader's message names the file and line.
    if (err instanceof UserError) return { status: 422, body: { error: err.message } };
    throw err;
  }
}
