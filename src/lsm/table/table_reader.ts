// Reads a table file with synchronous positional reads (docs/table_format.md). open()
// checks the header and footer and loads the filter, properties and index blocks, which
// the reader holds for its lifetime; data blocks are read on demand, one readAt of the
// block and its trailer each, CRC-checked once and then kept in the shared BlockCache.

import { ClosedError, CorruptionError } from "../../errors.ts";
import type { VfsFile } from "../../vfs/vfs.ts";
import type { InternalIterator } from "../_iterator.ts";
import {
  BLOCK_TRAILER_SIZE,
  type BlockHandle,
  checkBlockTrailer,
  checkTableHeader,
  decodeFooter,
  FOOTER_SIZE,
  HEADER_SIZE,
  readHandle,
} from "./_format.ts";
import { DecodedIndex } from "./_decoded_index.ts";
import { TableIterator } from "./_table_iterator.ts";
import { type Block, BlockIterator, parseBlock } from "./block.ts";
import { type BlockCache, MAX_CACHE_FILE_NUMBER } from "./block_cache.ts";
import { BloomFilter } from "./bloom.ts";
import { decodeProperties, type TableProperties } from "./properties.ts";

/** Where a {@linkcode TableReader} reads from. */
export interface TableReaderOptions {
  /** The table's file number, the first half of its blocks' cache keys; below 2^21. */
  fileNumber: number;
  /** The block cache, shared by every open table. */
  cache: BlockCache;
  /** The path to name in errors. Default: the file's path. */
  path?: string;
}

/** One version of a key, as {@linkcode TableReader.get} finds it. */
export interface TableEntry {
  /** The entry's sequence number. */
  seq: number;
  /** `Kind.PUT` or `Kind.DELETE`. */
  kind: number;
  /**
   * The value: a view into the block it was read from. For a block the cache did not take,
   * that is a scratch buffer shared by every table reader: copy the value before the next
   * read of any table.
   */
  value: Uint8Array;
}

/**
 * Reads one table. Any damage found raises `CorruptionError` naming the file and the
 * offset of the damaged block (or header or footer); damaged bytes are never returned.
 *
 * @example Writing and reading a table
 * ```ts
 * import { BlockCache, TableBuilder, TableReader } from "./mod.ts";
 * import { MemVfs } from "../../vfs/mem_vfs.ts";
 * import { Kind } from "../_internal_key.ts";
 * import assert from "node:assert/strict";
 *
 * const file = new MemVfs().open("/000001.sst", { create: true });
 * const builder = new TableBuilder(file, {});
 * const key = new TextEncoder().encode("k");
 * builder.add(key, 5, Kind.PUT, new TextEncoder().encode("new"));
 * builder.add(key, 3, Kind.PUT, new TextEncoder().encode("old"));
 * builder.finish();
 *
 * const reader = TableReader.open(file, { fileNumber: 1, cache: new BlockCache(1 << 20) });
 * assert.equal(new TextDecoder().decode(reader.get(key, 4)?.value), "old");
 * assert.equal(reader.get(key, 2), undefined);
 * reader.close();
 * ```
 */
export class TableReader {
  /** What the table holds, from its properties block. */
  readonly properties: TableProperties;
  readonly #file: VfsFile;
  readonly #path: string;
  readonly #fileNumber: number;
  readonly #cache: BlockCache;
  readonly #index: Block;
  readonly #filter: BloomFilter | undefined;
  /** The index, decoded for point reads. */
  readonly #decodedIndex: DecodedIndex;
  /** Scratch state for get(): JavaScript runs one call at a time, so one set suffices. */
  readonly #getData = new BlockIterator();
  readonly #getHandle: BlockHandle = { offset: 0, size: 0 };
  readonly #load = (handle: BlockHandle): Block => this.#dataBlock(handle, false);
  #closed = false;

  private constructor(
    file: VfsFile,
    options: TableReaderOptions,
    index: Block,
    filter: BloomFilter | undefined,
    properties: TableProperties,
  ) {
    this.#file = file;
    this.#path = options.path ?? file.path;
    this.#fileNumber = options.fileNumber;
    this.#cache = options.cache;
    this.#index = index;
    this.#filter = filter;
    this.properties = properties;
    this.#decodedIndex = DecodedIndex.decode(index);
  }

