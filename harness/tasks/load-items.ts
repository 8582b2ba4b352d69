// A task's test set or few-shot pool as canonical Items, with a record of where they came
// from (file hashes, Hub revision, items hash) for run.json. A local file under the data
// directory wins when it is there; otherwise the Hub copy is downloaded (and cached).
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { downloadHubFile, hashFile } from "../data/hub-download.ts";
import { readJsonDocument } from "../data/read-json.ts";
import { readRecords, readRecordsLazily } from "../data/read-records.ts";
import type { SourceRecord } from "../data/records.ts";
import { dataDir as dataDirFromEnv, medevalHome } from "../env.ts";
import { sha256 } from "../hash.ts";
import { UserError, type Item, type TaskSourceRecord } from "../types.ts";
import { PREPROCESSES } from "./preprocess.ts";
import type { HubSourceSpec, LocalSourceSpec, Split, TaskSpec } from "./task-spec.ts";
import { matchesFilter, recordId, recordToItem } from "../data/to-item.ts";

export interface LoadItemsOptions {
  /** Local data directory; $MEDEVAL_DATA_DIR when not given. */
  dataDir?: string;
  /** $MEDEVAL_HOME (the Hub cache lives in its hub/ folder) when not given. */
  home?: string;
  /** Injected in tests. */
  fetch?: typeof fetch;
  /** Never download: only a local file or the Hub cache. */
  offline?: boolean;
}

export interface LoadedItems {
  items: Item[];
  source: TaskSourceRecord;
}

export async function loadItems(task: TaskSpec, split: Split, opts: LoadItemsOptions = {}): Promise<LoadedItems> {
  const spec = task[split];
  if (!spec) throw noSourceError(task, split);
  const dataDir = opts.dataDir ?? dataDirFromEnv();

  if (spec.local && dataDir && existsSync(join(dataDir, spec.local.path))) {
    const file = join(dataDir, spec.local.path);
    const fileHash = await hashFile(file);
    if (spec.local.sha256 && spec.local.sha256 !== fileHash) {
      throw new UserError(
        `${file}: sha256 ${fileHash.slice(0, 12)}… is not the ${spec.local.sha256.slice(0, 12)}… registered for ${task.id} in ${task.file}; ` +
          "the file changed since it was registered: translate again or restore the file",
      );
    }
    const items = await itemsFromFile(file, spec.local, task);
    return {
      items,
      source: {
        task: task.id,
        kind: "local",
        location: file,
        files: [{ path: spec.local.path, sha256: fileHash }],
        items_hash: itemsHash(items),
        n: items.length,
      },
    };
  }
  if (spec.hub) {
    const download = await downloadHubFile(spec.hub, {
      home: opts.home ?? medevalHome(),
      fetch: opts.fetch,
      offline: opts.offline,
      configuredIn: `${task.file} (languages.${task.lang}.${split}.hub)`,
    });
    const items = await itemsFromFile(download.file, spec.hub, task);
    return {
      items,
      source: {
        task: task.id,
        kind: "hub",
        location: spec.hub.repo,
        revision: download.commit ?? spec.hub.revision,
        files: [{ path: spec.hub.path, sha256: download.sha256 }],
        items_hash: itemsHash(items),
        n: items.length,
      },
    };
  }
  throw missingLocalError(task, split, spec.local!, dataDir);
}

/** sha256 over the item hashes in order, one per line. */
export function itemsHash(items: Item[]): string {
  return sha256(items.map((item) => item.hash).join("\n"));
}

async function itemsFromFile(file: string, source: LocalSourceSpec | HubSourceSpec, task: TaskSpec): Promise<Item[]> {
  const records = await readSourceRecords(file, source);
  const items: Item[] = [];
  const seen = new Map<string, string>();
  const excluded = new Set(source.exclude ?? []);
  for (const record of records) {
    if (!matchesFilter(record, source.filter)) continue;
    if (excluded.size > 0) {
      const id = recordId(record, source.fields, file);
      if (excluded.has(id)) {
        excluded.delete(id);
        continue;
      }
    }
    const item = recordToItem(record, source.fields, { file, lang: task.lang, subject: task.subject });
    const first = seen.get(item.id);
    if (first !== undefined) {
      throw new UserError(`${file}, ${record.where}: duplicate id "${item.id}" (first at ${first}). Ids must be unique within a task; check the \`id\` field mapping in ${task.file}.`);
    }
    seen.set(item.id, record.where);
    items.push(item);
  }
  if (excluded.size > 0) {
    // A stale exclude list would silently stop protecting anything: say so.
    throw new UserError(`${file}: \`exclude\` in ${task.file} names ids not found in the file: ${[...excluded].join(", ")}. Remove them from the list.`);
  }
  if (items.length === 0) {
    const filter = source.filter ? ` after the filter ${JSON.stringify(source.filter)}` : "";
    throw new UserError(`${file}: no items for ${task.id}${filter}. Check the source in ${task.file}.`);
  }
  return items;
}

async function readSourceRecords(file: string, source: LocalSourceSpec | HubSourceSpec): Promise<Iterable<SourceRecord>> {
  const preprocess = source.preprocess ? PREPROCESSES[source.preprocess] : undefined;
  if (preprocess?.reads === "document") return preprocess.run(await readJsonDocument(file), file);
  if (preprocess) return preprocess.run(await readRecords(file, source.format), file);
  // Records become items one at a time: the items are kept, not the records as well.
  return readRecordsLazily(file, source.format);
}

const SPLIT_WORDS: Record<Split, string> = { test: "test set", pool: "few-shot pool", train: "training split" };

function noSourceError(task: TaskSpec, split: Split): UserError {
  const at = `languages.${task.lang}.${split}`;
  return new UserError(
    `${task.id} has no ${SPLIT_WORDS[split]} configured: no public source is known for it. To add one, edit ${task.file}:\n` +
      `  - a file in your data directory: ${at}.local: { path: <file relative to --data-dir>, format: jsonl|json|csv|parquet, fields: {...} }\n` +
      `  - or a Hugging Face dataset:     ${at}.hub: { repo: owner/name, revision: <commit sha>, path: <file in the repo>, format: ..., fields: {...} }\n` +
      `  fields maps question, options, answer (and optionally id, subject); the file's other languages are worked examples.\n` +
      `  Or keep your own task files in a folder and pass --tasks-dir DIR.`,
  );
}

function missingLocalError(task: TaskSpec, split: Split, local: LocalSourceSpec, dataDir: string | undefined): UserError {
  const at = `languages.${task.lang}.${split}`;
  const where = dataDir
    ? `${join(dataDir, local.path)} does not exist`
    : `no data directory is set (pass --data-dir DIR or set MEDEVAL_DATA_DIR)`;
  return new UserError(
    `${task.id}: the ${split} data is configured only as the local file ${local.path} (${relative(process.cwd(), task.file)}, ${at}.local), and ${where}. ` +
      `Put the file there (${local.format.type}, fields as mapped in the task file), or add a Hub source under ${at}.hub.`,
  );
}
