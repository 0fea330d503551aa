// Concatenates the iterators of one LSM level: files whose key ranges are sorted and do
// not overlap (LevelDB's two-level iterator over a version's file list). Files are found
// by binary search on their bounds and opened lazily; at most one file iterator is open,
// and it is closed when the level iterator moves off its file or runs off either end.

import { compareInternal } from "./_internal_key.ts";
import type { InternalIterator } from "./_iterator.ts";

/** The bounds of one table file in a level: its smallest and largest internal keys. */
export interface LevelFile {
  /** The user key of the file's first entry. */
  smallestKey: Uint8Array;
  /** The sequence number of the file's first entry. */
  smallestSeq: number;
  /** The user key of the file's last entry. */
  largestKey: Uint8Array;
  /** The sequence number of the file's last entry. */
  largestSeq: number;
}

/**
 * The entries of one level's files, in internal-key order.
 *
 * REQUIRES: `files` are sorted by key range and do not overlap, and every entry of a
 * file lies within its bounds; the array must not change while the iterator is open.
 *
 * @typeParam F The file descriptions `open` takes.
 *
 * @example Walking two files
 * ```ts
 * import { LevelIterator } from "./_level_iterator.ts";
 * import { Memtable } from "./memtable.ts";
 * import { Kind } from "./_internal_key.ts";
 * import assert from "node:assert/strict";
 *
 * const tables = [new Memtable(), new Memtable()];
 * tables[0]!.add(new Uint8Array([1]), 1, Kind.PUT, new Uint8Array(0));
 * tables[1]!.add(new Uint8Array([5]), 2, Kind.PUT, new Uint8Array(0));
 * const files = tables.map((table, i) => ({
 *   table,
 *   smallestKey: new Uint8Array([i * 4 + 1]),
 *   smallestSeq: i + 1,
 *   largestKey: new Uint8Array([i * 4 + 1]),
 *   largestSeq: i + 1,
 * }));
 * const it = new LevelIterator(files, (file) => file.table.iterator());
 * it.seek(new Uint8Array([2]), 0);
 * assert.deepEqual(it.key(), new Uint8Array([5]));
 * it.prev();
 * assert.deepEqual(it.key(), new Uint8Array([1]));
 * it.close();
 * ```
 */
export class LevelIterator<F extends LevelFile = LevelFile> implements InternalIterator {
  #files: readonly F[];
  #open: (file: F) => InternalIterator;
  #index = -1;
  #iter: InternalIterator | undefined = undefined;

  /**
   * Makes an unpositioned iterator over `files`.
   *
   * @param files The level's files, sorted and non-overlapping.
   * @param open Opens an iterator over one file; the level iterator closes it.
   */
  constructor(files: readonly F[], open: (file: F) => InternalIterator) {
    this.#files = files;
    this.#open = open;
  }

  /** Whether the iterator is positioned at an entry. */
  valid(): boolean {
    return this.#iter !== undefined && this.#iter.valid();
  }

  /** Positions at the first entry of the level. */
  seekToFirst(): void {
    if (this.#files.length === 0) return;
    this.#openFile(0).seekToFirst();
    this.#skipForward();
  }

  /** Positions at the last entry of the level. */
  seekToLast(): void {
    if (this.#files.length === 0) return;
    this.#openFile(this.#files.length - 1).seekToLast();
    this.#skipBackward();
  }

  /** Positions at the first entry at or after `(key, seq)` in internal order. */
  seek(key: Uint8Array, seq: number): void {
    // The first file whose largest key is at or after the target.
    const lo = this.#countFiles((file) =>
      compareInternal(file.largestKey, file.largestSeq, key, seq) < 0
    );
    if (lo === this.#files.length) return this.#closeFile();
    this.#openFile(lo).seek(key, seq);
    this.#skipForward();
  }

  /** Positions at the last entry at or before `(key, seq)` in internal order. */
  seekForPrev(key: Uint8Array, seq: number): void {
    // The last file whose smallest key is at or before the target.
    const lo = this.#countFiles((file) =>
      compareInternal(file.smallestKey, file.smallestSeq, key, seq) <= 0
    );
    if (lo === 0) return this.#closeFile();
    this.#openFile(lo - 1).seekForPrev(key, seq);
    this.#skipBackward();
  }

  /** Moves to the next entry. REQUIRES: valid(). */
  next(): void {
    this.#current().next();
    this.#skipForward();
  }

  /** Moves to the previous entry. REQUIRES: valid(). */
  prev(): void {
    this.#current().prev();
    this.#skipBackward();
  }

  /** The user key of the current entry. REQUIRES: valid(). */
  key(): Uint8Array {
    return this.#current().key();
  }

  /** The sequence number of the current entry. REQUIRES: valid(). */
  seq(): number {
    return this.#current().seq();
  }

  /** The kind of the current entry. REQUIRES: valid(). */
  kind(): number {
    return this.#current().kind();
  }

  /** The value of the current entry. REQUIRES: valid(). */
  value(): Uint8Array {
    return this.#current().value();
  }

  /** Closes the open file iterator, if any; afterwards no call is legal. */
  close(): void {
    this.#closeFile();
  }

  #current(): InternalIterator {
    if (this.#iter === undefined) {
      throw new RangeError("Iterator is not positioned at an entry");
    }
    return this.#iter;
  }

  // The iterator of file `index`, reusing the open one if it is that file's.
  #openFile(index: number): InternalIterator {
    if (this.#iter !== undefined && this.#index === index) return this.#iter;
    this.#closeFile();
    const iter = this.#open(this.#files[index]!);
    this.#iter = iter;
    this.#index = index;
    return iter;
  }

  /**
   * How many files, from the first, satisfy `before` (binary search). REQUIRES: `before`
   * holds for a prefix of the files and for none after it.
   */
  #countFiles(before: (file: F) => boolean): number {
    let lo = 0;
    let hi = this.#files.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(this.#files[mid]!)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #closeFile(): void {
    const iter = this.#iter;
    this.#iter = undefined;
    this.#index = -1;
    iter?.close();
  }

  // While the open file is exhausted, moves to the start of the next file.
  #skipForward(): void {
    while (this.#iter !== undefined && !this.#iter.valid()) {
      const next = this.#index + 1;
      if (next === this.#files.length) return this.#closeFile();
      this.#openFile(next).seekToFirst();
    }
  }

  // While the open file is exhausted, moves to the end of the previous file.
  #skipBackward(): void {
    while (this.#iter !== undefined && !this.#iter.valid()) {
      const prev = this.#index - 1;
      if (prev < 0) return this.#closeFile();
      this.#openFile(prev).seekToLast();
    }
  }
}
