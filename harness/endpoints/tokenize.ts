// vLLM's POST /tokenize (at the server root, beside /v1): how many tokens the served model's
// tokenizer makes of a prompt, BOS included as in a completion request. Loglikelihood scoring
// aligns by these counts when echoed tokens do not spell the prompt.
import { z } from "zod";

const TokenizeAnswerSchema = z.object({ count: z.number().int().nonnegative() });

export type CountTokens = (prompt: string, signal?: AbortSignal) => Promise<number>;

/** A counter against the server at `baseUrl` (…/v1 or its root). Throws with the server's words on failure. */
export function tokenCounter(baseUrl: string, model: string, apiKey?: string): CountTokens {
  const root = baseUrl.replace(/\/+$/, "").replace(/\/v\d+$/, "");
  return async (prompt, signal) => {
    const response = await fetch(`${root}/tokenize`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
      body: JSON.stringify({ model, prompt }),
      signal,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`POST ${root}/tokenize answered HTTP ${response.status}: ${text.slice(0, 200)}`);
    const parsed = TokenizeAnswerSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error(`POST ${root}/tokenize answered without a token count: ${text.slice(0, 200)}`);
    return parsed.data.count;
  };
}
