// Tests for the merging iterator: random walks over 1 to 8 children (some empty) against
// a sorted model of their union, ties between children, and closing.

import assert from "node:assert/strict";
import { compareInternal } from "../../src/lsm/_internal_key.ts";
import type { InternalIterator } from "../../src/lsm/_iterator.ts";
import { MergingIterator } from "../../src/lsm/_merging_iterator.ts";
import { ArrayIterator, compareEntries, type Entry } from "../_helpers/array_iterator.ts";
import {
  assertSamePosition,
  randomEntries,
  randomKey,
  randomMove,
  testSeed,
} from "../_helpers/iterator_walk.ts";
import { Prng } from "../_helpers/prng.ts";

// The model when children share internal keys: one flat list ordered by internal key,
// then by child index, walked by position.
class TieModel implements InternalIterator {
  #i = -1;
  constructor(readonly entries: readonly Entry[]) {}
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
  #entry(): Entry {
    return this.entries[this.#i]!;
  }
  key(): Uint8Array {
    return this.#entry().key;
  }
  seq(): number {
    return this.#entry().seq;
  }
  kind(): number {
    return this.#entry().kind;
  }
  value(): Uint8Array {
    return this.#entry().value;
  }
  close(): void {}
}

Deno.test("MergingIterator over no children is never valid", () => {
  const it = new MergingIterator([]);
  assert.equal(it.valid(), false);
  it.seekToFirst();
  assert.equal(it.valid(), false);
  it.seekForPrev(new Uint8Array([1]), 1);
  assert.equal(it.valid(), false);
  assert.throws(() => it.key(), RangeError);
  it.close();
});

Deno.test("MergingIterator matches the sorted union of 1 to 8 children", () => {
  const seed = testSeed("merging random walk");
  for (let round = 0; round < 40; round++) {
    const prng = new Prng(seed + round);
    const union = randomEntries(prng, prng.int(400));
    const childCount = 1 + prng.int(8);
    const parts: Entry[][] = Array.from({ length: childCount }, () => []);
    // Skewed placement, so some children stay empty and some hold most entries.
    const weights = parts.map(() => (prng.int(3) === 0 ? 0 : 1 + prng.int(10)));
    const total = weights.reduce((a, b) => a + b, 0);
    for (const entry of union) {
      let roll = total === 0 ? 0 : prng.int(total);
      let child = 0;
      while (child < childCount - 1 && roll >= weights[child]!) roll -= weights[child++]!;
      parts[child]!.push(entry);
    }
    const it = new MergingIterator(parts.map((part) => new ArrayIterator(part)));
    const model = new ArrayIterator(union);
    for (let step = 0; step < 800; step++) {
      const move = randomMove(prng, it, model, () => randomKey(prng));
      assertSamePosition(it, model, `${move} at step ${step} of round ${round}, seed ${seed}`);
    }
    it.close();
  }
});

Deno.test("MergingIterator orders children by index on equal internal keys", () => {
  const seed = testSeed("merging ties");
  for (let round = 0; round < 20; round++) {
    const prng = new Prng(seed + round);
    const shared = randomEntries(prng, 30);
    const childCount = 2 + prng.int(4);
    const parts: Entry[][] = [];
    const flat: { entry: Entry; child: number }[] = [];
    for (let child = 0; child < childCount; child++) {
      const part = shared.filter(() => prng.int(3) !== 0)
        .map((e) => ({ ...e, value: new Uint8Array([child]) }));
      parts.push(part);
      for (const entry of part) flat.push({ entry, child });
    }
    flat.sort((a, b) => compareEntries(a.entry, b.entry) || a.child - b.child);
    const it = new MergingIterator(parts.map((part) => new ArrayIterator(part)));
    const model = new TieModel(flat.map((f) => f.entry));
    for (let step = 0; step < 600; step++) {
      const move = randomMove(prng, it, model, () => randomKey(prng));
      assertSamePosition(it, model, `${move} at step ${step} of round ${round}, seed ${seed}`);
    }
    it.close();
  }
});

Deno.test("MergingIterator.close() closes every child", () => {
  const children = [new ArrayIterator([]), new ArrayIterator([]), new ArrayIterator([])];
  const it = new MergingIterator(children);
  it.seekToFirst();
  it.close();
  assert.deepEqual(children.map((c) => c.closed), [true, true, true]);
});
