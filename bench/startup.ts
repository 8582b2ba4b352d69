// Start-up of the installed command (issue 18 targets), beside the floor of a bare Node start:
//   npx tsx bench/startup.ts [--repeats 5]
// - `medeval --version`, wall time: target ≤ 0.3 s.
// - `medeval run --limit 1`, CPU time of the medeval process at the moment the fake server
//   receives its first generation request (read from /proc/<pid>/stat, so the harness needs no
//   hook): target ≤ 0.8 s. The probe of /v1/models and the data loading come before it.
// Both run bin/medeval.js as a user does (dist/ is built first when a source is newer), and
// again from the TypeScript sources (MEDEVAL_FROM_SOURCE=1) to show what the build saves.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { answerWith, guessLetter } from "../test/fake-vllm/helpers.ts";
import { startFakeVllm } from "../test/fake-vllm/server.ts";
import { tempDir } from "../test/helpers.ts";
import { BIN, ROOT, cliEnv, ensureBuilt } from "./built.ts";

const { values } = parseArgs({ options: { repeats: { type: "string", default: "5" } } });
const REPEATS = Math.max(1, Number(values.repeats));
const VERSION_WALL_TARGET_S = 0.3;
const RUN_CPU_TARGET_S = 0.8;
const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const env = cliEnv;

function wallSeconds(args: string[], childEnv: NodeJS.ProcessEnv): number {
  const started = performance.now();
  const r = spawnSync(process.execPath, args, { env: childEnv, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${args.join(" ")} failed (exit ${r.status}): ${r.stderr}`);
  return (performance.now() - started) / 1000;
}

/** CPU seconds a bare `node -e` has used when its script starts: the floor of any start. */
function bareNodeCpuSeconds(): number {
  const out = execFileSync(process.execPath, ["-e", "const u = process.cpuUsage(); process.stdout.write(String((u.user + u.system) / 1e6))"], { encoding: "utf8" });
  return Number(out);
}

/** utime + stime of a live process, in seconds (Linux). */
function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

async function runCpuBeforeFirstRequest(fromSource: boolean, tasks: string[]): Promise<number> {
  let pid = 0;
  let atFirst: number | undefined;
  const server = await startFakeVllm({
    servedModelName: "fake-model",
    respond: (req) => {
      if (atFirst === undefined) atFirst = processCpuSeconds(pid);
      return answerWith(guessLetter, "cot")(req);
    },
  });
  const out = tempDir("medeval-bench-startup-");
  try {
    const args = [BIN, "run", "--model-url", server.url, "--served-model", "fake-model", ...tasks, "--limit", "1", "--out", out, "--progress", "none", "--no-cache", "--max-tokens", "256"];
    const child = spawn(process.execPath, args, { env: { ...env(fromSource), MEDEVAL_HOME: out }, stdio: ["ignore", "ignore", "pipe"] });
    pid = child.pid!;
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const code = await new Promise<number | null>((done) => child.on("close", done));
    if (code !== 0 || atFirst === undefined) throw new Error(`medeval run failed (exit ${code}): ${stderr}`);
    return atFirst;
  } finally {
    await server.close();
    rmSync(out, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (!existsSync("/proc/self/stat")) throw new Error("this bench reads CPU time from /proc: run it on Linux");
  ensureBuilt();
  const shared = join(ROOT, "..", "shared", "datasets");
  const fixtures = join(ROOT, "test", "fixtures", "data");
  const tasks = existsSync(shared)
    ? ["--tasks", "medqa.en", "--data-dir", shared]
    : ["--tasks", "demo.it", "--tasks-dir", join(fixtures, "tasks"), "--data-dir", join(fixtures, "datadir")];

  const floorWall: number[] = [];
  const floorCpu: number[] = [];
  const versionWall: number[] = [];
  const versionWallSource: number[] = [];
  const runCpu: number[] = [];
  const runCpuSource: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    floorWall.push(wallSeconds(["-e", ""], env(false)));
    floorCpu.push(bareNodeCpuSeconds());
    versionWall.push(wallSeconds([BIN, "--version"], env(false)));
    versionWallSource.push(wallSeconds([BIN, "--version"], env(true)));
    runCpu.push(await runCpuBeforeFirstRequest(false, tasks));
    runCpuSource.push(await runCpuBeforeFirstRequest(true, tasks));
  }
  const s = (x: number) => `${x.toFixed(3)} s`;
  const target = (ok: boolean) => (ok ? "ok" : "MISSED");
  const lines = [
    `floor: node -e ''            wall ${s(median(floorWall))}, CPU at script start ${s(median(floorCpu))}`,
    `medeval --version            wall ${s(median(versionWall))} (min ${s(Math.min(...versionWall))})   target ≤ ${VERSION_WALL_TARGET_S} s: ${target(median(versionWall) <= VERSION_WALL_TARGET_S)}`,
    `  from the sources (tsx)     wall ${s(median(versionWallSource))}`,
    `medeval run --limit 1        CPU before the first request ${s(median(runCpu))} (min ${s(Math.min(...runCpu))}; ${tasks[1]})   target ≤ ${RUN_CPU_TARGET_S} s: ${target(median(runCpu) <= RUN_CPU_TARGET_S)}`,
    `  from the sources (tsx)     CPU before the first request ${s(median(runCpuSource))}`,
    `medians of ${REPEATS}; machine ${availableParallelism()} cores, 1-min load average ${loadavg()[0].toFixed(1)} (wall time grows with other work; CPU time much less)`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

await main();
