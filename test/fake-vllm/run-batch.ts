// A fake `vllm run-batch -i requests.jsonl -o results.jsonl`: each input line's body is sent
// to the fake vLLM server (server.ts, started in-process), and its answer is written as
// run-batch writes it: `{"id","custom_id","response":{"status_code","request_id","body"},"error"}`.
// An HTTP error comes back as run-batch reports one (the error in `error`, status_code set,
// no body). Lines can be made to fail or be left out, to test what an import does with them.
//
// By hand: npx tsx test/fake-vllm/run-batch.ts -i requests.jsonl -o results.jsonl [--model fake-model]
//          [--style cot] [--fail 3] [--fail-status 2:500] [--drop 5] (line numbers from 1)
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { answerWith, guessLetter, type AnswerStyle } from "./helpers.ts";
import { startFakeVllm } from "./server.ts";
import type { FakeVllmOptions } from "./types.ts";

/** How a given input line fails: run-batch's `error` (no response), or a non-200 response as a Batch API returns it. */
export type LineFault = { kind: "error"; message?: string } | { kind: "status"; status: number; message?: string };

export interface FakeRunBatchOptions {
  input: string;
  output: string;
  /** The fake server's options (servedModelName, respond, …); the server lives for this call only. */
  server?: FakeVllmOptions;
  /** Input line numbers (from 1) that fail, and how. */
  fail?: Map<number, LineFault>;
  /** Input line numbers (from 1) left out of the output (a request the batch lost). */
  drop?: ReadonlySet<number>;
  /** Input line numbers (from 1) written twice (a retried request). */
  duplicate?: ReadonlySet<number>;
}

interface InputLine {
  custom_id: string;
  method: string;
  url: string;
  body: Record<string, unknown>;
}

export interface FakeRunBatchResult {
  /** Lines written to the output. */
  written: number;
  /** The bodies sent to the server, in input order. */
  sent: Record<string, unknown>[];
}

export async function fakeRunBatch(opts: FakeRunBatchOptions): Promise<FakeRunBatchResult> {
  const lines = readFileSync(opts.input, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as InputLine);
  const server = await startFakeVllm(opts.server ?? {});
  const out: string[] = [];
  const sent: Record<string, unknown>[] = [];
  let n = 0;
  const id = () => `vllm-fake-${String(++n).padStart(6, "0")}`;
  try {
    for (const [i, line] of lines.entries()) {
      const number = i + 1;
      if (opts.drop?.has(number)) continue;
      const fault = opts.fail?.get(number);
      let result: unknown;
      if (fault?.kind === "error") {
        result = { id: id(), custom_id: line.custom_id, response: null, error: { code: "server_error", message: fault.message ?? "the request failed in the batch" } };
      } else if (fault?.kind === "status") {
        const message = fault.message ?? `fake ${fault.status} error`;
        result = { id: id(), custom_id: line.custom_id, response: { status_code: fault.status, request_id: `req-${n}`, body: { error: { message, type: "InternalServerError", param: null, code: fault.status } } }, error: null };
      } else {
        sent.push(line.body);
        const response = await fetch(`${server.root}${line.url}`, { method: line.method, headers: { "content-type": "application/json" }, body: JSON.stringify(line.body) });
        const body = (await response.json()) as Record<string, unknown>;
        result =
          response.status === 200
            ? { id: id(), custom_id: line.custom_id, response: { status_code: 200, request_id: `vllm-batch-${n}`, body }, error: null }
            : // run-batch: the ErrorResponse goes to `error`, the response keeps only its status.
              { id: id(), custom_id: line.custom_id, response: { status_code: response.status, request_id: `vllm-batch-${n}`, body: null }, error: (body.error as unknown) ?? body };
      }
      out.push(JSON.stringify(result));
      if (opts.duplicate?.has(number)) out.push(JSON.stringify({ ...(result as object), id: id() }));
    }
  } finally {
    await server.close();
  }
  writeFileSync(opts.output, out.map((l) => `${l}\n`).join(""));
  return { written: out.length, sent };
}

function numbers(values: string[] | undefined): number[] {
  return (values ?? []).map((v) => {
    const k = Number(v);
    if (!Number.isInteger(k) || k < 1) throw new Error(`a line number from 1, got ${v}`);
    return k;
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      input: { type: "string", short: "i" },
      output: { type: "string", short: "o" },
      model: { type: "string", default: "fake-model" },
      style: { type: "string", default: "cot" },
      fail: { type: "string", multiple: true },
      "fail-status": { type: "string", multiple: true },
      drop: { type: "string", multiple: true },
    },
  });
  if (!values.input || !values.output) {
    console.error("usage: run-batch.ts -i requests.jsonl -o results.jsonl [--model NAME] [--style cot] [--fail N] [--fail-status N:STATUS] [--drop N]");
    process.exit(2);
  }
  const fail = new Map<number, LineFault>(numbers(values.fail).map((k) => [k, { kind: "error" }]));
  for (const spec of values["fail-status"] ?? []) {
    const [line, status] = spec.split(":");
    fail.set(numbers([line])[0], { kind: "status", status: Number(status) });
  }
  const done = await fakeRunBatch({
    input: values.input,
    output: values.output,
    server: { servedModelName: values.model, maxModelLen: 32768, respond: answerWith(guessLetter, values.style as AnswerStyle) },
    fail,
    drop: new Set(numbers(values.drop)),
  });
  console.log(`wrote ${done.written} lines to ${values.output}`);
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) await main();
