// A minimal `fetch` over node:http(s) for the openai SDK. Why not the global fetch: Node's
// built-in fetch gives up waiting for response headers after 300 s whatever the SDK timeout
// says, and a reasoning model can take longer than that for one non-streamed answer; the
// only fix is configuring undici, which is not a dependency. This one has no timeout of its
// own (the SDK's timeout aborts it through the signal), keeps connections alive, drops idle
// sockets before vLLM's 5 s keep-alive limit does, and costs less CPU per request: the
// answer is buffered and handed back as a small Response look-alike, because building a
// WHATWG Response with its web stream and Headers costs more CPU than the HTTP exchange.
import http, { type IncomingHttpHeaders } from "node:http";
import https from "node:https";

/**
 * A signal shared by many requests (a run's Ctrl-C), handed over in the fetch init instead of
 * as the SDK's per-request `signal`: the SDK would compose it with AbortSignal.any for every
 * request (weak references and a listener each, a measurable CPU cost at hundreds in flight);
 * here one listener per shared signal cancels every request registered under it.
 */
export interface SharedAbortInit extends RequestInit {
  sharedSignal?: AbortSignal;
}

export interface NodeFetch {
  fetch: (input: string | URL | Request, init?: SharedAbortInit) => Promise<Response>;
  /** Close pooled sockets (the process can then exit without waiting for them). */
  destroy(): void;
}

/** Idle sockets are closed after this long: under uvicorn's 5 s so we rarely reuse one it is closing. */
const IDLE_SOCKET_MS = 4000;

function abortError(signal: AbortSignal): Error {
  const reason = signal.reason;
  if (reason instanceof Error && reason.name === "AbortError") return reason;
  return new DOMException("This operation was aborted", "AbortError");
}

function headerRecord(headers: RequestInit["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  // Plain objects first, and no `instanceof Headers`: reading the global `Headers` makes
  // Node load its bundled undici (~50 ms of CPU) on the first request.
  if (Array.isArray(headers)) {
    for (const [key, value] of headers) out[key.toLowerCase()] = value;
  } else if (typeof (headers as Headers).forEach === "function" && Object.getPrototypeOf(headers) !== Object.prototype) {
    (headers as Headers).forEach((value, key) => (out[key] = value));
  } else {
    for (const [key, value] of Object.entries(headers)) if (value !== undefined) out[key.toLowerCase()] = String(value);
  }
  return out;
}

function bodyBytes(body: RequestInit["body"]): string | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string" || body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new TypeError(`node fetch: unsupported request body type ${Object.prototype.toString.call(body)}`);
}

/** The part of `Headers` the SDK and our error handling read, over Node's parsed headers. */
class BufferedHeaders {
  constructor(private readonly raw: IncomingHttpHeaders) {}
  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
  }
  has(name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined;
  }
  *entries(): IterableIterator<[string, string]> {
    for (const key of Object.keys(this.raw)) yield [key, this.get(key)!];
  }
  *keys(): IterableIterator<string> {
    yield* Object.keys(this.raw);
  }
  *values(): IterableIterator<string> {
    for (const key of Object.keys(this.raw)) yield this.get(key)!;
  }
  forEach(callback: (value: string, key: string) => void): void {
    for (const key of Object.keys(this.raw)) callback(this.get(key)!, key);
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

/** A fully read answer with the Response members the openai SDK uses. */
class BufferedResponse {
  readonly ok: boolean;
  readonly body = null;
  readonly redirected = false;
  readonly type = "basic";
  bodyUsed = false;
  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly headers: BufferedHeaders,
    readonly url: string,
    private readonly bytes: Buffer,
  ) {
    this.ok = status >= 200 && status < 300;
  }
  async text(): Promise<string> {
    this.bodyUsed = true;
    return this.bytes.toString("utf8");
  }
  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    this.bodyUsed = true;
    return new Uint8Array(this.bytes).buffer;
  }
  clone(): BufferedResponse {
    return new BufferedResponse(this.status, this.statusText, this.headers, this.url, this.bytes);
  }
}

export function createNodeFetch(): NodeFetch {
  const agentOptions = { keepAlive: true, maxSockets: Infinity, timeout: IDLE_SOCKET_MS, scheduling: "lifo" as const };
  const httpAgent = new http.Agent(agentOptions);
  const httpsAgent = new https.Agent(agentOptions);

  /**
   * Per shared signal: its requests in flight and the one abort listener that cancels them.
   * The listener goes when the last request settles, so a signal made per call (a composed
   * AbortSignal.any) is not kept alive by us until its parent aborts.
   */
  const shared = new Map<AbortSignal, { cancels: Set<() => void>; onAbort: () => void }>();
  function underShared(signal: AbortSignal, cancel: () => void): () => void {
    let entry = shared.get(signal);
    if (!entry) {
      const cancels = new Set<() => void>();
      const onAbort = () => {
        shared.delete(signal);
        for (const c of [...cancels]) c();
        cancels.clear();
      };
      entry = { cancels, onAbort };
      shared.set(signal, entry);
      signal.addEventListener("abort", onAbort, { once: true });
    }
    const { cancels, onAbort } = entry;
    cancels.add(cancel);
    return () => {
      if (!cancels.delete(cancel) || cancels.size > 0) return;
      shared.delete(signal);
      signal.removeEventListener("abort", onAbort);
    };
  }

  function fetch(input: string | URL | Request, init: SharedAbortInit = {}): Promise<Response> {
    const url = typeof input === "string" ? new URL(input) : input instanceof URL ? input : new URL(input.url);
    const signal = init.signal ?? undefined;
    const sharedSignal = init.sharedSignal;
    return new Promise<Response>((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal));
      if (sharedSignal?.aborted) return reject(abortError(sharedSignal));
      const secure = url.protocol === "https:";
      const body = bodyBytes(init.body);
      const headers = headerRecord(init.headers);
      // A known length avoids chunked encoding (one write instead of several).
      if (body !== undefined && headers["content-length"] === undefined) headers["content-length"] = String(Buffer.byteLength(body));
      const request = (secure ? https : http).request(url, {
        method: init.method ?? "GET",
        headers,
        agent: secure ? httpsAgent : httpAgent,
      });
      let settled = false;
      const detach = () => {
        signal?.removeEventListener("abort", onAbort);
        leaveShared?.();
      };
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        detach();
        reject(err);
      };
      const abortWith = (from: AbortSignal) => {
        const err = abortError(from);
        request.destroy(err);
        fail(err);
      };
      const onAbort = () => abortWith(signal!);
      signal?.addEventListener("abort", onAbort, { once: true });
      const leaveShared = sharedSignal ? underShared(sharedSignal, () => abortWith(sharedSignal)) : undefined;
      request.on("error", fail);
      request.on("response", (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", fail);
        response.on("close", () => {
          if (!response.complete) fail(Object.assign(new Error("the connection was reset while the response was being read"), { code: "ECONNRESET" }));
        });
        response.on("end", () => {
          if (settled) return;
          settled = true;
          detach();
          const status = response.statusCode ?? 500;
          const answer = new BufferedResponse(status, response.statusMessage ?? "", new BufferedHeaders(response.headers), url.href, Buffer.concat(chunks));
          resolve(answer as unknown as Response);
        });
      });
      request.end(body);
    });
  }

  return {
    fetch,
    destroy() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
