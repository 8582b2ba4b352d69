// The embeddings endpoint for trace vectors and embedding-based shot selection: named on the
// command line (--embed-url/--embed-model) or as a models.yaml entry of kind: embeddings.
import { existsSync } from "node:fs";
import { openAIEmbedder, type EmbedFn } from "../traces/embed.ts";
import { UserError } from "../types.ts";
import { defaultModelsFile, loadModelsFile } from "./load.ts";

/**
 * The embedding endpoint for import: --embed-url/--embed-model, or --embedder NAME, an
 * entry of models.yaml with `kind: embeddings` (its first base_url, served_model, api_key_env).
 */
export function embedderFromArgs(args: { "embed-url"?: string; "embed-model"?: string; embedder?: string }): { embed: EmbedFn; model: string; url: string } | undefined {
  if (args.embedder) {
    const file = defaultModelsFile();
    if (!existsSync(file)) throw new UserError(`--embedder ${args.embedder}: no models file at ${file}.`);
    const entry = loadModelsFile(file).models[args.embedder];
    if (!entry || entry.kind !== "embeddings") {
      throw new UserError(`--embedder ${args.embedder}: ${file} has no entry of that name with kind: embeddings.`);
    }
    if (!entry.base_urls?.length) throw new UserError(`--embedder ${args.embedder}: the entry in ${file} needs base_urls.`);
    const apiKey = entry.api_key_env ? process.env[entry.api_key_env] : undefined;
    if (entry.api_key_env && !apiKey) throw new UserError(`--embedder ${args.embedder} reads its key from $${entry.api_key_env}, which is not set.`);
    const url = entry.base_urls[0];
    return { embed: openAIEmbedder({ url, model: entry.served_model, apiKey }), model: entry.served_model, url };
  }
  const url = args["embed-url"];
  const model = args["embed-model"];
  if (!url && !model) return undefined;
  if (!url || !model) throw new UserError("--embed-url and --embed-model go together (the endpoint and the model it serves).");
  return { embed: openAIEmbedder({ url, model, apiKey: process.env.EMBED_API_KEY }), model, url };
}

/**
 * The endpoint that embeds queries against vectors made by `recorded` (a store's or corpus's
 * embedding model): the one the flags name, else the recorded URL; the model must match.
 */
export function queryEmbedder(
  recorded: { model: string; url?: string } | null,
  args: { "embed-url"?: string; "embed-model"?: string; embedder?: string },
): EmbedFn | undefined {
  const given = embedderFromArgs(args);
  if (given) {
    if (recorded && given.model !== recorded.model) {
      throw new UserError(`the vectors come from embedding model "${recorded.model}"; queries embedded with "${given.model}" would not be comparable. Use ${recorded.model}.`);
    }
    return given.embed;
  }
  if (!recorded) return undefined;
  if (!recorded.url) throw new UserError(`the vectors come from "${recorded.model}", whose endpoint was not recorded: pass --embed-url and --embed-model ${recorded.model}.`);
  return openAIEmbedder({ url: recorded.url, model: recorded.model, apiKey: process.env.EMBED_API_KEY });
}

