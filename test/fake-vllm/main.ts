// Start the fake vLLM server by hand: `npx tsx test/fake-vllm/main.ts --port 8000`.
// It answers every question with a stable pseudo-random option in chain-of-thought style.
import { parseArgs } from "node:util";
import { answerWith, guessLetter, type AnswerStyle } from "./helpers.ts";
import { startFakeVllm } from "./server.ts";
import { groundedBehavior } from "./grounded.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8000" },
    model: { type: "string", default: "fake-model" },
    "api-key": { type: "string" },
    style: { type: "string", default: "cot" },
    "latency-ms": { type: "string", default: "0" },
    "jitter-ms": { type: "string", default: "0" },
    "reasoning-field": { type: "string", default: "reasoning" },
    "max-model-len": { type: "string", default: "4096" },
    // --style grounded: answer `traces generate` prompts from their GOLD= passage markers (grounded.ts).
    "wrong-rate": { type: "string", default: "0" },
  },
});

const styles: string[] = ["direct", "cot", "think", "reasoning_field", "grounded"];
const style = values.style as AnswerStyle | "grounded";
if (!styles.includes(style)) {
  console.error(`--style must be one of ${styles.join(", ")} (got "${values.style}")`);
  process.exit(2);
}
const reasoningFields = ["reasoning", "reasoning_content", "both", "inline"] as const;
const reasoningField = values["reasoning-field"] as (typeof reasoningFields)[number];
if (!reasoningFields.includes(reasoningField)) {
  console.error(`--reasoning-field must be one of ${reasoningFields.join(", ")}`);
  process.exit(2);
}

const latencyMs = Number(values["latency-ms"]);
const server = await startFakeVllm({
  port: Number(values.port),
  servedModelName: values.model,
  apiKey: values["api-key"],
  reasoningField,
  maxModelLen: Number(values["max-model-len"]),
  respond: style === "grounded" ? groundedBehavior({ wrongRate: Number(values["wrong-rate"]) }) : answerWith(guessLetter, style),
  latency: latencyMs > 0 ? { meanMs: latencyMs, jitterMs: Number(values["jitter-ms"]) } : undefined,
});
console.log(`fake vLLM serving "${values.model}" at ${server.url} (Ctrl-C to stop)`);
process.on("SIGINT", () => {
  void server.close().then(() => process.exit(0));
});
