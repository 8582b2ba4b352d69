// Text embeddings through any OpenAI-compatible /v1/embeddings endpoint (vLLM `--task embed`,
// TEI, OpenAI). Injected as a plain function so tests and other backends can stand in.
import OpenAI from "openai";
import { UserError } from "../types.ts";

/** Embeds texts, returning one vector per text, in order. */
export type EmbedFn = (texts: string[]) => Promise<number[][]>;

export interface EmbeddingEndpoint {
  /** Base URL, e.g. http://localhost:8001/v1 (a bare host gets /v1; a trailing /embeddings is dropped). */
  url: string;
  /** The served model name sent in each request. */
  model: string;
  apiKey?: string;
  /** Texts per request. */
  batchSize?: number;
}

export function embeddingBaseUrl(url: string): string {
  const trimmed = url.replace(/\/+$/, "").replace(/\/embeddings$/, "");
  return /\/v\d+$/.test(trimmed) ? trimmed : `${trimmed}/v1`;
}

export function openAIEmbedder(endpoint: EmbeddingEndpoint): EmbedFn {
  const baseURL = embeddingBaseUrl(endpoint.url);
  const client = new OpenAI({ baseURL, apiKey: endpoint.apiKey ?? "EMPTY", maxRetries: 3, timeout: 120_000 });
  const batchSize = endpoint.batchSize ?? 64;
  return async (texts) => {
    const vectors: number[][] = [];
    for (let start = 0; start < texts.length; start += batchSize) {
      const input = texts.slice(start, start + batchSize);
      let response;
      try {
        // float, not the SDK's default base64: not every compatible server speaks base64.
        response = await client.embeddings.create({ model: endpoint.model, input, encoding_format: "float" });
      } catch (err) {
        throw new UserError(`embeddings request to ${baseURL}/embeddings (model ${endpoint.model}) failed: ${(err as Error).message}`);
      }
      const byIndex = [...response.data].sort((a, b) => a.index - b.index);
      if (byIndex.length !== input.length) {
        throw new UserError(`${baseURL}/embeddings returned ${byIndex.length} vectors for ${input.length} texts (model ${endpoint.model}).`);
      }
      for (const item of byIndex) vectors.push(item.embedding);
    }
    return vectors;
  };
}
