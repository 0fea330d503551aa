/**
 * The SSTable layer of the LSM engine: sorted, immutable table files of internal keys,
 * written once by {@linkcode TableBuilder} and read with synchronous positional reads by
 * {@linkcode TableReader} through a byte-bounded {@linkcode BlockCache}. The format is
 * specified byte by byte in `docs/table_format.md`. Internal: not exported from the
 * package root.
 *
 * @example Writing a table and scanning it
 * ```ts
 * import { BlockCache, TableBuilder, TableReader } from "./mod.ts";
 * import { MemVfs } from "../../vfs/mem_vfs.ts";
 * import { Kind } from "../_internal_key.ts";
 * import assert from "node:assert/strict";
 *
 * const file = new MemVfs().open("/000007.sst", { create: true });
 * const builder = new TableBuilder(file, { blockSize: 64 });
 * for (let i = 0; i < 100; i++) {
 *   builder.add(new TextEncoder().encode(`key${1000 + i}`), i + 1, Kind.PUT, new Uint8Array(8));
 * }
 * builder.finish();
 *
 * const reader = TableReader.open(file, { fileNumber: 7, cache: new BlockCache(1 << 20) });
 * const iterator = reader.iterator();
 * let count = 0;
 * for (iterator.seekToFirst(); iterator.valid(); iterator.next()) count++;
 * assert.equal(count, 100);
 * iterator.close();
 * reader.close();
 * ```
 *
 * @module
 */

export { type Block, BlockIterator, parseBlock } from "./block.ts";
export { BlockBuilder, DEFAULT_RESTART_INTERVAL } from "./block_builder.ts";
export { BlockCache, type BlockCacheStats, MAX_CACHE_FILE_NUMBER } from "./block_cache.ts";
export { BloomFilter, BloomFilterBuilder, DEFAULT_BLOOM_BITS_PER_KEY } from "./bloom.ts";
export type { TableProperties } from "./properties.ts";
export { DEFAULT_BLOCK_SIZE, TableBuilder, type TableBuilderOptions } from "./table_builder.ts";
export { type TableEntry, TableReader, type TableReaderOptions } from "./table_reader.ts";
