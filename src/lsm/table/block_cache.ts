// A byte-bounded cache of table blocks, shared by every open table, evicting by CLOCK (an
// approximation of least recently used): a Map keeps its entries in insertion order; a hit
// only marks its entry used, and eviction takes from the front, giving a used entry a
// second chance (unmarked, moved to the back) instead. A hit costs one lookup; reordering
// the Map on every hit cost 12 % of a cached get. A second map lists each file's cached
// offsets, so evictFile() costs what that file has cached, not the whole cache.
//
// Admission (TinyLFU's doorkeeper): a block enters the cache only on its second miss in a
// while. A reader looking at random over far more data than the cache holds then neither
// allocates nor evicts for blocks it will not see again (readers read such blocks into a
// scratch buffer), and a scan does not push the hot blocks out; a block read twice is
// cached. The doorkeeper remembers misses until it holds twice the cache's block count.
//
// Key: fileNumber * 2^32 + offset, one number: file numbers below 2^21 and block offsets
// below 2^32 (4 GiB tables) keep it a safe integer; set() rejects others.

const TWO_32 = 0x1_0000_0000;
/** The doorkeeper remembers this many misses per block the cache holds... */
const DOORKEEPER_BLOCKS_PER_CACHED = 2;
/** ...counting blocks of this typical size (the default block size). */
const TYPICAL_BLOCK = 4096;
/** File numbers must stay below this for keys to stay safe integers. */
export const MAX_CACHE_FILE_NUMBER: number = 2 ** 21;

/** What a {@linkcode BlockCache} has done, counted since it was made. */
export interface BlockCacheStats {
  /** Lookups that found their block. */
  hits: number;
  /** Lookups that did not. */
  misses: number;
  /** The bytes of the blocks held now (each block counts its `byteLength`). */
  bytes: number;
  /** The number of blocks held now. */
  entries: number;
  /** Blocks dropped to make room (not counting evictFile()). */
  evictions: number;
}

/** A cached block, and whether a lookup found it since eviction last passed it. */
interface CacheEntry {
  block: Uint8Array;
  used: boolean;
}

/**
 * Caches blocks by (file number, offset), roughly least recently used first out once the
 * bytes held pass the capacity. Cached blocks are trusted: callers check them before `set()`.
 *
 * @example Caching a block
 * ```ts
 * import { BlockCache } from "./block_cache.ts";
 * import assert from "node:assert/strict";
 *
 * const cache = new BlockCache(8192);
 * cache.set(7, 0, new Uint8Array(4096));
 * assert.equal(cache.get(7, 0)?.length, 4096);
 * assert.equal(cache.get(7, 4096), undefined);
 * assert.deepEqual(cache.stats, { hits: 1, misses: 1, bytes: 4096, entries: 1, evictions: 0 });
 * ```
 */
export class BlockCache {
  /** Blocks by key, in the order eviction visits them. */
  readonly #blocks = new Map<number, CacheEntry>();
  /** The cached offsets of each file. */
  readonly #byFile = new Map<number, Set<number>>();
  readonly #capacity: number;
  /** Keys of blocks missed once, since the doorkeeper was last cleared. */
  readonly #doorkeeper = new Set<number>();
  readonly #stats: BlockCacheStats = { hits: 0, misses: 0, bytes: 0, entries: 0, evictions: 0 };

  /**
   * Makes an empty cache.
   *
   * @param capacityBytes The most block bytes to hold; 0 disables caching.
   * @throws {RangeError} If `capacityBytes` is not a non-negative safe integer.
   */
  constructor(capacityBytes: number) {
    if (!Number.isSafeInteger(capacityBytes) || capacityBytes < 0) {
      throw new RangeError(`Cache capacity ${capacityBytes} is not a non-negative integer`);
    }
    this.#capacity = capacityBytes;
  }

  /** The capacity in bytes. */
  get capacity(): number {
    return this.#capacity;
  }

  /** Live counters; read them, do not change them. */
  get stats(): Readonly<BlockCacheStats> {
    return this.#stats;
  }

