// Reads items by index: from the memory cache, or with one positional read of the item's
// record in its segment's items file, checking that the record holds that very item.

import { CorruptionError } from "../errors.ts";
import { readU64LE } from "../encoding/fixed.ts";
import { ITEM_INDEX_SIZE } from "./_format.ts";
import { readFramedRecord } from "./_framed_file.ts";
import { ItemCache } from "./_item_cache.ts";
import type { Segment } from "./_segment.ts";

/** Reads items through a byte-bounded cache (`maxChunk`). */
export class ItemReader {
  readonly cache: ItemCache;
  /** Reads served from the cache. */
  hits = 0;
  /** Reads from disk. */
  diskReads = 0;

  constructor(maxChunk: number) {
    this.cache = new ItemCache(maxChunk);
  }

  /**
   * Reads the item `index` of `segment`. REQUIRES: `segment.holds(index)`.
   *
   * @returns A copy of the item's bytes.
   * @throws {CorruptionError} When the stored record fails a check or holds another item.
   */
  read(segment: Segment, index: number): Uint8Array {
    const cached = this.cache.get(index);
    if (cached !== undefined) {
      this.hits++;
      return cached;
    }
    const offset = segment.positions[index - segment.firstIndex]!;
    const record = readFramedRecord(segment.reader!, segment.items, offset, segment.itemsEnd);
    this.diskReads++;
    if (record.length < ITEM_INDEX_SIZE || readU64LE(record, 0) !== index) {
      throw new CorruptionError(segment.items.path, offset, `record does not hold item ${index}`);
    }
    const data = record.subarray(ITEM_INDEX_SIZE);
    this.cache.put(index, data);
    return data;
  }
}
