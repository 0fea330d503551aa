// Reads the blocks BlockBuilder writes: `parseBlock` checks the restart array's bounds,
// and BlockIterator walks the entries (binary search over restart points for seeks,
// LevelDB-style re-scan from the previous restart point for prev()). Layout:
//
//   | entry 0 | entry 1 | ... | restart[0] (u32) | ... | restart[n-1] (u32) | n (u32) |
//   entry: shared (varint) | non_shared (varint) | value_len (varint) | key_delta | value
//
// Every entry is checked as it is decoded (lengths within the entry area, a restart
// entry shares nothing, the trailer's kind is PUT or DELETE); a failed check throws
// CorruptionError naming the file and the block's file offset.

import { readVarint, varintLength } from "../../encoding/varint.ts";
import { CorruptionError } from "../../errors.ts";
import type { InternalIterator } from "../_iterator.ts";
import { Kind, TRAILER_SIZE } from "../_internal_key.ts";

/** A parsed block. Its bytes are never written: views into them stay valid. */
export interface Block {
  /** The block's contents (no trailer). */
  readonly data: Uint8Array;
  /** Where the restart array starts: entries lie in `data[0..restartsOffset)`. */
  readonly restartsOffset: number;
  /** The number of restart points, at least 1. */
  readonly numRestarts: number;
  /** The path of the file holding the block, for errors. */
  readonly file: string;
  /** The block's offset in that file, for errors. */
  readonly offset: number;
}

/**
 * Checks a block's restart array and wraps it.
 *
 * @param data The block's contents; borrowed for the block's lifetime, never written.
 * @param file The path of the file it came from, for errors.
 * @param offset The block's offset in that file, for errors.
 * @throws {CorruptionError} If the restart count is missing or does not fit.
 */
export function parseBlock(data: Uint8Array, file: string, offset: number): Block {
  if (data.length < 4) throw new CorruptionError(file, offset, "block is too short");
  const numRestarts = readU32(data, data.length - 4);
  const maxRestarts = (data.length - 4) / 4;
  if (numRestarts < 1 || numRestarts > maxRestarts) {
    throw new CorruptionError(file, offset, `bad restart count ${numRestarts}`);
  }
  return { data, restartsOffset: data.length - 4 - numRestarts * 4, numRestarts, file, offset };
}

const EMPTY: Block = parseBlock(new Uint8Array([0, 0, 0, 0, 1, 0, 0, 0]), "", 0);

/**
 * An {@linkcode InternalIterator} over one block. value() returns a view into the block
 * (never overwritten, so it stays readable for as long as it is held, at the cost of
 * keeping the whole block alive); key() returns a view of a buffer the iterator reuses.
 */
export class BlockIterator implements InternalIterator {
  #block: Block = EMPTY;
  #data: Uint8Array = EMPTY.data;
  #restarts = 0;
  /** Offset of the current entry; `#restarts` when not valid. */
  #current = 0;
  /** Offset just past the current entry. */
  #next = 0;
  /** The restart region the current entry lies in. */
  #restartIndex = 0;
  /** The current internal key: its first #keyLength bytes. */
  #key: Uint8Array = new Uint8Array(64);
  #keyLength = 0;
  #keyView: Uint8Array | undefined;
  #valueStart = 0;
  #valueEnd = 0;
  #seq = 0;
  #kind = 0;
  /** Where the current restart region starts, and where the next one does (or Infinity). */
  #regionStart = 0;
  #nextRestart = 0;
  /** The header fields #decodeHeader decoded last. */
  #shared = 0;
  #nonShared = 0;
  #valueLength = 0;
  /** The value decoded by the last #slowVarint call. */
  #varint = 0;

  /**
   * Makes an iterator, not yet positioned.
   *
   * @param block The block to walk; omitted, an empty block until `reset()`.
   */
  constructor(block?: Block) {
    if (block !== undefined) this.reset(block);
  }

  /** Switches to another block, keeping the key buffer; not positioned afterwards. */
  reset(block: Block): void {
    this.#block = block;
    this.#data = block.data;
    this.#restarts = block.restartsOffset;
    this.#invalidate();
  }

  valid(): boolean {
    return this.#current < this.#restarts;
  }

  seekToFirst(): void {
    this.#seekToRestart(0);
    this.#parseNext();
  }

