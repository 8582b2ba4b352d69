// The floor `npm run bench -- requests` holds medeval to: a bare script that sends the same
// requests through the openai SDK and does nothing else (no prompts to build, no answers to
// read, nothing written). Plain JavaScript, run by node directly, as a user would write it.
//   node bench/bare-sdk.mjs BASE_URL REQUESTS.jsonl CONCURRENCY
// REQUESTS.jsonl: vLLM run-batch lines ({custom_id, body}), as `medeval run --export-batch` writes them.
import { readFileSync } from "node:fs";
import OpenAI from "openai";

const [baseURL, file, concurrency] = process.argv.slice(2);
const bodies = readFileSync(file, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line).body);
const client = new OpenAI({ baseURL, apiKey: "EMPTY" });
let next = 0;
let failed = 0;
await Promise.all(
  Array.from({ length: Number(concurrency) }, async () => {
    for (let i = next++; i < bodies.length; i = next++) {
      try {
        await client.chat.completions.create(bodies[i]);
      } catch {
        failed++;
      }
    }
  }),
);
if (failed > 0) {
  console.error(`${failed} of ${bodies.length} requests failed`);
  process.exit(1);
}
