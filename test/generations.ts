// ../shared/generations/generations.jsonl: real model outputs with gold answers, read by the
// extraction tests and the extraction agreement bench.
import { readFileSync } from "node:fs";

export interface Generation {
  source: string;
  model: string;
  method: string;
  dataset: string;
  item_id: string;
  options: Record<string, string>;
  gold: string;
  text: string;
  reasoning: string | null;
  source_extraction: string | null;
  source_marked_correct: boolean | null;
}

export function loadGenerations(path: string): Generation[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Generation);
}
