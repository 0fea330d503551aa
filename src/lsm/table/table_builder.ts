// Writes a table file: the header, data blocks cut at `blockSize`, then the filter,
// properties and index blocks and the footer (docs/table_format.md). Output is gathered
// in memory and handed to `file.append` in chunks of about 64 KiB.
//
//   | header | data block 0 | ... | data block n | filter | properties | index | footer |
//
// Each index entry maps a separator internal key (>= every key of its block, < every key
// of the next block) to the block's handle, as two varints.

import { ClosedError } from "../../errors.ts";
import type { VfsFile } from "../../vfs/vfs.ts";
import { Kind, MAX_SEQUENCE } from "../_internal_key.ts";
import {
  BLOCK_TRAILER_SIZE,
  type BlockHandle,
  encodeFooter,
  encodeHeader,
  FOOTER_SIZE,
  HEADER_SIZE,
  writeBlockTrailer,
  writeHandle,
} from "./_format.ts";
import { BlockBuilder, DEFAULT_RESTART_INTERVAL } from "./block_builder.ts";
import { BloomFilterBuilder, DEFAULT_BLOOM_BITS_PER_KEY } from "./bloom.ts";
import { encodeProperties, type TableProperties } from "./properties.ts";

/** Data blocks are cut once their contents reach this many bytes, unless told otherwise. */
export const DEFAULT_BLOCK_SIZE = 4096;
/** Output is appended to the file once this much is buffered. */
const FLUSH_BYTES = 64 * 1024;

/** How a {@linkcode TableBuilder} lays out its table. */
export interface TableBuilderOptions {
  /** Cut a data block once its contents reach this many bytes. Default 4096. */
  blockSize?: number;
  /** Entries between restart points in data blocks. Default 16. */
  restartInterval?: number;
  /** Bloom filter bits per user key; 0 writes no filter. Default 10. */
  bloomBitsPerKey?: number;
}

/**
 * Writes one table from entries added in internal-key order.
 *
 * The legal call order: `add()` any number of times, then `finish()` once; then the
 * caller syncs and closes the file. An abandoned builder leaves a partial file that the
 * caller removes.
 *
 * @example Writing a table
 * ```ts
 * import { TableBuilder } from "./table_builder.ts";
 * import { MemVfs } from "../../vfs/mem_vfs.ts";
 * import { Kind } from "../_internal_key.ts";
 * import assert from "node:assert/strict";
 *
 * const file = new MemVfs().open("/000001.sst", { create: true });
 * const builder = new TableBuilder(file, {});
 * const value = new TextEncoder().encode("v");
 * builder.add(new TextEncoder().encode("a"), 2, Kind.PUT, value);
 * builder.add(new TextEncoder().encode("b"), 1, Kind.DELETE, new Uint8Array());
 * const properties = builder.finish();
 * assert.equal(properties.entries, 2);
 * assert.equal(properties.tombstones, 1);
 * ```
 */
