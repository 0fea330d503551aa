// Tests for the memtable: point reads by snapshot sequence, iteration in internal-key
// order, and model-based random walks with adds interleaved between iterator moves.

import assert from "node:assert/strict";
import { compareBytes } from "../../src/encoding/bytes.ts";
import { Kind, MAX_SEQUENCE } from "../../src/lsm/_internal_key.ts";
import { Memtable } from "../../src/lsm/memtable.ts";
import { ArrayIterator, type Entry, insertSorted, lowerBound } from "../_helpers/array_iterator.ts";
import {
  assertSamePosition,
  drain,
  randomKey,
  randomMove,
  randomSeq,
  testSeed,
} from "../_helpers/iterator_walk.ts";
import { Prng } from "../_helpers/prng.ts";

const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);

// Adds a random entry not yet present to both the memtable and the sorted model.
function addRandom(prng: Prng, table: Memtable, model: Entry[]): void {
  for (;;) {
    const key = randomKey(prng);
    const seq = randomSeq(prng);
    const at = model[lowerBound(model, key, seq)];
    if (at !== undefined && at.seq === seq && compareBytes(at.key, key) === 0) continue;
    const kind = prng.int(4) === 0 ? Kind.DELETE : Kind.PUT;
    const value = kind === Kind.DELETE ? new Uint8Array(0) : prng.bytes(prng.int(8));
    table.add(key, seq, kind, value);
    insertSorted(model, { key, seq, kind, value });
    return;
  }
}

Deno.test("Memtable.get() returns the newest version at or below the sequence", () => {
  const table = new Memtable();
  const key = bytes(7, 7);
  table.add(key, 10, Kind.PUT, bytes(10));
  table.add(key, 20, Kind.DELETE, bytes());
  table.add(key, 30, Kind.PUT, bytes(30));
  table.add(bytes(7), 25, Kind.PUT, bytes(1));
  table.add(bytes(7, 7, 0), 25, Kind.PUT, bytes(2));
  assert.equal(table.get(key, 9), undefined);
  assert.deepEqual(table.get(key, 10), { seq: 10, kind: Kind.PUT, value: bytes(10) });
  assert.deepEqual(table.get(key, 19), { seq: 10, kind: Kind.PUT, value: bytes(10) });
  assert.deepEqual(table.get(key, 20), { seq: 20, kind: Kind.DELETE, value: bytes() });
  assert.deepEqual(table.get(key, 29), { seq: 20, kind: Kind.DELETE, value: bytes() });
  assert.deepEqual(table.get(key, MAX_SEQUENCE), { seq: 30, kind: Kind.PUT, value: bytes(30) });
  assert.equal(table.get(bytes(7, 6), MAX_SEQUENCE), undefined);
  assert.equal(table.get(bytes(), MAX_SEQUENCE), undefined);
  assert.equal(table.get(bytes(7, 7, 0, 0), MAX_SEQUENCE), undefined);
});

Deno.test("Memtable.get() finds empty keys and keys longer than the prefix", () => {
  const table = new Memtable();
  table.add(bytes(), 1, Kind.PUT, bytes(1));
  table.add(bytes(1, 2, 3, 4, 5), 2, Kind.PUT, bytes(2));
  table.add(bytes(1, 2, 3, 4), 3, Kind.PUT, bytes(3));
  table.add(bytes(1, 2, 3, 4, 5, 0), 4, Kind.PUT, bytes(4));
  assert.deepEqual(table.get(bytes(), 1)?.value, bytes(1));
  assert.deepEqual(table.get(bytes(1, 2, 3, 4, 5), 9)?.value, bytes(2));
  assert.deepEqual(table.get(bytes(1, 2, 3, 4), 9)?.value, bytes(3));
  assert.deepEqual(table.get(bytes(1, 2, 3, 4, 5, 0), 9)?.value, bytes(4));
  assert.equal(table.get(bytes(1, 2, 3, 4, 6), 9), undefined);
  assert.equal(table.get(bytes(1, 2, 3), 9), undefined);
});

Deno.test("Memtable.add() rejects a duplicate entry and bad arguments", () => {
  const table = new Memtable();
  table.add(bytes(1), 5, Kind.PUT, bytes());
  assert.throws(() => table.add(bytes(1), 5, Kind.DELETE, bytes()), RangeError);
  assert.throws(() => table.add(bytes(1), -1, Kind.PUT, bytes()), RangeError);
  assert.throws(() => table.add(bytes(1), 1.5, Kind.PUT, bytes()), RangeError);
  assert.throws(() => table.add(bytes(1), MAX_SEQUENCE + 1, Kind.PUT, bytes()), RangeError);
  assert.throws(() => table.add(bytes(1), 6, 2 as Kind, bytes()), RangeError);
  assert.equal(table.count, 1);
});

