// The two-level iterator over a table: an iterator over the index block picks a data
// block, which is loaded (through the block cache) only when the walk reaches it, and a
// block iterator walks that block. Index entry i maps a separator key s_i to block i,
// with  last key of block i <= s_i < first key of block i+1.

import type { InternalIterator } from "../_iterator.ts";
import { CorruptionError } from "../../errors.ts";
import { type BlockHandle, readHandle } from "./_format.ts";
import { type Block, BlockIterator } from "./block.ts";

/** Loads (and checks) the data block at a handle. */
export type BlockLoader = (handle: BlockHandle) => Block;

/** An {@linkcode InternalIterator} over a whole table; see the rules in `_iterator.ts`. */
export class TableIterator implements InternalIterator {
  readonly #indexBlock: Block;
  readonly #index: BlockIterator;
  readonly #data = new BlockIterator();
  readonly #load: BlockLoader;
  readonly #handle: BlockHandle = { offset: 0, size: 0 };
  /** The file offset of the block #data walks, or -1. */
  #blockOffset = -1;
  #valid = false;

  /**
   * Makes an iterator, not yet positioned.
   *
   * @param index The table's index block; borrowed.
   * @param load Fetches a data block; its errors pass through this iterator's calls.
   */
  constructor(index: Block, load: BlockLoader) {
    this.#indexBlock = index;
    this.#index = new BlockIterator(index);
    this.#load = load;
  }

  valid(): boolean {
    return this.#valid;
  }

  seekToFirst(): void {
    this.#index.seekToFirst();
    if (this.#loadBlock()) this.#data.seekToFirst();
    this.#skipForward();
  }

  seekToLast(): void {
    this.#index.seekToLast();
    if (this.#loadBlock()) this.#data.seekToLast();
    this.#skipBackward();
  }

  seek(key: Uint8Array, seq: number): void {
    this.#index.seek(key, seq);
    if (this.#loadBlock()) this.#data.seek(key, seq);
    this.#skipForward();
  }

  seekForPrev(key: Uint8Array, seq: number): void {
    // Blocks after the first whose separator is >= the target hold only larger keys.
    this.#index.seek(key, seq);
    if (!this.#index.valid()) this.#index.seekToLast();
    if (this.#loadBlock()) this.#data.seekForPrev(key, seq);
    this.#skipBackward();
  }

  next(): void {
    this.#data.next();
    this.#skipForward();
  }

  prev(): void {
    this.#data.prev();
    this.#skipBackward();
  }

  key(): Uint8Array {
    return this.#data.key();
  }

  seq(): number {
    return this.#data.seq();
  }

  kind(): number {
    return this.#data.kind();
  }

  value(): Uint8Array {
    return this.#data.value();
  }

  close(): void {
    this.#index.close();
    this.#data.close();
    this.#blockOffset = -1;
    this.#valid = false;
  }

  /** Moves on to the first entry of later blocks while the data iterator is not valid. */
  #skipForward(): void {
    while (this.#index.valid() && !this.#data.valid()) {
      this.#index.next();
      if (this.#loadBlock()) this.#data.seekToFirst();
    }
    this.#valid = this.#index.valid() && this.#data.valid();
  }

  /** Moves back to the last entry of earlier blocks while the data iterator is not valid. */
  #skipBackward(): void {
    while (this.#index.valid() && !this.#data.valid()) {
      this.#index.prev();
      if (this.#loadBlock()) this.#data.seekToLast();
    }
    this.#valid = this.#index.valid() && this.#data.valid();
  }

  /** Points #data at the block the index is at; returns false if the index is not valid. */
  #loadBlock(): boolean {
    if (!this.#index.valid()) return false;
    try {
      readHandle(this.#index.value(), this.#handle);
    } catch (error) {
      throw new CorruptionError(
        this.#indexBlock.file,
        this.#indexBlock.offset,
        "bad block handle in index",
        { cause: error },
      );
    }
    if (this.#handle.offset !== this.#blockOffset) {
      this.#blockOffset = -1;
      this.#data.reset(this.#load(this.#handle));
      this.#blockOffset = this.#handle.offset;
    }
    return true;
  }
}