  seekToLast(): void {
    this.#seekToRestart(this.#block.numRestarts - 1);
    while (this.#parseNext() && this.#next < this.#restarts) { /* walk to the last entry */ }
  }

  seek(key: Uint8Array, seq: number): void {
    // The last restart point whose key sorts before the target; the scan starts there.
    let left = 0;
    let right = this.#block.numRestarts - 1;
    while (left < right) {
      const mid = (left + right + 1) >>> 1;
      if (this.#compareRestartKey(mid, key, seq) < 0) left = mid;
      else right = mid - 1;
    }
    this.#seekToRestart(left);
    while (this.#parseNext()) {
      if (this.compareCurrent(key, seq) >= 0) return;
    }
  }

  seekForPrev(key: Uint8Array, seq: number): void {
    this.seek(key, seq);
    if (!this.valid()) this.seekToLast();
    else if (this.compareCurrent(key, seq) > 0) this.prev();
  }

  next(): void {
    this.#parseNext();
  }

  prev(): void {
    const original = this.#current;
    while (this.#restartPoint(this.#restartIndex) >= original) {
      if (this.#restartIndex === 0) {
        this.#invalidate();
        return;
      }
      this.#restartIndex--;
    }
    this.#seekToRestart(this.#restartIndex);
    while (this.#parseNext() && this.#next < original) { /* walk to the entry before */ }
  }

  key(): Uint8Array {
    return this.#keyView ??= this.#key.subarray(0, this.#keyLength - TRAILER_SIZE);
  }

  seq(): number {
    return this.#seq;
  }

  kind(): number {
    return this.#kind;
  }

  value(): Uint8Array {
    return this.#data.subarray(this.#valueStart, this.#valueEnd);
  }

  close(): void {
    this.reset(EMPTY);
  }

  /**
   * Orders the current entry against `(key, seq)` without allocating.
   * REQUIRES: valid().
   *
   * @returns Negative, zero or positive as the current entry sorts before, with or after.
   */
  compareCurrent(key: Uint8Array, seq: number): number {
    const c = compareRange(this.#key, 0, this.#keyLength - TRAILER_SIZE, key);
    return c !== 0 ? c : seq - this.#seq;
  }

  /** Whether the current entry's user key equals `key`. REQUIRES: valid(). */
  userKeyEquals(key: Uint8Array): boolean {
    return this.#keyLength - TRAILER_SIZE === key.length &&
      compareRange(this.#key, 0, key.length, key) === 0;
  }

  #invalidate(): void {
    this.#current = this.#restarts;
    this.#next = this.#restarts;
    this.#restartIndex = this.#block.numRestarts;
    this.#keyLength = 0;
    this.#keyView = undefined;
  }

  /** Positions before the entry at restart `index` (the next #parseNext reads it). */
  #seekToRestart(index: number): void {
    this.#keyLength = 0;
    this.#enterRegion(index);
    this.#next = this.#regionStart;
  }

  /** Makes restart region `index` the current one. */
  #enterRegion(index: number): void {
    this.#restartIndex = index;
    this.#regionStart = this.#restartPoint(index);
    this.#nextRestart = index + 1 < this.#block.numRestarts
      ? this.#restartPoint(index + 1)
      : Number.POSITIVE_INFINITY;
  }

  #restartPoint(index: number): number {
    const point = readU32(this.#data, this.#restarts + index * 4);
    if (point > this.#restarts) this.#corrupt(`restart point ${index} is past the entries`);
    return point;
  }

  /**
   * Decodes the three varints of the entry header at `p` into #shared, #nonShared and
   * #valueLength, checks that the entry lies within the entry area, and returns the
   * offset of its key delta.
   */
  #decodeHeader(p: number): number {
    const data = this.#data;
    const start = p;
    // Varints of one byte (nearly all of them) are decoded inline.
    let shared = data[p]!;
    if (shared < 0x80) p++;
    else {
      p = this.#slowVarint(p);
      shared = this.#varint;
    }
    let nonShared = data[p]!;
    if (nonShared < 0x80) p++;
    else {
      p = this.#slowVarint(p);
      nonShared = this.#varint;
    }
    let valueLength = data[p]!;
    if (valueLength < 0x80) p++;
    else {
      p = this.#slowVarint(p);
      valueLength = this.#varint;
    }
    if (
      p + nonShared + valueLength > this.#restarts || shared + nonShared < TRAILER_SIZE
    ) {
      this.#corrupt(`bad entry at block offset ${start}`);
    }
    this.#shared = shared;
    this.#nonShared = nonShared;
    this.#valueLength = valueLength;
    return p;
  }

  /** Decodes the entry at #next; returns false (and invalidates) at the end. */
  #parseNext(): boolean {
    const current = this.#next;
    if (current >= this.#restarts) {
      this.#invalidate();
      return false;
    }
    this.#current = current;
    const p = this.#decodeHeader(current);
    const shared = this.#shared;
    const nonShared = this.#nonShared;
    const keyLength = shared + nonShared;
    while (current >= this.#nextRestart) this.#enterRegion(this.#restartIndex + 1);
    if (shared > this.#keyLength || (shared !== 0 && current === this.#regionStart)) {
      this.#corrupt(`bad key prefix at block offset ${current}`);
    }
    if (this.#key.length < keyLength) {
      const grown = new Uint8Array(Math.max(keyLength, this.#key.length * 2));
      grown.set(this.#key.subarray(0, shared));
      this.#key = grown;
    }
    const key = this.#key;
    const data = this.#data;
    if (nonShared <= 32) {
      for (let i = 0; i < nonShared; i++) key[shared + i] = data[p + i]!;
    } else {
      key.set(data.subarray(p, p + nonShared), shared);
    }
    this.#keyLength = keyLength;
    this.#keyView = undefined;
    const trailer = this.#decodeTrailer(key, keyLength - TRAILER_SIZE, current);
    this.#kind = trailer & 0xff;
    this.#seq = (trailer - this.#kind) / 256;
    this.#valueStart = p + nonShared;
    this.#valueEnd = this.#valueStart + this.#valueLength;
    this.#next = this.#valueEnd;
    return true;
  }

  /** Reads and checks the trailer at `bytes[t]`: a safe integer whose kind is PUT or DELETE. */
  #decodeTrailer(bytes: Uint8Array, t: number, entry: number): number {
    const low =
      (bytes[t]! | (bytes[t + 1]! << 8) | (bytes[t + 2]! << 16) | (bytes[t + 3]! << 24)) >>>
      0;
    const high = (bytes[t + 4]! | (bytes[t + 5]! << 8) | (bytes[t + 6]! << 16) |
      (bytes[t + 7]! << 24)) >>> 0;
    const kind = low & 0xff;
    if (high > 0x1f_ffff || (kind !== Kind.PUT && kind !== Kind.DELETE)) {
      this.#corrupt(`bad key trailer at block offset ${entry}`);
    }
    return high * 0x1_0000_0000 + low;
  }

  /** Decodes a multi-byte varint at `p` into #varint; returns the offset after it. */
  #slowVarint(p: number): number {
    try {
      this.#varint = readVarint(this.#data, p);
    } catch (error) {
      this.#corrupt(`bad varint at block offset ${p}`, error);
    }
    return p + varintLength(this.#varint);
  }

  /**
   * Compares restart `index`'s key with `(key, seq)` in internal order, reading it in
   * place (a restart entry stores its whole key). Does not move the iterator.
   */
  #compareRestartKey(index: number, key: Uint8Array, seq: number): number {
    const point = this.#restartPoint(index);
    if (point >= this.#restarts) this.#corrupt(`restart point ${index} holds no entry`);
    const p = this.#decodeHeader(point);
    if (this.#shared !== 0) this.#corrupt(`bad key prefix at block offset ${point}`);
    const t = p + this.#nonShared - TRAILER_SIZE;
    const c = compareRange(this.#data, p, t, key);
    if (c !== 0) return c;
    const trailer = this.#decodeTrailer(this.#data, t, point);
    return seq - (trailer - (trailer & 0xff)) / 256;
  }

  #corrupt(detail: string, cause?: unknown): never {
    throw new CorruptionError(
      this.#block.file,
      this.#block.offset,
      detail,
      cause === undefined ? undefined : { cause },
    );
  }
}

/** Compares `a[start..end)` with all of `b` bytewise, a proper prefix first. */
function compareRange(a: Uint8Array, start: number, end: number, b: Uint8Array): number {
  const aLength = end - start;
  const n = aLength < b.length ? aLength : b.length;
  for (let i = 0; i < n; i++) {
    const x = a[start + i]!;
    const y = b[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return aLength - b.length;
}

function readU32(data: Uint8Array, at: number): number {
  return (data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24)) >>> 0;
}
