// Builds the contents of a data or index block: entries with prefix-compressed internal
// keys, then the restart array. Layout (docs/table_format.md, "Data blocks"):
//
//   entry:  +----------------+--------------------+------------------+------------------+-----------+
//           | shared (varint) | non_shared (varint) | value_len (varint) | key_delta[non_shared] | value |
//           +----------------+--------------------+------------------+------------------+-----------+
//   block:  | entry 0 | entry 1 | ... | restart[0] (u32) | ... | restart[n-1] (u32) | n (u32) |
//
// `shared` counts the bytes the entry's internal key (user key + 8-byte trailer) has in
// common with the previous entry's; it is 0 at every restart point, where the full key is
// stored. restart[i] is the block offset of the i-th restart entry.

import { writeU32LE } from "../../encoding/fixed.ts";
import { varintLength, writeVarint } from "../../encoding/varint.ts";
import { type Kind, TRAILER_SIZE, writeTrailer } from "../_internal_key.ts";

/** Restart points every this many entries unless told otherwise. */
export const DEFAULT_RESTART_INTERVAL = 16;

/**
 * Accumulates entries into one block. The legal call order: `add()` any number of times,
 * then `finish()`, then `reset()` before the next block.
 */
export class BlockBuilder {
  readonly #restartInterval: number;
  #buf: Uint8Array = new Uint8Array(4096);
  #length = 0;
  #restarts: number[] = [0];
  #counter = 0;
  #entries = 0;
  /** The previous entry's internal key (its first #lastKeyLength bytes). */
  #lastKey: Uint8Array = new Uint8Array(64);
  /** Where the next entry's internal key is built before it becomes #lastKey. */
  #scratch: Uint8Array = new Uint8Array(64);
  #lastKeyLength = 0;
  #finished = false;

  /**
   * Makes an empty builder.
   *
   * @param restartInterval Entries between restart points, at least 1.
   * @throws {RangeError} If `restartInterval` is not a positive integer.
   */
  constructor(restartInterval: number = DEFAULT_RESTART_INTERVAL) {
    if (!Number.isInteger(restartInterval) || restartInterval < 1 || restartInterval > 0xffff) {
      throw new RangeError(`Restart interval ${restartInterval} is not an integer from 1 to 65535`);
    }
    this.#restartInterval = restartInterval;
  }

  /** The number of entries added since the last reset. */
  get entries(): number {
    return this.#entries;
  }

  /** The size the block's contents would have if finished now. */
  get estimatedSize(): number {
    return this.#finished ? this.#length : this.#length + this.#restarts.length * 4 + 4;
  }

  /**
   * Appends an entry.
   *
   * REQUIRES: `(key, seq)` sorts strictly after the previous entry's internal key, `seq`
   * is an integer from 0 to MAX_SEQUENCE, and `finish()` has not been called since the
   * last reset. `key` and `value` are copied, not retained.
   */
  add(key: Uint8Array, seq: number, kind: Kind, value: Uint8Array): void {
    const keyLength = key.length + TRAILER_SIZE;
    if (this.#scratch.length < keyLength) {
      this.#scratch = new Uint8Array(Math.max(keyLength, this.#scratch.length * 2));
    }
    const next = this.#scratch;
    next.set(key, 0);
    writeTrailer(next, key.length, seq, kind);
    let shared = 0;
    if (this.#counter < this.#restartInterval) {
      const last = this.#lastKey;
      const limit = Math.min(this.#lastKeyLength, keyLength);
      while (shared < limit && last[shared] === next[shared]) shared++;
    } else {
      this.#restarts.push(this.#length);
      this.#counter = 0;
    }
    this.#scratch = this.#lastKey;
    this.#lastKey = next;
    this.#lastKeyLength = keyLength;

    const nonShared = keyLength - shared;
    const need = varintLength(shared) + varintLength(nonShared) + varintLength(value.length) +
      nonShared + value.length;
    this.#reserve(need);
    const buf = this.#buf;
    let at = this.#length;
    at = writeVarint(buf, at, shared);
    at = writeVarint(buf, at, nonShared);
    at = writeVarint(buf, at, value.length);
    buf.set(next.subarray(shared, keyLength), at);
    at += nonShared;
    buf.set(value, at);
    this.#length = at + value.length;
    this.#counter++;
    this.#entries++;
  }

  /**
   * Appends the restart array and returns the block's contents.
   *
   * @returns A view of the builder's buffer, valid until the next `reset()` or `add()`.
   */
  finish(): Uint8Array {
    if (!this.#finished) {
      this.#reserve(this.#restarts.length * 4 + 4);
      let at = this.#length;
      for (const restart of this.#restarts) at = writeU32LE(this.#buf, at, restart);
      this.#length = writeU32LE(this.#buf, at, this.#restarts.length);
      this.#finished = true;
    }
    return this.#buf.subarray(0, this.#length);
  }

  /** Empties the builder for the next block; keeps its buffers. */
  reset(): void {
    this.#length = 0;
    this.#restarts.length = 1;
    this.#counter = 0;
    this.#entries = 0;
    this.#lastKeyLength = 0;
    this.#finished = false;
  }

  #reserve(n: number): void {
    const needed = this.#length + n;
    if (needed <= this.#buf.length) return;
    const grown = new Uint8Array(Math.max(needed, this.#buf.length * 2));
    grown.set(this.#buf.subarray(0, this.#length));
    this.#buf = grown;
  }
}
