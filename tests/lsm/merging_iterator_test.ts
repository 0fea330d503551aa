// Tests for the merging iterator: random walks over 1 to 8 children (some empty) against
// a sorted model of their union, ties between children, and closing.

import assert from "node:assert/strict";
import { MergingIterator } from "../../src/lsm/_merging_iterator.ts";
import {
  ArrayIterator,
  compareEntries,
  type Entry,
  PositionalIterator,
} from "../_helpers/array_iterator.ts";
import {
  assertSamePosition,
  randomEntries,
  randomKey,
  randomMove,
  testSeed,
} from "../_helpers/iterator_walk.ts";
import { Prng } from "../_helpers/prng.ts";

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
    const model = new PositionalIterator(flat.map((f) => f.entry));
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
