// medeval view [RESULTS...]: a local, read-only web page over run folders: the runs, each
// task's samples, one sample in full, two runs side by side.
import type { CommandModule } from "yargs";
import { UserError } from "../types.ts";
import { RunIndex } from "../view/run-index.ts";
import { DEFAULT_VIEW_HOST, DEFAULT_VIEW_PORT, startViewServer } from "../view/server.ts";

/** The results folder `medeval run` writes to by default. */
export const DEFAULT_VIEW_RESULTS = "results";

interface ViewArgs {
  results: string[];
  port: number;
  host: string;
}

const command: CommandModule<object, ViewArgs> = {
  command: "view [results..]",
  describe: "Browse runs and their samples in a local web page (read-only; Ctrl-C stops it)",
  builder: (y) =>
    y
      .positional("results", { type: "string", array: true, default: [DEFAULT_VIEW_RESULTS], describe: "Results folders or run folders to serve" })
      .option("port", { type: "number", default: DEFAULT_VIEW_PORT, describe: "Port to listen on (0: a free one)" })
      .option("host", { type: "string", default: DEFAULT_VIEW_HOST, describe: "Address to listen on (another than 127.0.0.1 shows the runs to your network)" }),
  handler: async (args) => {
    if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) throw new UserError(`--port ${args.port}: expected a port number 0–65535 (0: a free one)`);
    const index = new RunIndex(args.results);
    let viewer;
    try {
      viewer = await startViewServer(index, { host: args.host, port: args.port });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EADDRINUSE") throw new UserError(`--port ${args.port}: already in use on ${args.host}; choose another, or leave --port out for a free one`);
      if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND") throw new UserError(`--host ${args.host}: not an address of this machine`);
      throw err;
    }
    const runs = index.list().length;
    process.stdout.write(`medeval view: ${runs} run(s) from ${args.results.join(", ")} at ${viewer.url}\n(read-only; refresh the page for new samples; Ctrl-C stops)\n`);
    await new Promise<void>((done) => {
      const stop = () => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        void viewer.close().then(done);
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
  },
};

export default command;
