// The memtable: the in-memory sorted buffer every write lands in before a flush turns it
// into a level-0 table. Entries are internal keys (user key, sequence, kind) with values,
// kept in a skiplist (src/lsm/_skiplist.ts). Reads see exact versions: get() by snapshot
// sequence, iterator() in internal-key order.

import { Kind, MAX_SEQUENCE } from "./_internal_key.ts";
import type { InternalIterator } from "./_iterator.ts";
import { Skiplist } from "./_skiplist.ts";

// Bytes charged per entry beyond its key and value: the node record, the sequence and
// kind slots, the arena copy's bookkeeping and two array references (roughly 40 bytes
// measured), rounded up for the arrays' object headers.
const ENTRY_OVERHEAD = 64;

/** One version of a key, as {@linkcode Memtable.get} returns it. */
export interface MemtableEntry {
  /** The sequence number of the write. */
  seq: number;
  /** A `Kind` value: `Kind.PUT`, or `Kind.DELETE` for a tombstone. */
  kind: number;
  /** The value (empty for a delete); owned by the memtable, do not modify. */
  value: Uint8Array;
}

/**
 * An in-memory sorted table of internal keys, the write path's hot structure.
 *
 * Single-threaded: calls must not overlap, but iterators may be interleaved with adds;
 * an open iterator stays valid and sees entries added after it was opened.
 *
 * @example Writing and reading versions
 * ```ts
 * import { Memtable } from "./memtable.ts";
 * import { Kind } from "./_internal_key.ts";
 * import assert from "node:assert/strict";
 *
 * const table = new Memtable();
 * const key = new Uint8Array([1]);
 * table.add(key, 1, Kind.PUT, new Uint8Array([10]));
 * table.add(key, 2, Kind.DELETE, new Uint8Array(0));
 * assert.equal(table.get(key, 1)?.kind, Kind.PUT);
 * assert.equal(table.get(key, 5)?.kind, Kind.DELETE);
 * assert.equal(table.get(key, 0), undefined);
 * ```
 */
export class Memtable {
  #list = new Skiplist();
  #bytes = 0;

  /**
   * Adds one entry.
   *
   * REQUIRES: `(key, seq)` is not already present. Ownership: the memtable keeps `key`
   * and `value` as given (callers pass copies) and never modifies them.
   *
   * @param key The user key.
   * @param seq The sequence number of the write, an integer from 0 to `MAX_SEQUENCE`.
   * @param kind `Kind.PUT` or `Kind.DELETE`.
   * @param value The value; empty for a delete.
   * @throws {RangeError} If `seq` or `kind` is out of range, or `(key, seq)` is present.
   */
  add(key: Uint8Array, seq: number, kind: Kind, value: Uint8Array): void {
    if (!Number.isInteger(seq) || seq < 0 || seq > MAX_SEQUENCE) {
      throw new RangeError(`Sequence ${seq} is not an integer from 0 to ${MAX_SEQUENCE}`);
    }
    if (kind !== Kind.PUT && kind !== Kind.DELETE) {
      throw new RangeError(`Kind ${kind} is neither PUT nor DELETE`);
    }
    if (!this.#list.insert(key, seq, kind, value)) {
      throw new RangeError(`Sequence ${seq} is already present for this key`);
    }
    this.#bytes += key.length + value.length + ENTRY_OVERHEAD;
  }

  /**
   * Finds the newest version of `key` at or below sequence `seq`.
   *
   * @param key The user key, matched exactly.
   * @param seq The snapshot: entries with a larger sequence are invisible.
   * @returns The entry (a tombstone has `kind` `Kind.DELETE`), or `undefined` if the
   * memtable holds no visible version of `key`.
   */
  get(key: Uint8Array, seq: number): MemtableEntry | undefined {
    const list = this.#list;
    const node = list.findGreaterOrEqual(key, seq);
    if (node === 0 || !list.hasKey(node, key)) return undefined;
    return { seq: list.seq(node), kind: list.kind(node), value: list.value(node) };
  }

  /**
   * Opens an iterator over every entry in internal-key order.
   *
   * @returns An unpositioned iterator; it follows the rules in `_iterator.ts`.
   */
  iterator(): InternalIterator {
    return new MemtableIterator(this.#list);
  }

  /** The memory the entries use, estimated: key and value bytes plus 64 per entry. */
  get approximateBytes(): number {
    return this.#bytes;
  }

  /** How many entries the memtable holds. */
  get count(): number {
    return this.#list.count;
  }
}

// Walks the skiplist by node id; ids survive inserts, so adds between calls are safe.
class MemtableIterator implements InternalIterator {
  #list: Skiplist;
  #node = 0;

  constructor(list: Skiplist) {
    this.#list = list;
  }

  valid(): boolean {
    return this.#node !== 0;
  }

  seekToFirst(): void {
    this.#node = this.#list.first();
  }

  seekToLast(): void {
    this.#node = this.#list.last();
  }

  seek(key: Uint8Array, seq: number): void {
    this.#node = this.#list.findGreaterOrEqual(key, seq);
  }

  seekForPrev(key: Uint8Array, seq: number): void {
    this.#node = this.#list.findLast(key, seq, true);
  }

  next(): void {
    this.#node = this.#list.next(this.#requireNode());
  }

  prev(): void {
    this.#node = this.#list.prev(this.#requireNode());
  }

  key(): Uint8Array {
    return this.#list.key(this.#requireNode());
  }

  seq(): number {
    return this.#list.seq(this.#requireNode());
  }

  kind(): number {
    return this.#list.kind(this.#requireNode());
  }

  value(): Uint8Array {
    return this.#list.value(this.#requireNode());
  }

  close(): void {
    this.#node = 0;
  }

  #requireNode(): number {
    if (this.#node === 0) throw new RangeError("Iterator is not positioned at an entry");
    return this.#node;
  }
}
