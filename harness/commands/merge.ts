// medeval merge: join the shards of a run into one run folder.
import { resolve } from "node:path";
import type { CommandModule } from "yargs";
import { renderLeaderboard } from "../report/leaderboard.ts";
import { mergeShards, shardFolders } from "../record/merge.ts";

interface MergeArgs {
  shards: string[];
  out: string;
  "run-id"?: string;
  "allow-different-checkpoints": boolean;
}

const command: CommandModule<object, MergeArgs> = {
  command: "merge <shards..>",
  describe: "Join shard runs (--shard i/n or auto) into one run: name their folders, or the folder that holds them",
  builder: (y) =>
    y
      .positional("shards", { type: "string", array: true, demandOption: true, describe: "the shard run folders, or a folder holding them (the --out of an array job's shards)" })
      .option("out", { type: "string", default: "results", describe: "results folder for the merged run" })
      .option("run-id", { type: "string", describe: "name of the merged run (default: from its spec)" })
      .option("allow-different-checkpoints", {
        type: "boolean",
        default: false,
        describe: "merge shards whose servers report other weights (root) or context length for the model: only for the same weights at other paths",
      })
      .example("$0 merge results/m-zero-shot-cot-generative-shard0of2-* results/m-zero-shot-cot-generative-shard1of2-*", "")
      .example("$0 merge results/shards --out results", "every shard run inside results/shards (says which are missing)"),
  handler: (argv) => {
    const notice = (line: string) => process.stderr.write(`medeval: ${line}\n`);
    const shards = shardFolders(argv.shards.map((s) => resolve(s)), notice);
    const { dir, record } = mergeShards(shards, resolve(argv.out), {
      runId: argv["run-id"],
      allowDifferentCheckpoints: argv["allow-different-checkpoints"],
      notice,
    });
    process.stdout.write(`${renderLeaderboard(record.tasks, record.bootstrap.level)}\nmerged ${shards.length} shards into ${dir}\n`);
  },
};

export default command;