  /**
   * Opens a table: checks the header and footer, reads and checks the filter,
   * properties and index blocks, and checks that the index's block handles tile the
   * data area. The reader owns `file` from now on and closes it in `close()`.
   *
   * @param file The table file, open for reading.
   * @param options File number, block cache, and the path to name in errors.
   * @returns The reader.
   * @throws {CorruptionError} If any of those checks fails.
   * @throws {RangeError} If `fileNumber` is not an integer from 0 to 2^21-1.
   */
  static open(file: VfsFile, options: TableReaderOptions): TableReader {
    const { fileNumber } = options;
    if (!Number.isInteger(fileNumber) || fileNumber < 0 || fileNumber >= MAX_CACHE_FILE_NUMBER) {
      throw new RangeError(`File number ${fileNumber} is not an integer from 0 to 2^21-1`);
    }
    const path = options.path ?? file.path;
    const size = file.size();
    const footerOffset = Math.max(0, size - FOOTER_SIZE);
    if (size < HEADER_SIZE + FOOTER_SIZE) {
      throw new CorruptionError(path, footerOffset, `file of ${size} bytes is too short`);
    }
    const header = readExactly(file, path, 0, HEADER_SIZE);
    const headerProblem = checkTableHeader(header);
    if (headerProblem !== undefined) throw new CorruptionError(path, 0, headerProblem);
    const footer = decodeFooter(readExactly(file, path, footerOffset, FOOTER_SIZE));
    if (typeof footer === "string") throw new CorruptionError(path, footerOffset, footer);
    const { filter, properties, index } = footer;
    if (
      filter.offset < HEADER_SIZE || end(filter) !== properties.offset ||
      end(properties) !== index.offset || end(index) !== footerOffset
    ) {
      throw new CorruptionError(path, footerOffset, "footer block handles do not fit the file");
    }

    const props = decodeProperties(readBlock(file, path, properties));
    if (typeof props === "string") throw new CorruptionError(path, properties.offset, props);
    const filterContents = readBlock(file, path, filter);
    let bloom: BloomFilter | undefined;
    if (filterContents.length > 0) {
      try {
        bloom = new BloomFilter(filterContents);
      } catch (error) {
        throw new CorruptionError(path, filter.offset, "bad filter block", { cause: error });
      }
    }
    const indexBlock = parseBlock(readBlock(file, path, index), path, index.offset);
    checkIndex(indexBlock, filter.offset, props.dataBlocks);
    return new TableReader(file, options, indexBlock, bloom, props);
  }

  /**
   * Asks the bloom filter whether the table may hold `key`.
   *
   * @param key A user key.
   * @returns `false` only if no entry of the table has this user key.
   */
  mayContain(key: Uint8Array): boolean {
    return this.#filter === undefined || this.#filter.mayContain(key);
  }

