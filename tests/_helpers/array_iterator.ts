// A reference InternalIterator over a sorted array of entries, for tests: it is the model
// the real iterators are checked against, and a simple child for merging and level
// iterators. It locates itself by binary search on every move, so a test may insert
// into the array (keeping it sorted) between calls, as adds interleave with a memtable
// iterator.

import { compareInternal } from "../../src/lsm/_internal_key.ts";
import type { InternalIterator } from "../../src/lsm/_iterator.ts";

/** One internal entry. */
export interface Entry {
  key: Uint8Array;
  seq: number;
  kind: number;
  value: Uint8Array;
}

/** Orders entries by internal key. */
export function compareEntries(a: Entry, b: Entry): number {
  return compareInternal(a.key, a.seq, b.key, b.seq);
}

/** The index of the first entry at or after `(key, seq)` in the sorted `entries`. */
export function lowerBound(entries: readonly Entry[], key: Uint8Array, seq: number): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const e = entries[mid]!;
    if (compareInternal(e.key, e.seq, key, seq) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The index of the first entry after `(key, seq)` in the sorted `entries`. */
export function upperBound(entries: readonly Entry[], key: Uint8Array, seq: number): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const e = entries[mid]!;
    if (compareInternal(e.key, e.seq, key, seq) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Inserts `entry` into the sorted `entries`, keeping them sorted. */
export function insertSorted(entries: Entry[], entry: Entry): void {
  entries.splice(lowerBound(entries, entry.key, entry.seq), 0, entry);
}

/** The accessors of an iterator over Entry objects; subclasses say which entry is current. */
abstract class EntryIterator implements InternalIterator {
  abstract valid(): boolean;
  abstract seekToFirst(): void;
  abstract seekToLast(): void;
  abstract seek(key: Uint8Array, seq: number): void;
  abstract seekForPrev(key: Uint8Array, seq: number): void;
  abstract next(): void;
  abstract prev(): void;
  abstract close(): void;
  /** The current entry. REQUIRES: valid(). */
  protected abstract entry(): Entry;

  key(): Uint8Array {
    return this.entry().key;
  }
  seq(): number {
    return this.entry().seq;
  }
  kind(): number {
    return this.entry().kind;
  }
  value(): Uint8Array {
    return this.entry().value;
  }
}

/** An InternalIterator over a sorted array the caller may grow between calls. */
export class ArrayIterator extends EntryIterator {
  #entries: readonly Entry[];
  #current: Entry | undefined = undefined;
  /** Whether close() was called. */
  closed = false;

  /** Iterates `entries`, which must stay sorted by internal key. */
  constructor(entries: readonly Entry[]) {
    super();
    this.#entries = entries;
  }

  valid(): boolean {
    return this.#current !== undefined;
  }
  seekToFirst(): void {
    this.#current = this.#entries[0];
  }
  seekToLast(): void {
    this.#current = this.#entries[this.#entries.length - 1];
  }
  seek(key: Uint8Array, seq: number): void {
    this.#current = this.#entries[lowerBound(this.#entries, key, seq)];
  }
  seekForPrev(key: Uint8Array, seq: number): void {
    this.#current = this.#entries[upperBound(this.#entries, key, seq) - 1];
  }
  next(): void {
    const c = this.entry();
    this.#current = this.#entries[upperBound(this.#entries, c.key, c.seq)];
  }
  prev(): void {
    const c = this.entry();
    this.#current = this.#entries[lowerBound(this.#entries, c.key, c.seq) - 1];
  }
  close(): void {
    if (this.closed) throw new Error("ArrayIterator closed twice");
    this.closed = true;
    this.#current = undefined;
  }

  protected entry(): Entry {
    if (this.#current === undefined) throw new Error("ArrayIterator is not valid");
    return this.#current;
  }
}

/**
 * An InternalIterator that walks an array by position, in the array's own order (sorted or
 * not: a model when children tie, or a damaged source); seeks search it linearly.
 */
export class PositionalIterator extends EntryIterator {
  #i = -1;

  constructor(readonly entries: readonly Entry[]) {
    super();
  }

  valid(): boolean {
    return this.#i >= 0 && this.#i < this.entries.length;
  }
  seekToFirst(): void {
    this.#i = 0;
  }
  seekToLast(): void {
    this.#i = this.entries.length - 1;
  }
  seek(key: Uint8Array, seq: number): void {
    this.#i = this.entries.findIndex((e) => compareInternal(e.key, e.seq, key, seq) >= 0);
  }
  seekForPrev(key: Uint8Array, seq: number): void {
    this.#i = this.entries.findLastIndex((e) => compareInternal(e.key, e.seq, key, seq) <= 0);
  }
  next(): void {
    this.#i++;
  }
  prev(): void {
    this.#i--;
  }
  close(): void {}

  protected entry(): Entry {
    return this.entries[this.#i]!;
  }
}
