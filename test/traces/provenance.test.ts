// Provenance of the traces medeval makes (generation: passages, generator, checkpoint, prompt
// hash, attempt, seed; translation: the source trace and translator) kept as store columns:
// through `traces import`, seen by `traces search` and `traces export` (lines and card), read
// back by the medeval-sft preset, and a store made before the columns existed still opens,
// selects, searches and exports, and takes the columns on its next import.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exportSft, type SftLine } from "../../harness/prompts/sft-export.ts";
import { scanTracesWithProvenance } from "../../harness/traces/all-traces.ts";
import { TRACE_PRESETS } from "../../harness/traces/field-map.ts";
import { importTraces } from "../../harness/traces/import.ts";
import { PROVENANCE_COLUMNS, type TraceProvenance } from "../../harness/traces/provenance.ts";
import { searchTraces } from "../../harness/traces/search.ts";
import { selectShots } from "../../harness/traces/select.ts";
import { TraceStore } from "../../harness/traces/store.ts";
import { medevalAsync, tempDir } from "../helpers.ts";
import { fillerTraces, item, trace, writeJsonl } from "./fixtures.ts";

const GENERATION: NonNullable<TraceProvenance["generation"]> = {
  task: "medqa.en",
  corpus: "medwiki",
  passage_ids: ["p12#0", "p7#3", "p1#1"],
  generator: { name: "qwen3-8b", served_model: "Qwen/Qwen3-8B", checkpoint: "/models/qwen3-8b" },
  prompt_hash: "a1b2c3",
  attempt: 2,
  seed: 1235,
};
const TRANSLATION: NonNullable<TraceProvenance["translation"]> = {
  source_trace_id: "medqa:7:gabcd1234",
  source_lang: "en",
  source_trace_hash: "f00d",
  translator: { name: "translator", served_model: "mt-model", checkpoint: null },
  prompt_hash: "d4e5f6",
};

const generated = (id: string, lang: string, question: string, provenance: TraceProvenance) => ({ ...trace(id, lang, question), ...provenance });

async function provenanceById(store: TraceStore, lang: string): Promise<Record<string, TraceProvenance | null>> {
  const out: Record<string, TraceProvenance | null> = {};
  for await (const t of scanTracesWithProvenance(store, lang)) out[t.id] = t.provenance;
  return out;
}