export class TableBuilder {
  readonly #file: VfsFile;
  readonly #blockSize: number;
  readonly #data: BlockBuilder;
  readonly #index = new BlockBuilder(1);
  readonly #filter: BloomFilterBuilder | undefined;
  /** Output not yet appended; it goes at file offset #flushed. */
  #out: Uint8Array = new Uint8Array(FLUSH_BYTES + 8192);
  #outLength = 0;
  #flushed = 0;
  /** A data block whose index entry waits for the next key (to pick a separator). */
  #pending: BlockHandle | undefined;
  readonly #handleScratch = new Uint8Array(16);
  #lastKey: Uint8Array = new Uint8Array(64);
  #lastKeyLength = 0;
  #lastSeq = 0;
  #lastKind: Kind = Kind.PUT;
  readonly #props: TableProperties = {
    entries: 0,
    tombstones: 0,
    rawKeyBytes: 0,
    rawValueBytes: 0,
    dataBlocks: 0,
    minSeq: 0,
    maxSeq: 0,
    smallestKey: new Uint8Array(0),
    smallestSeq: 0,
    largestKey: new Uint8Array(0),
    largestSeq: 0,
  };
  #finished = false;

  /**
   * Starts a table in an empty file and buffers its header.
   *
   * @param file An empty file opened for appending; the builder appends to it but never
   * syncs or closes it.
   * @param options Block size, restart interval and bloom filter density.
   * @throws {RangeError} If the file is not empty or an option is out of range.
   */
  constructor(file: VfsFile, options: TableBuilderOptions) {
    const { blockSize = DEFAULT_BLOCK_SIZE, restartInterval = DEFAULT_RESTART_INTERVAL } = options;
    const bloomBitsPerKey = options.bloomBitsPerKey ?? DEFAULT_BLOOM_BITS_PER_KEY;
    if (!Number.isInteger(blockSize) || blockSize < 1 || blockSize > 64 * 1024 * 1024) {
      throw new RangeError(`Block size ${blockSize} is not an integer from 1 to 64 MiB`);
    }
    if (!Number.isInteger(bloomBitsPerKey) || bloomBitsPerKey < 0 || bloomBitsPerKey > 1000) {
      throw new RangeError(
        `Bloom bits per key ${bloomBitsPerKey} is not an integer from 0 to 1000`,
      );
    }
    if (file.size() !== 0) throw new RangeError(`Table file ${file.path} is not empty`);
    this.#file = file;
    this.#blockSize = blockSize;
    this.#data = new BlockBuilder(restartInterval);
    this.#filter = bloomBitsPerKey === 0 ? undefined : new BloomFilterBuilder(bloomBitsPerKey);
    encodeHeader(this.#out);
    this.#outLength = HEADER_SIZE;
  }

  /** The number of entries added so far. */
  get entries(): number {
    return this.#props.entries;
  }

  /** About how many bytes the file would have if finished now (without filter and footer). */
  get estimatedSize(): number {
    return this.#flushed + this.#outLength + this.#data.estimatedSize +
      this.#index.estimatedSize;
  }

  /**
   * Adds an entry. `key` and `value` are copied, not retained.
   *
   * @param key The user key (may be empty).
   * @param seq The sequence number, an integer from 0 to MAX_SEQUENCE.
   * @param kind `Kind.PUT` or `Kind.DELETE`.
   * @param value The value (empty for a delete).
   * @throws {RangeError} If `seq` or `kind` is out of range, or `(key, seq)` does not sort
   * strictly after the previous entry in internal order.
   * @throws {ClosedError} After `finish()`.
   */
  add(key: Uint8Array, seq: number, kind: Kind, value: Uint8Array): void {
    if (this.#finished) throw new ClosedError("Table builder is finished");
    if (!Number.isInteger(seq) || seq < 0 || seq > MAX_SEQUENCE) {
      throw new RangeError(`Sequence number ${seq} is not an integer from 0 to 2^45-1`);
    }
    if (kind !== Kind.PUT && kind !== Kind.DELETE) {
      throw new RangeError(`Kind ${kind} is not PUT (1) or DELETE (0)`);
    }
    const props = this.#props;
    const first = props.entries === 0;
    const byKey = first ? 1 : this.#compareToLast(key);
    if (byKey < 0 || (byKey === 0 && seq >= this.#lastSeq)) {
      throw new RangeError(
        `Entry (key of ${key.length} bytes, seq ${seq}) does not sort after the previous entry`,
      );
    }
    if (this.#pending !== undefined) this.#addIndexEntry(key);
    if (byKey !== 0) this.#filter?.add(key);

    this.#data.add(key, seq, kind, value);
    if (first) {
      props.smallestKey = key.slice();
      props.smallestSeq = seq;
      props.minSeq = seq;
      props.maxSeq = seq;
    } else {
      if (seq < props.minSeq) props.minSeq = seq;
      if (seq > props.maxSeq) props.maxSeq = seq;
    }
    props.entries++;
    if (kind === Kind.DELETE) props.tombstones++;
    props.rawKeyBytes += key.length;
    props.rawValueBytes += value.length;
    this.#setLast(key, seq, kind);
    if (this.#data.estimatedSize >= this.#blockSize) this.#flushDataBlock();
  }

  /**
   * Writes the last data block, the filter, properties and index blocks and the footer,
   * and appends everything still buffered. Does not sync: the caller does.
   *
   * @returns The table's properties (the keys are copies the caller may keep).
   * @throws {ClosedError} If called twice.
   */
  finish(): TableProperties {
    if (this.#finished) throw new ClosedError("Table builder is finished");
    this.#finished = true;
    const props = this.#props;
    if (this.#data.entries > 0) this.#flushDataBlock();
    if (this.#pending !== undefined) {
      this.#addIndex(this.#lastKey.subarray(0, this.#lastKeyLength), this.#lastSeq, this.#lastKind);
    }
    if (props.entries > 0) {
      props.largestKey = this.#lastKey.slice(0, this.#lastKeyLength);
      props.largestSeq = this.#lastSeq;
    }
    const filter = this.#writeBlock(this.#filter?.finish() ?? new Uint8Array(0));
    const properties = this.#writeBlock(encodeProperties(props));
    const index = this.#writeBlock(this.#index.finish());
    this.#reserve(FOOTER_SIZE);
    encodeFooter(this.#out.subarray(this.#outLength), { index, filter, properties });
    this.#outLength += FOOTER_SIZE;
    this.#flush();
    return { ...props };
  }

  #flushDataBlock(): void {
    this.#pending = this.#writeBlock(this.#data.finish());
    this.#data.reset();
    this.#props.dataBlocks++;
  }

  /**
   * Adds the pending block's index entry with a separator between the last key and
   * `next`: a short user key between the two (with the largest sequence number, so it
   * sorts before every real entry of that key), else the last key itself.
   */
  #addIndexEntry(next: Uint8Array): void {
    const last = this.#lastKey;
    const lastLength = this.#lastKeyLength;
    const limit = Math.min(lastLength, next.length);
    let i = 0;
    while (i < limit && last[i] === next[i]) i++;
    if (i < limit && i + 1 < lastLength) {
      const byte = last[i]!;
      if (byte < 0xff && byte + 1 < next[i]!) {
        const separator = last.slice(0, i + 1);
        separator[i] = byte + 1;
        this.#addIndex(separator, MAX_SEQUENCE, Kind.PUT);
        return;
      }
    }
    this.#addIndex(last.subarray(0, lastLength), this.#lastSeq, this.#lastKind);
  }

  #addIndex(key: Uint8Array, seq: number, kind: Kind): void {
    const handleLength = writeHandle(this.#handleScratch, 0, this.#pending!);
    this.#index.add(key, seq, kind, this.#handleScratch.subarray(0, handleLength));
    this.#pending = undefined;
  }

  /** Buffers `contents` and its trailer; returns the block's handle. */
  #writeBlock(contents: Uint8Array): BlockHandle {
    this.#reserve(contents.length + BLOCK_TRAILER_SIZE);
    const handle = { offset: this.#flushed + this.#outLength, size: contents.length };
    this.#out.set(contents, this.#outLength);
    this.#outLength = writeBlockTrailer(this.#out, this.#outLength + contents.length, contents);
    if (this.#outLength >= FLUSH_BYTES) this.#flush();
    return handle;
  }

  #flush(): void {
    if (this.#outLength === 0) return;
    this.#file.append(this.#out.subarray(0, this.#outLength));
    this.#flushed += this.#outLength;
    this.#outLength = 0;
  }

  #reserve(n: number): void {
    const needed = this.#outLength + n;
    if (needed <= this.#out.length) return;
    const grown = new Uint8Array(Math.max(needed, this.#out.length * 2));
    grown.set(this.#out.subarray(0, this.#outLength));
    this.#out = grown;
  }

  /** Compares `key` with the last user key, bytewise. */
  #compareToLast(key: Uint8Array): number {
    const last = this.#lastKey;
    const lastLength = this.#lastKeyLength;
    const n = Math.min(lastLength, key.length);
    for (let i = 0; i < n; i++) {
      const d = key[i]! - last[i]!;
      if (d !== 0) return d;
    }
    return key.length - lastLength;
  }

  #setLast(key: Uint8Array, seq: number, kind: Kind): void {
    if (this.#lastKey.length < key.length) {
      this.#lastKey = new Uint8Array(Math.max(key.length, this.#lastKey.length * 2));
    }
    this.#lastKey.set(key, 0);
    this.#lastKeyLength = key.length;
    this.#lastSeq = seq;
    this.#lastKind = kind;
  }
}