Deno.test("Memtable counts entries and estimates their bytes", () => {
  const table = new Memtable();
  assert.equal(table.count, 0);
  assert.equal(table.approximateBytes, 0);
  table.add(bytes(1, 2), 1, Kind.PUT, new Uint8Array(100));
  table.add(bytes(1, 2), 2, Kind.DELETE, bytes());
  assert.equal(table.count, 2);
  assert.equal(table.approximateBytes, 2 + 100 + 2 + 2 * 64);
});

Deno.test("Memtable iterator is not valid on an empty table or before a seek", () => {
  const table = new Memtable();
  const it = table.iterator();
  assert.equal(it.valid(), false);
  it.seekToFirst();
  assert.equal(it.valid(), false);
  it.seekToLast();
  assert.equal(it.valid(), false);
  it.seek(bytes(), 0);
  assert.equal(it.valid(), false);
  it.seekForPrev(bytes(255), 0);
  assert.equal(it.valid(), false);
  table.add(bytes(1), 1, Kind.PUT, bytes());
  assert.equal(table.iterator().valid(), false);
  assert.throws(() => it.key(), RangeError);
  it.close();
});

Deno.test("Memtable iterator walks internal-key order both ways", () => {
  const prng = new Prng(testSeed("walk both ways"));
  const table = new Memtable();
  const model: Entry[] = [];
  for (let i = 0; i < 3000; i++) addRandom(prng, table, model);
  const it = table.iterator();
  it.seekToFirst();
  assert.deepEqual(drain(it), model);
  const backward: Entry[] = [];
  for (it.seekToLast(); it.valid(); it.prev()) {
    backward.push({ key: it.key(), seq: it.seq(), kind: it.kind(), value: it.value() });
  }
  assert.deepEqual(backward.reverse(), model);
});

Deno.test("Memtable iterator matches a sorted model with adds between moves", () => {
  const seed = testSeed("memtable random walk");
  for (let round = 0; round < 20; round++) {
    const prng = new Prng(seed + round);
    const table = new Memtable();
    const model: Entry[] = [];
    const iters = [table.iterator(), table.iterator()];
    const models = [new ArrayIterator(model), new ArrayIterator(model)];
    for (let step = 0; step < 1500; step++) {
      if (prng.int(4) === 0) addRandom(prng, table, model);
      const which = prng.int(2);
      const move = randomMove(prng, iters[which]!, models[which]!, () => randomKey(prng));
      const context = `${move} at step ${step} of round ${round}, seed ${seed}`;
      assertSamePosition(iters[which]!, models[which]!, context);
      assertSamePosition(iters[1 - which]!, models[1 - which]!, `the other iterator: ${context}`);
    }
    for (const it of iters) it.close();
  }
});

Deno.test("Memtable.get() matches the model at random sequences", () => {
  const seed = testSeed("memtable get");
  const prng = new Prng(seed);
  const table = new Memtable();
  const model: Entry[] = [];
  for (let i = 0; i < 2000; i++) {
    addRandom(prng, table, model);
    const key = randomKey(prng);
    const seq = randomSeq(prng);
    const found = model[lowerBound(model, key, seq)];
    const expected = found !== undefined && compareBytes(found.key, key) === 0
      ? { seq: found.seq, kind: found.kind, value: found.value }
      : undefined;
    assert.deepEqual(table.get(key, seq), expected, `get([${key}], ${seq}), seed ${seed}`);
  }
});

Deno.test("Memtable orders long keys that share long prefixes", () => {
  const seed = testSeed("memtable long keys");
  const prng = new Prng(seed);
  const table = new Memtable();
  const model: Entry[] = [];
  const base = prng.bytes(3000);
  for (let i = 0; i < 300; i++) {
    const key = base.slice(0, prng.int(base.length));
    if (key.length > 0 && prng.int(2) === 0) key[key.length - 1] = prng.int(256);
    const seq = i;
    table.add(key, seq, Kind.PUT, bytes(i & 255));
    insertSorted(model, { key, seq, kind: Kind.PUT, value: bytes(i & 255) });
  }
  const it = table.iterator();
  it.seekToFirst();
  assert.deepEqual(drain(it), model, `seed ${seed}`);
  for (const entry of model) {
    assert.deepEqual(table.get(entry.key, entry.seq)?.value, entry.value, `seed ${seed}`);
  }
});