describe("provenance columns", () => {
  it("keep a generated and a translated trace's provenance through import, search and export; other traces have none", async () => {
    const dir = tempDir("medeval-prov-");
    const store = await TraceStore.open(join(dir, "store"));
    try {
      const report = await importTraces(store, writeJsonl(dir, "t.jsonl", [
        generated("gen-1", "en", "Chest pain radiating to the left arm in a smoker", { generation: GENERATION }),
        generated("tr-1", "it", "Dolore toracico irradiato al braccio sinistro in un fumatore", { generation: GENERATION, translation: TRANSLATION }),
        trace("plain-1", "en", "Fever and cough in a child"),
      ]));
      expect(report).toMatchObject({ added: 3, rejected: 0 });
      expect(await provenanceById(store, "en")).toEqual({ "gen-1": { generation: GENERATION }, "plain-1": null });
      expect(await provenanceById(store, "it")).toEqual({ "tr-1": { generation: GENERATION, translation: TRANSLATION } });

      const [hit] = await searchTraces(store, "chest pain smoker", { lang: "en", k: 1 });
      expect(hit).toMatchObject({ id: "gen-1", provenance: { generation: GENERATION } });

      const out = join(dir, "export");
      const card = await exportSft(store, { outDir: out, template: { name: "ft", format: { thinks: "none" } }, devFraction: 0 });
      expect(card.languages.en).toMatchObject({ train: 2, by_generator: { "qwen3-8b@/models/qwen3-8b": 1 }, by_translator: {} });
      expect(card.languages.it).toMatchObject({ train: 1, by_generator: { "qwen3-8b@/models/qwen3-8b": 1 }, by_translator: { translator: 1 } });
      const lines = readFileSync(join(out, "it", "train.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as SftLine);
      expect(lines[0].medeval).toMatchObject({ id: "tr-1", generation: GENERATION, translation: TRANSLATION });

      // The export read back by the medeval-sft preset keeps the provenance.
      const again = await TraceStore.open(join(dir, "again"));
      try {
        await importTraces(again, join(out, "it", "train.jsonl"), { fieldMap: TRACE_PRESETS["medeval-sft"] });
        expect(await provenanceById(again, "it")).toEqual({ "tr-1": { generation: GENERATION, translation: TRANSLATION } });
      } finally {
        again.close();
      }
    } finally {
      store.close();
    }
  });

  it("rejects a row whose provenance is malformed, naming the field", async () => {
    const dir = tempDir("medeval-prov-bad-");
    const store = await TraceStore.open(join(dir, "store"));
    try {
      const report = await importTraces(store, writeJsonl(dir, "t.jsonl", [generated("g", "en", "A question", { generation: { ...GENERATION, attempt: 0 } })]));
      expect(report.rejected).toBe(1);
      expect(report.rejects[0]).toMatchObject({ where: "line 1", field: "generation.attempt" });
    } finally {
      store.close();
    }
  });

  it("a store made before the columns existed opens, selects, searches and exports, and takes them on its next import", async () => {
    const dir = tempDir("medeval-prov-old-");
    const store = await TraceStore.open(join(dir, "store"));
    try {
      await importTraces(store, writeJsonl(dir, "a.jsonl", fillerTraces("en", 6)));
      const table = (await store.table("en"))!;
      await table.dropColumns([...PROVENANCE_COLUMNS]); // the old layout
      expect((await table.schema()).fields.map((f) => f.name)).not.toContain("generator");

      const q = item("1", "en", "Fever and cough in a child: what next?");
      expect((await selectShots(store, q, { k: 3, method: "bm25", seed: 1 })).shots).toHaveLength(3);
      expect((await searchTraces(store, "fever cough", { lang: "en", k: 2 })).every((h) => h.provenance === null)).toBe(true);
      const card = await exportSft(store, { outDir: join(dir, "export"), template: { name: "ft", format: { thinks: "none" } } });
      expect(card.languages.en.train + card.languages.en.dev).toBe(6);

      const report = await importTraces(store, writeJsonl(dir, "b.jsonl", [generated("gen-new", "en", "Fever and cough in a child with wheeze", { generation: GENERATION })]));
      expect(report.added).toBe(1);
      const byId = await provenanceById(store, "en");
      expect(byId["gen-new"]).toEqual({ generation: GENERATION });
      expect(Object.values(byId).filter((p) => p === null)).toHaveLength(6);
      expect((await selectShots(store, q, { k: 7, method: "random", seed: 2 })).shots).toHaveLength(7);
    } finally {
      store.close();
    }
  });

  it("traces search shows who made each trace", async () => {
    const home = tempDir("medeval-prov-cli-");
    const dir = tempDir();
    const file = writeJsonl(dir, "t.jsonl", [generated("tr-1", "it", "Dolore toracico irradiato al braccio sinistro", { generation: GENERATION, translation: TRANSLATION })]);
    const imported = await medevalAsync(["traces", "import", file, "--store", join(home, "store")], home);
    expect(`${imported.code} ${imported.stderr}`).toBe("0 ");
    const r = await medevalAsync(["traces", "search", "dolore toracico", "--lang", "it", "--store", join(home, "store")], home);
    expect(`${r.code} ${r.stderr}`).toBe("0 ");
    const text = r.stdout.replace(/[│\s]+/g, " ");
    expect(text).toContain("made by");
    expect(text).toContain("qwen3-8b@/models/qwen3-8b, attempt 2, 3 passages; translated from en medqa:7:gabcd1234 by translator");
  }, 60_000);
});
