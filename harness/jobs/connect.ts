// The model a job (a translation, a trace generation) sends its requests to: the models.yaml
// entry or flags resolved, its first endpoint checked to answer, the checkpoint it serves,
// and the response cache where that checkpoint can be identified. `medeval run` does more
// (several replicas, serve:, budgets) and keeps its own path in runner/.
import { join } from "node:path";
import { medevalHome } from "../env.ts";
import { UserError } from "../user-error.ts";
import { apiKeyFor, resolveModel, type ModelOverrides } from "../models/load.ts";
import type { ModelSpec } from "../models/schema.ts";
import { ResponseCache } from "../endpoints/cache.ts";
import { establishCheckpointIdentity } from "../endpoints/checkpoint-identity.ts";
import { fetchServerInfo, probeEndpoint } from "../endpoints/server-info.ts";
import { servedCheckpoint } from "../record/checkpoint.ts";

export interface JobModelInput {
  model?: string;
  modelsFile?: string;
  overrides: ModelOverrides;
  cache: boolean;
  /** What the job is, for the error when the model has no URL ("translation", "trace generation"). */
  job: string;
  notice: (line: string) => void;
}

export interface JobModel {
  model: ModelSpec;
  apiKey: string | undefined;
  /** The root of the served model in /v1/models (null when the server does not say). */
  checkpoint: string | null;
  cache: ResponseCache | null;
  /** The key the cache files replies under: served name and checkpoint identity. */
  modelIdentity: string;
}

export async function connectJobModel(input: JobModelInput): Promise<JobModel> {
  const model = resolveModel(input.model, input.overrides, input.modelsFile);
  if (model.baseUrls.length === 0) throw new UserError(`model "${model.name}" has no base_urls: ${input.job} needs a running server (start it, then pass its URL)`);
  const apiKey = apiKeyFor(model);
  const url = model.baseUrls[0];
  if (!(await probeEndpoint(url, apiKey))) throw new UserError(`no server answers at ${url} (GET /health and /v1/models failed): is it running, and does the URL end in /v1?`);
  const info = await fetchServerInfo(url, apiKey);
  const checkpoint = servedCheckpoint(info.models, model.servedModel);
  const identity = establishCheckpointIdentity({ root: checkpoint?.root, revision: model.revision, fingerprint: model.fingerprint });
  if (input.cache && identity.id === null) input.notice(`the response cache is not used: ${identity.why}`);
  const cache = input.cache && identity.id !== null ? new ResponseCache(join(medevalHome(), "cache", "responses")) : null;
  return { model, apiKey, checkpoint: checkpoint?.root ?? null, cache, modelIdentity: `${model.servedModel}@${identity.id ?? "unidentified"}` };
}
