// A table's index block decoded once, at open, into flat arrays: the separator keys in one
// arena, their sequences, and the data block handles. A point read binary-searches it with
// plain byte compares, where seeking the index block decodes varints and rebuilds
// prefix-compressed keys at every step.

import type { Block } from "./block.ts";
import { BlockIterator } from "./block.ts";
import { type BlockHandle, readHandle } from "./_format.ts";

/** The index of one table, decoded. REQUIRES: the index was checked (`checkIndex`). */
export class DecodedIndex {
  readonly #arena: Uint8Array;
  /** Entry i's key is `arena[starts[i] .. starts[i + 1])`. */
  readonly #starts: Int32Array;
  readonly #seqs: Float64Array;
  readonly #offsets: Float64Array;
  readonly #sizes: Float64Array;

  private constructor(
    arena: Uint8Array,
    starts: Int32Array,
    seqs: Float64Array,
    offsets: Float64Array,
    sizes: Float64Array,
  ) {
    this.#arena = arena;
    this.#starts = starts;
    this.#seqs = seqs;
    this.#offsets = offsets;
    this.#sizes = sizes;
  }

  /** Decodes `index`, whose values are block handles. */
  static decode(index: Block): DecodedIndex {
    const keys: Uint8Array[] = [];
    const seqs: number[] = [];
    const offsets: number[] = [];
    const sizes: number[] = [];
    const handle: BlockHandle = { offset: 0, size: 0 };
    const it = new BlockIterator(index);
    let bytes = 0;
    for (it.seekToFirst(); it.valid(); it.next()) {
      keys.push(it.key().slice());
      seqs.push(it.seq());
      readHandle(it.value(), handle);
      offsets.push(handle.offset);
      sizes.push(handle.size);
      bytes += it.key().length;
    }
    const arena = new Uint8Array(bytes);
    const starts = new Int32Array(keys.length + 1);
    let at = 0;
    for (const [i, key] of keys.entries()) {
      starts[i] = at;
      arena.set(key, at);
      at += key.length;
    }
    starts[keys.length] = at;
    return new DecodedIndex(
      arena,
      starts,
      Float64Array.from(seqs),
      Float64Array.from(offsets),
      Float64Array.from(sizes),
    );
  }

  /**
   * Finds the data block that holds `(key, seq)` if the table does: the first entry at or
   * after it in internal order. Fills `out` with its handle.
   *
   * @returns False when every block ends before `(key, seq)`.
   */
  find(key: Uint8Array, seq: number, out: BlockHandle): boolean {
    let low = 0;
    let high = this.#seqs.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#compare(middle, key, seq) < 0) low = middle + 1;
      else high = middle;
    }
    if (low === this.#seqs.length) return false;
    out.offset = this.#offsets[low]!;
    out.size = this.#sizes[low]!;
    return true;
  }

  /** Orders entry `i` against `(key, seq)` in internal order (sequences descending). */
  #compare(i: number, key: Uint8Array, seq: number): number {
    const arena = this.#arena;
    const start = this.#starts[i]!;
    const length = this.#starts[i + 1]! - start;
    const n = length < key.length ? length : key.length;
    for (let j = 0; j < n; j++) {
      const a = arena[start + j]!;
      const b = key[j]!;
      if (a !== b) return a < b ? -1 : 1;
    }
    if (length !== key.length) return length - key.length;
    return seq - this.#seqs[i]!;
  }
}