  /**
   * Finds the newest entry of exactly `key` whose sequence number is at most `seq`,
   * consulting the bloom filter first.
   *
   * @param key A user key.
   * @param seq The snapshot's sequence number.
   * @returns The entry (a delete is returned as one, with `kind` DELETE), or `undefined`.
   * @throws {CorruptionError} If the data block is damaged.
   * @throws {ClosedError} After `close()`.
   */
  get(key: Uint8Array, seq: number): TableEntry | undefined {
    if (this.#closed) throw new ClosedError(`Table ${this.#path} is closed`);
    if (this.#filter !== undefined && !this.#filter.mayContain(key)) return undefined;
    if (!this.#decodedIndex.find(key, seq, this.#getHandle)) return undefined;
    const data = this.#getData;
    data.reset(this.#dataBlock(this.#getHandle, true));
    data.seek(key, seq);
    if (!data.valid() || !data.userKeyEquals(key)) return undefined;
    return { seq: data.seq(), kind: data.kind(), value: data.value() };
  }

  /**
   * Makes an iterator over every entry, loading data blocks as it reaches them.
   * REQUIRES: it is closed before the reader is.
   *
   * @returns A new, unpositioned iterator.
   * @throws {ClosedError} After `close()`.
   */
  iterator(): InternalIterator {
    if (this.#closed) throw new ClosedError(`Table ${this.#path} is closed`);
    return new TableIterator(this.#index, this.#load);
  }

  /** Closes the file. Cached blocks stay in the cache (see `BlockCache.evictFile`). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#file.close();
  }

  /**
   * The data block at `handle`: from the cache, or read and checked, and cached if the cache
   * admits it. A block the cache does not take is read into an array of its own (an
   * iterator holds it), or, for one point read (`transient`), into the shared scratch buffer
   * (no allocation, no eviction).
   */
  #dataBlock(handle: BlockHandle, transient: boolean): Block {
    const cached = this.#cache.get(this.#fileNumber, handle.offset);
    if (cached !== undefined) return parseBlock(cached, this.#path, handle.offset);
    const admitted = this.#cache.admits(this.#fileNumber, handle.offset);
    let contents: Uint8Array;
    if (admitted || !transient) {
      contents = readBlock(this.#file, this.#path, handle);
      if (admitted) this.#cache.set(this.#fileNumber, handle.offset, contents);
    } else {
      const length = handle.size + BLOCK_TRAILER_SIZE;
      if (scratch.length < length) scratch = new Uint8Array(Math.max(length, scratch.length * 2));
      contents = checkedBlock(this.#file, this.#path, handle, scratch.subarray(0, length));
    }
    return parseBlock(contents, this.#path, handle.offset);
  }
}

/** The offset just past a block's trailer. */
function end(handle: BlockHandle): number {
  return handle.offset + handle.size + BLOCK_TRAILER_SIZE;
}

/** Reads `length` bytes at `offset` into a new array; a short read is corruption. */
function readExactly(file: VfsFile, path: string, offset: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  const read = file.readAt(bytes, offset);
  if (read !== length) {
    throw new CorruptionError(path, offset, `read ${read} of ${length} bytes: file is cut short`);
  }
  return bytes;
}

/**
 * Reads a block and its trailer with one readAt and checks the trailer.
 *
 * @returns The contents: a view of a new array, which the caller may keep.
 */
function readBlock(file: VfsFile, path: string, handle: BlockHandle): Uint8Array {
  return checkedBlock(file, path, handle, new Uint8Array(handle.size + BLOCK_TRAILER_SIZE));
}

/** Where point reads put blocks the cache does not take; grown as blocks need. */
let scratch = new Uint8Array(8 * 1024);

/**
 * Reads a block and its trailer into `into` (exactly their length) and checks the trailer.
 *
 * @returns The contents: a view of `into`.
 */
function checkedBlock(
  file: VfsFile,
  path: string,
  handle: BlockHandle,
  into: Uint8Array,
): Uint8Array {
  const read = file.readAt(into, handle.offset);
  if (read !== into.length) {
    throw new CorruptionError(
      path,
      handle.offset,
      `read ${read} of ${into.length} bytes: file is cut short`,
    );
  }
  const problem = checkBlockTrailer(into);
  if (problem !== undefined) throw new CorruptionError(path, handle.offset, problem);
  return into.subarray(0, handle.size);
}

/**
 * Walks the index once: every handle decodes, the data blocks follow each other from the
 * header to `dataEnd` without gaps, and there are `dataBlocks` of them.
 */
function checkIndex(index: Block, dataEnd: number, dataBlocks: number): void {
  const iterator = new BlockIterator(index);
  const handle: BlockHandle = { offset: 0, size: 0 };
  let expected = HEADER_SIZE;
  let count = 0;
  for (iterator.seekToFirst(); iterator.valid(); iterator.next()) {
    try {
      readHandle(iterator.value(), handle);
    } catch (error) {
      throw new CorruptionError(index.file, index.offset, "bad block handle in index", {
        cause: error,
      });
    }
    if (handle.offset !== expected) {
      throw new CorruptionError(index.file, index.offset, "index block handles leave a gap");
    }
    expected = end(handle);
    count++;
  }
  if (expected !== dataEnd || count !== dataBlocks) {
    throw new CorruptionError(
      index.file,
      index.offset,
      `index lists ${count} blocks ending at ${expected}; expected ${dataBlocks} ending at ${dataEnd}`,
    );
  }
}
