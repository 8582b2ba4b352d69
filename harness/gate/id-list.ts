// Sorted item-id lists, stored compressed. Ids dominate a baseline's size (MedMCQA ids are
// UUIDs); brotli at its best setting packs random UUIDs ~9% tighter than deflate, and
// sorted ids share prefixes that both remove.
import { brotliCompressSync, brotliDecompressSync, constants } from "node:zlib";
import { sha256 } from "../hash.ts";

export interface EncodedIdList {
  count: number;
  /** sha256 of the ids joined by "\n": detects a damaged or hand-edited list. */
  sha256: string;
  brotli_base64: string;
}

function compress(data: Buffer): Buffer {
  return brotliCompressSync(data, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  });
}

export function encodeIdList(sortedIds: readonly string[]): EncodedIdList {
  for (const id of sortedIds) {
    if (id.includes("\n")) throw new RangeError(`item id ${JSON.stringify(id)} contains a newline; it cannot be stored in a baseline`);
  }
  const joined = sortedIds.join("\n");
  return {
    count: sortedIds.length,
    sha256: sha256(joined),
    brotli_base64: compress(Buffer.from(joined, "utf8")).toString("base64"),
  };
}

/** The ids back; throws a RangeError saying what is wrong when the list does not check out. */
export function decodeIdList(list: EncodedIdList): string[] {
  let joined: string;
  try {
    joined = brotliDecompressSync(Buffer.from(list.brotli_base64, "base64")).toString("utf8");
  } catch (err) {
    throw new RangeError(`cannot decompress (${(err as Error).message})`);
  }
  if (sha256(joined) !== list.sha256) throw new RangeError("sha256 does not match the ids (damaged or edited)");
  const ids = list.count === 0 ? [] : joined.split("\n");
  if (ids.length !== list.count) throw new RangeError(`holds ${ids.length} ids, count says ${list.count}`);
  return ids;
}

/** Code-unit order, the same on every machine (no locale). */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
