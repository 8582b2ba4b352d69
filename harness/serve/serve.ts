// Starting and stopping a `vllm serve` process for a run: free port, argument list (never a
// shell), output to a log file, readiness by polling /health, and a stop that always ends
// the process group — also when the run fails or the user presses Ctrl-C.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname } from "node:path";
import { z } from "zod";
import { UserError } from "../types.ts";

/**
 * The `serve:` section of a models.yaml entry. When present, `medeval run` starts vLLM itself.
 *
 *   serve:
 *     model: /checkpoints/release-3      # checkpoint path or Hub id, the positional arg of `vllm serve`
 *     args: ["--max-model-len", "8192", "--tensor-parallel-size", "2"]
 *     ready_timeout_s: 900               # loading big checkpoints takes minutes
 *     env: { VLLM_BATCH_INVARIANT: "1" } # extra environment for the server only
 *
 * The served model name and the API key come from the entry itself (served_model,
 * api_key_env), so the client and the server cannot disagree about them.
 */
export const ServeConfigSchema = z
  .object({
    model: z.string().min(1, "serve.model must name a checkpoint path or a Hugging Face Hub id"),
    args: z.array(z.string()).default([]),
    ready_timeout_s: z.number().positive().default(900),
    env: z.record(z.string(), z.string()).default({}),
  })
  .strict();
export type ServeConfig = z.infer<typeof ServeConfigSchema>;

export interface StartVllmOptions {
  /** Checkpoint path or Hub id. */
  model: string;
  servedName: string;
  extraArgs: string[];
  /** Executable to run (`--vllm-bin`); default "vllm" from PATH. */
  vllmBin?: string;
  host?: "127.0.0.1";
  /** Default: a free port chosen by the OS. */
  port?: number;
  apiKey?: string;
  /** The server's stdout and stderr are appended here (the run folder's vllm.log). */
  logFile: string;
  readyTimeoutMs: number;
  env?: Record<string, string>;
  signal?: AbortSignal;
  /** How often readiness is polled (default 1000 ms). */
  pollIntervalMs?: number;
  /** Time between SIGTERM and SIGKILL on stop (default 15000 ms; at most 5000 ms when medeval itself got SIGINT/SIGTERM). */
  stopGraceMs?: number;
}

export interface ServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (e.g. executable not found). */
  error?: string;
}

export interface VllmServer {
  baseUrl: string;
  port: number;
  pid: number;
  /** The argument list the executable got (after the executable itself). */
  args: string[];
  logFile: string;
  /** Ends the server: SIGTERM to its process group, SIGKILL after the grace period. Idempotent. */
  stop(): Promise<void>;
  /** Resolves (never rejects) when the process has exited, for whatever reason. */
  exited: Promise<ServerExit>;
  /** Aborted, with a message for people as its reason, when the server exits without stop(). */
  died: AbortSignal;
  /** `work`, unless the server dies first: then a UserError that says so and shows the log. */
  guard<T>(work: Promise<T>): Promise<T>;
}

const LOG_TAIL_LINES = 20;
const SIGNAL_STOP_GRACE_MS = 5000;