  /**
   * Looks a block up and makes it the most recently used.
   *
   * @returns The cached block (shared: never write to it), or `undefined`.
   */
  get(fileNumber: number, offset: number): Uint8Array | undefined {
    const entry = this.#blocks.get(fileNumber * TWO_32 + offset);
    if (entry === undefined) {
      this.#stats.misses++;
      return undefined;
    }
    this.#stats.hits++;
    entry.used = true;
    return entry.block;
  }

  /**
   * Whether a block just missed should be cached: true when it was missed before, since the
   * doorkeeper was last cleared (and it is forgotten then); else the miss is remembered.
   * Always false with capacity 0.
   */
  admits(fileNumber: number, offset: number): boolean {
    if (this.#capacity === 0) return false;
    const key = fileNumber * TWO_32 + offset;
    if (this.#doorkeeper.delete(key)) return true;
    if (this.#doorkeeper.size >= DOORKEEPER_BLOCKS_PER_CACHED * this.#capacity / TYPICAL_BLOCK) {
      this.#doorkeeper.clear();
    }
    this.#doorkeeper.add(key);
    return false;
  }

  /**
   * Adds or replaces a block, then evicts the least recently used blocks past capacity.
   * A block larger than the capacity is not cached.
   *
   * @param fileNumber The table's file number, an integer from 0 to 2^21-1.
   * @param offset The block's offset in the file, an integer from 0 to 2^32-1.
   * @param block The block; retained, so the caller must never write to it again.
   * @throws {RangeError} If `fileNumber` or `offset` is out of range.
   */
  set(fileNumber: number, offset: number, block: Uint8Array): void {
    if (!Number.isInteger(fileNumber) || fileNumber < 0 || fileNumber >= MAX_CACHE_FILE_NUMBER) {
      throw new RangeError(`File number ${fileNumber} is not an integer from 0 to 2^21-1`);
    }
    if (!Number.isInteger(offset) || offset < 0 || offset >= TWO_32) {
      throw new RangeError(`Block offset ${offset} is not an integer from 0 to 2^32-1`);
    }
    if (block.byteLength > this.#capacity) return;
    const key = fileNumber * TWO_32 + offset;
    const old = this.#blocks.get(key);
    if (old !== undefined) {
      this.#blocks.delete(key);
      this.#stats.bytes -= old.block.byteLength;
      this.#stats.entries--;
    } else {
      let offsets = this.#byFile.get(fileNumber);
      if (offsets === undefined) this.#byFile.set(fileNumber, offsets = new Set());
      offsets.add(offset);
    }
    this.#blocks.set(key, { block, used: false });
    this.#stats.bytes += block.byteLength;
    this.#stats.entries++;
    while (this.#stats.bytes > this.#capacity) this.#evictOldest();
  }

  /** Drops every block of a file (when the file is deleted). */
  evictFile(fileNumber: number): void {
    const offsets = this.#byFile.get(fileNumber);
    if (offsets === undefined) return;
    for (const offset of offsets) {
      const key = fileNumber * TWO_32 + offset;
      this.#stats.bytes -= this.#blocks.get(key)!.block.byteLength;
      this.#stats.entries--;
      this.#blocks.delete(key);
    }
    this.#byFile.delete(fileNumber);
  }

  /** Evicts the first entry not used since eviction last passed it. */
  #evictOldest(): void {
    for (;;) {
      const [key, entry] = this.#blocks.entries().next().value!;
      this.#blocks.delete(key);
      if (entry.used) {
        entry.used = false;
        this.#blocks.set(key, entry);
        continue;
      }
      this.#drop(key, entry.block);
      return;
    }
  }

  #drop(key: number, block: Uint8Array): void {
    this.#stats.bytes -= block.byteLength;
    this.#stats.entries--;
    this.#stats.evictions++;
    const fileNumber = Math.floor(key / TWO_32);
    const offsets = this.#byFile.get(fileNumber)!;
    offsets.delete(key - fileNumber * TWO_32);
    if (offsets.size === 0) this.#byFile.delete(fileNumber);
  }
}
