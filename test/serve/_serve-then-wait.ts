// Child process for serve-parent.test.ts: starts a fake vLLM, prints its pid, then waits for
// the test to end this process by a signal, or exits on its own when told to (argv[3]).
import { startVllmServer } from "../../harness/serve/serve.ts";

const [bin, logFile, mode] = process.argv.slice(2);
const server = await startVllmServer({
  model: "m",
  servedName: "m",
  extraArgs: [],
  vllmBin: bin,
  logFile,
  readyTimeoutMs: 10_000,
  pollIntervalMs: 50,
});
process.stdout.write(`${JSON.stringify({ serverPid: server.pid })}\n`);
if (mode === "exit") process.exit(0); // forgets stop(): the exit handler must still end the server
setInterval(() => {}, 1000);