export async function startVllmServer(opts: StartVllmOptions): Promise<VllmServer> {
  const host = opts.host ?? "127.0.0.1";
  const bin = opts.vllmBin ?? "vllm";
  const pollIntervalMs = opts.pollIntervalMs ?? 1000;
  const stopGraceMs = opts.stopGraceMs ?? 15_000;
  if (opts.signal?.aborted) throw new UserError("vLLM start cancelled before it began");

  const port = opts.port ?? (await freePort(host));
  const args = [
    "serve",
    opts.model,
    "--host",
    host,
    "--port",
    String(port),
    "--served-model-name",
    opts.servedName,
    ...(opts.apiKey ? ["--api-key", opts.apiKey] : []),
    ...opts.extraArgs,
  ];
  const baseUrl = `http://${host}:${port}`;

  mkdirSync(dirname(opts.logFile), { recursive: true });
  const logFd = openSync(opts.logFile, "a");
  let child: ChildProcess;
  try {
    // detached: the server gets its own process group, so stop() also ends the worker
    // processes vLLM forks (tensor parallel, engine core) and not only the launcher.
    child = spawn(bin, args, {
      stdio: ["ignore", logFd, logFd],
      env: { ...process.env, ...opts.env },
      detached: true,
      shell: false,
    });
  } finally {
    closeSync(logFd);
  }

  let stopping = false;
  let exitInfo: ServerExit | undefined;
  const exited = new Promise<ServerExit>((resolve) => {
    child.once("exit", (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
    child.once("error", (err) => {
      // Spawn failures emit "error" and no "exit".
      if (child.pid === undefined) {
        exitInfo = { code: null, signal: null, error: err.message };
        resolve(exitInfo);
      }
    });
  });

  const diedController = new AbortController();
  void exited.then((exit) => {
    removeParentHandlers();
    if (!stopping) diedController.abort(new UserError(diedMessage(bin, exit, opts.logFile)));
  });

  const signalTree = (sig: NodeJS.Signals): void => {
    if (exitInfo || child.pid === undefined) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      try {
        child.kill(sig);
      } catch {
        // already gone
      }
    }
  };

  let stopPromise: Promise<void> | undefined;
  const stop = (graceMs = stopGraceMs): Promise<void> => {
    stopPromise ??= (async () => {
      stopping = true;
      if (!exitInfo) {
        signalTree("SIGTERM");
        const timer = setTimeout(() => signalTree("SIGKILL"), graceMs);
        await exited;
        clearTimeout(timer);
      }
      // The launcher may be gone while forked workers linger in its group.
      signalTree("SIGKILL");
      removeParentHandlers();
    })();
    return stopPromise;
  };

  // If medeval itself ends (normally, by error or by Ctrl-C) the server must not outlive it.
  // At "exit" nothing can be awaited any more, so a SIGTERM could not be followed up:
  // SIGKILL is the only signal that surely frees the GPU (stop() is the graceful path).
  const onExit = (): void => signalTree("SIGKILL");
  const onSignal = (sig: NodeJS.Signals): void => {
    // Whoever sent the signal (a terminal, a CI runner cancelling the job) will not wait
    // long before killing medeval outright, and then a detached server would be orphaned.
    void stop(Math.min(stopGraceMs, SIGNAL_STOP_GRACE_MS)).then(() => {
      // Only re-raise when nobody else handles the signal; then it ends medeval as usual.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    });
  };
  const onSigint = (): void => onSignal("SIGINT");
  const onSigterm = (): void => onSignal("SIGTERM");
  process.on("exit", onExit);
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigterm);
  function removeParentHandlers(): void {
    process.off("exit", onExit);
    process.off("SIGINT", onSigint);
    process.off("SIGTERM", onSigterm);
  }

  const server: VllmServer = {
    baseUrl,
    port,
    pid: child.pid ?? -1,
    args,
    logFile: opts.logFile,
    stop: () => stop(),
    exited,
    died: diedController.signal,
    guard: <T>(work: Promise<T>) => guardAgainstDeath(work, diedController.signal),
  };

  try {
    await waitUntilReady({
      baseUrl,
      apiKey: opts.apiKey,
      pollIntervalMs,
      deadline: Date.now() + opts.readyTimeoutMs,
      exited,
      signal: opts.signal,
    });
  } catch (err) {
    await stop();
    if (err instanceof ReadyFailure) {
      throw new UserError(startFailureMessage(err, bin, opts, port));
    }
    throw err;
  }
  return server;
}

/**
 * Starts the server, runs `work` against it, and stops the server however `work` ends.
 * If the server dies first, the result is the UserError saying so (with the log's tail),
 * not whatever the client would have done against a dead port.
 */
export async function withVllmServer<T>(opts: StartVllmOptions, work: (server: VllmServer) => Promise<T>): Promise<T> {
  const server = await startVllmServer(opts);
  try {
    return await server.guard(work(server));
  } finally {
    await server.stop();
  }
}

type ReadyFailureKind = "exited" | "timeout" | "aborted";
class ReadyFailure extends Error {
  constructor(
    readonly kind: ReadyFailureKind,
    readonly exit?: ServerExit,
  ) {
    super(kind);
  }
}

async function waitUntilReady(o: {
  baseUrl: string;
  apiKey?: string;
  pollIntervalMs: number;
  deadline: number;
  exited: Promise<ServerExit>;
  signal?: AbortSignal;
}): Promise<void> {
  let exit: ServerExit | undefined;
  void o.exited.then((e) => (exit = e));
  // /health has no auth and is the cheapest; older or proxied servers may lack it, then /v1/models.
  let useModelsEndpoint = false;
  for (;;) {
    if (exit) throw new ReadyFailure("exited", exit);
    if (o.signal?.aborted) throw new ReadyFailure("aborted");
    if (Date.now() >= o.deadline) throw new ReadyFailure("timeout");
    const status = await probe(o.baseUrl, useModelsEndpoint ? "/v1/models" : "/health", o.apiKey, o.pollIntervalMs);
    if (status !== undefined && status >= 200 && status < 300) return;
    if (status === 404 && !useModelsEndpoint) {
      useModelsEndpoint = true;
      continue;
    }
    await sleepUnlessEvent(Math.min(o.pollIntervalMs, Math.max(0, o.deadline - Date.now())), o.exited, o.signal);
  }
}

/** HTTP status of GET path, or undefined when nothing answers (refused, reset, too slow). */
async function probe(baseUrl: string, path: string, apiKey: string | undefined, pollIntervalMs: number): Promise<number | undefined> {
  try {
    const res = await fetch(baseUrl + path, {
      headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
      signal: AbortSignal.timeout(Math.max(2000, pollIntervalMs * 2)),
    });
    await res.arrayBuffer().catch(() => undefined);
    return res.status;
  } catch {
    return undefined;
  }
}

function sleepUnlessEvent(ms: number, exited: Promise<ServerExit>, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    void exited.then(done);
    signal?.addEventListener("abort", done, { once: true });
  });
}

