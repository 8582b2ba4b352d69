// medeval merge: join the shards of a run into one run folder.
import { resolve } from "node:path";
import type { CommandModule } from "yargs";
import { renderLeaderboard } from "../report/leaderboard.ts";
import { mergeShards } from "../record/merge.ts";

interface MergeArgs {
  shards: string[];
  out: string;
  "run-id"?: string;
  "allow-different-checkpoints": boolean;
}

const command: CommandModule<object, MergeArgs> = {
  command: "merge <shards..>",
  describe: "Join shard runs (--shard i/n) into one run",
  builder: (y) =>
    y
      .positional("shards", { type: "string", array: true, demandOption: true, describe: "the shard run folders" })
      .option("out", { type: "string", default: "results", describe: "results folder for the merged run" })
      .option("run-id", { type: "string", describe: "name of the merged run (default: from its spec)" })
      .option("allow-different-checkpoints", {
        type: "boolean",
        default: false,
        describe: "merge shards whose servers report other weights (root) or context length for the model: only for the same weights at other paths",
      })
      .example("$0 merge results/m-zero-shot-cot-generative-shard0of2-* results/m-zero-shot-cot-generative-shard1of2-*", ""),
  handler: (argv) => {
    const { dir, record } = mergeShards(argv.shards.map((s) => resolve(s)), resolve(argv.out), {
      runId: argv["run-id"],
      allowDifferentCheckpoints: argv["allow-different-checkpoints"],
      notice: (line) => process.stderr.write(`medeval: ${line}\n`),
    });
    process.stdout.write(`${renderLeaderboard(record.tasks, record.bootstrap.level)}\nmerged ${argv.shards.length} shards into ${dir}\n`);
  },
};

export default command;
