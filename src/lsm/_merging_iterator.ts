// Merges several internal iterators into one sorted stream (LevelDB's table/merger.cc,
// with a heap instead of a linear scan). A binary heap of child indices is a min-heap
// going forward and a max-heap going backward; the current entry is the heap's top.
// Changing direction repositions every other child around the current entry first.
//
// Order: internal-key order, and on ties between children (impossible in the engine,
// where sequences are unique) by child index, lowest first going forward; prev() is
// always the exact inverse of next().

import { compareBytes } from "../encoding/bytes.ts";
import type { InternalIterator } from "./_iterator.ts";

/**
 * The sorted union of several internal iterators.
 *
 * Ownership: the merging iterator owns its children; close() closes them all.
 *
 * @example Merging two sources
 * ```ts
 * import { MergingIterator } from "./_merging_iterator.ts";
 * import { Memtable } from "./memtable.ts";
 * import { Kind } from "./_internal_key.ts";
 * import assert from "node:assert/strict";
 *
 * const a = new Memtable();
 * const b = new Memtable();
 * a.add(new Uint8Array([2]), 1, Kind.PUT, new Uint8Array(0));
 * b.add(new Uint8Array([1]), 2, Kind.PUT, new Uint8Array(0));
 * const it = new MergingIterator([a.iterator(), b.iterator()]);
 * it.seekToFirst();
 * assert.deepEqual(it.key(), new Uint8Array([1]));
 * it.next();
 * assert.deepEqual(it.key(), new Uint8Array([2]));
 * it.close();
 * ```
 */
export class MergingIterator implements InternalIterator {
  #children: InternalIterator[];
  // Child indices; heap[0] is the current child. Only valid children are in the heap.
  #heap: Int32Array;
  #size = 0;
  #forward = true;

  /**
   * Merges `children`, taking ownership of them.
   *
   * @param children The sources; any may be empty. Each must be unpositioned or may be
   * in any position: the merging iterator repositions them on its first seek.
   */
  constructor(children: InternalIterator[]) {
    this.#children = children;
    this.#heap = new Int32Array(children.length);
  }

  /** Whether the iterator is positioned at an entry. */
  valid(): boolean {
    return this.#size > 0;
  }

  /** Positions at the first entry of the union. */
  seekToFirst(): void {
    for (const child of this.#children) child.seekToFirst();
    this.#rebuild(true);
  }

  /** Positions at the last entry of the union. */
  seekToLast(): void {
    for (const child of this.#children) child.seekToLast();
    this.#rebuild(false);
  }

  /** Positions at the first entry at or after `(key, seq)` in internal order. */
  seek(key: Uint8Array, seq: number): void {
    for (const child of this.#children) child.seek(key, seq);
    this.#rebuild(true);
  }

  /** Positions at the last entry at or before `(key, seq)` in internal order. */
  seekForPrev(key: Uint8Array, seq: number): void {
    for (const child of this.#children) child.seekForPrev(key, seq);
    this.#rebuild(false);
  }

  /** Moves to the next entry. REQUIRES: valid(). */
  next(): void {
    const current = this.#top();
    if (!this.#forward) {
      // Every other child moves to its first entry after the current one: at or after
      // the current key, and past an equal key only if it sorts before us on the tie.
      const key = this.#children[current]!.key();
      const seq = this.#children[current]!.seq();
      for (let i = 0; i < this.#children.length; i++) {
        if (i === current) continue;
        const child = this.#children[i]!;
        child.seek(key, seq);
        if (i < current && child.valid() && this.#equals(child, key, seq)) child.next();
      }
      this.#rebuild(true); // The current child is the top again.
    }
    this.#children[this.#heap[0]!]!.next();
    this.#fixTop();
  }

  /** Moves to the previous entry. REQUIRES: valid(). */
  prev(): void {
    const current = this.#top();
    if (this.#forward) {
      // Every other child moves to its last entry before the current one: at or before
      // the current key, and before an equal key only if it sorts after us on the tie.
      const key = this.#children[current]!.key();
      const seq = this.#children[current]!.seq();
      for (let i = 0; i < this.#children.length; i++) {
        if (i === current) continue;
        const child = this.#children[i]!;
        child.seekForPrev(key, seq);
        if (i > current && child.valid() && this.#equals(child, key, seq)) child.prev();
      }
      this.#rebuild(false); // The current child is the top again.
    }
    this.#children[this.#heap[0]!]!.prev();
    this.#fixTop();
  }

  /** The index (in the constructor's array) of the child holding the current entry. REQUIRES: valid(). */
  child(): number {
    return this.#top();
  }

  /** The user key of the current entry. REQUIRES: valid(). */
  key(): Uint8Array {
    return this.#children[this.#top()]!.key();
  }

  /** The sequence number of the current entry. REQUIRES: valid(). */
  seq(): number {
    return this.#children[this.#top()]!.seq();
  }

  /** The kind of the current entry. REQUIRES: valid(). */
  kind(): number {
    return this.#children[this.#top()]!.kind();
  }

  /** The value of the current entry. REQUIRES: valid(). */
  value(): Uint8Array {
    return this.#children[this.#top()]!.value();
  }

  /** Closes every child; afterwards no call is legal. */
  close(): void {
    for (const child of this.#children) child.close();
    this.#size = 0;
  }

  #top(): number {
    if (this.#size === 0) throw new RangeError("Iterator is not positioned at an entry");
    return this.#heap[0]!;
  }

  #equals(child: InternalIterator, key: Uint8Array, seq: number): boolean {
    return child.seq() === seq && compareBytes(child.key(), key) === 0;
  }

  // Whether child a comes out of the heap before child b in the current direction.
  #before(a: number, b: number): boolean {
    const x = this.#children[a]!;
    const y = this.#children[b]!;
    let c = compareBytes(x.key(), y.key());
    if (c === 0) c = y.seq() - x.seq();
    if (c === 0) c = a - b;
    return this.#forward ? c < 0 : c > 0;
  }

  // Refills the heap from every valid child, for the given direction.
  #rebuild(forward: boolean): void {
    this.#forward = forward;
    const heap = this.#heap;
    let size = 0;
    for (let i = 0; i < this.#children.length; i++) {
      if (this.#children[i]!.valid()) heap[size++] = i;
    }
    this.#size = size;
    for (let i = (size >>> 1) - 1; i >= 0; i--) this.#siftDown(i);
  }

  // Restores the heap after the top child moved: drops it if exhausted, then sifts down.
  #fixTop(): void {
    const heap = this.#heap;
    if (!this.#children[heap[0]!]!.valid()) {
      this.#size--;
      heap[0] = heap[this.#size]!;
    }
    if (this.#size > 1) this.#siftDown(0);
  }

  #siftDown(start: number): void {
    const heap = this.#heap;
    const size = this.#size;
    const item = heap[start]!;
    let i = start;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      if (child + 1 < size && this.#before(heap[child + 1]!, heap[child]!)) child++;
      if (!this.#before(heap[child]!, item)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = item;
  }
}
