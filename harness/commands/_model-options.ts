// The flags that name a served model (run, translate, traces generate) and an embeddings
// endpoint (corpus, traces import, traces generate), declared once.
import type { Argv } from "yargs";
import type { ModelOverrides } from "../models/load.ts";

export interface ModelArgs {
  model?: string;
  "models-file"?: string;
  "model-url"?: string[];
  "served-model"?: string;
  "api-key-env"?: string;
  timeout?: number;
}

/** `role`: what the model does here ("the model evaluated", "translator", "generator"). */
export function modelOptions<T>(y: Argv<T>, role: string) {
  return y
    .option("model", { type: "string", describe: `${role}: a model name from models.yaml` })
    .option("models-file", { type: "string", describe: "models file (default ./models.yaml or $MEDEVAL_MODELS)" })
    .option("model-url", { type: "string", array: true, describe: "endpoint base URL(s), e.g. http://localhost:8000/v1 (no models.yaml entry needed)" })
    .option("served-model", { type: "string", describe: "model name the server serves (with --model-url)" })
    .option("api-key-env", { type: "string", describe: "environment variable holding the API key" });
}

/** What the flags change of the models.yaml entry (or make up when there is none). */
export function modelOverrides(argv: ModelArgs): ModelOverrides {
  return { modelUrl: argv["model-url"], servedModel: argv["served-model"], apiKeyEnv: argv["api-key-env"], timeoutS: argv.timeout };
}

export interface TranslatorArgs {
  translator?: string;
  "translator-url"?: string[];
  "translator-served-model"?: string;
  "translator-api-key-env"?: string;
}

/** The model that translates (traces generate --lang-source traces), named as --model names the generator. */
export function translatorOptions<T>(y: Argv<T>, what: string) {
  return y
    .option("translator", { type: "string", describe: `the model that translates ${what}: a models.yaml name` })
    .option("translator-url", { type: "string", array: true, describe: "the translator's endpoint base URL(s) (no models.yaml entry needed)" })
    .option("translator-served-model", { type: "string", describe: "model name the translator's server serves (with --translator-url)" })
    .option("translator-api-key-env", { type: "string", describe: "environment variable holding the translator's API key" });
}

/** The translator the flags name (its models.yaml entry and what the flags change of it), or undefined when they name none. */
export function translatorModel(argv: TranslatorArgs & Pick<ModelArgs, "models-file" | "timeout">): { model?: string; modelsFile?: string; overrides: ModelOverrides } | undefined {
  if (argv.translator === undefined && argv["translator-url"] === undefined) return undefined;
  return {
    model: argv.translator,
    modelsFile: argv["models-file"],
    overrides: { modelUrl: argv["translator-url"], servedModel: argv["translator-served-model"], apiKeyEnv: argv["translator-api-key-env"], timeoutS: argv.timeout },
  };
}

/** `what`: what the embeddings are for here. */
export function embedOptions<T>(y: Argv<T>, what: string) {
  return y
    .option("embed-url", { type: "string", describe: `OpenAI-compatible embeddings endpoint (base URL) ${what}` })
    .option("embed-model", { type: "string", describe: "model name served at --embed-url" })
    .option("embedder", { type: "string", describe: "models.yaml entry of kind: embeddings (instead of --embed-url/--embed-model)" });
}