function guardAgainstDeath<T>(work: Promise<T>, died: AbortSignal): Promise<T> {
  if (died.aborted) return Promise.reject(died.reason);
  return new Promise<T>((resolve, reject) => {
    const onDied = (): void => reject(died.reason);
    died.addEventListener("abort", onDied, { once: true });
    work.then(
      (v) => {
        died.removeEventListener("abort", onDied);
        resolve(v);
      },
      (e) => {
        died.removeEventListener("abort", onDied);
        reject(died.aborted ? died.reason : e);
      },
    );
  });
}

function startFailureMessage(err: ReadyFailure, bin: string, opts: StartVllmOptions, port: number): string {
  const tail = logTail(opts.logFile);
  const where = `Server log: ${opts.logFile}`;
  const shown = tail ? `\nLast lines of the server log:\n${tail}` : "\n(the server log is empty)";
  if (err.kind === "exited" && err.exit?.error) {
    return (
      `could not start \`${bin}\`: ${err.exit.error}.\n` +
      `Is vLLM installed and on PATH? Name the executable with --vllm-bin PATH.`
    );
  }
  if (err.kind === "exited") {
    return (
      `\`${bin} serve ${opts.model}\` exited during start-up (${describeExit(err.exit!)}) before it answered /health on port ${port}.` +
      `${shown}\n${where}`
    );
  }
  if (err.kind === "timeout") {
    return (
      `\`${bin} serve ${opts.model}\` did not become ready within ${Math.round(opts.readyTimeoutMs / 1000)} s ` +
      `(polling /health on port ${port}); it was stopped. Large checkpoints load slowly: raise ` +
      `serve.ready_timeout_s in models.yaml if the log shows it was still loading.${shown}\n${where}`
    );
  }
  return `vLLM start cancelled; the server was stopped. ${where}`;
}

function diedMessage(bin: string, exit: ServerExit, logFile: string): string {
  const tail = logTail(logFile);
  return (
    `the vLLM server (\`${bin}\`) exited during the run (${describeExit(exit)}); the run cannot go on.` +
    (tail ? `\nLast lines of the server log:\n${tail}` : "") +
    `\nServer log: ${logFile}`
  );
}

function describeExit(exit: ServerExit): string {
  if (exit.error) return exit.error;
  if (exit.signal) return `killed by ${exit.signal}`;
  return `exit code ${exit.code}`;
}

/** The last lines of the log, indented, or "" when there is nothing to show. */
export function logTail(logFile: string, lines = LOG_TAIL_LINES): string {
  let text: string;
  try {
    text = readFileSync(logFile, "utf8");
  } catch {
    return "";
  }
  const all = text.split(/\r?\n/).filter((l, i, arr) => l.length > 0 || i < arr.length - 1);
  while (all.length > 0 && all[all.length - 1] === "") all.pop();
  return all
    .slice(-lines)
    .map((l) => `  | ${l}`)
    .join("\n");
}

/** A port that was free a moment ago (the OS picks it; tiny race accepted, as inspect_ai does). */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
