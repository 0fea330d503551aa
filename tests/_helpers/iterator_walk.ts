// Random walks that drive an InternalIterator under test and a reference model through
// the same seeks and steps, checking after every call that both agree.

import assert from "node:assert/strict";
import type { InternalIterator } from "../../src/lsm/_iterator.ts";
import { compareInternal, Kind, MAX_SEQUENCE } from "../../src/lsm/_internal_key.ts";
import { type Entry, insertSorted, lowerBound } from "./array_iterator.ts";
import type { Prng } from "./prng.ts";

/** The seed for a randomized test: `SEED` from the environment, else the clock. */
export function testSeed(name: string): number {
  const fromEnv = Deno.env.get("SEED");
  const seed = fromEnv === undefined ? Date.now() % 0x1_0000_0000 : Number(fromEnv);
  console.log(`${name}: seed ${seed} (replay with SEED=${seed})`);
  return seed;
}

/**
 * A random key from a tiny alphabet, 0 to `maxLength` bytes long, so that keys repeat,
 * share long prefixes and are prefixes of each other.
 */
export function randomKey(prng: Prng, maxLength = 9): Uint8Array {
  const alphabet = [0, 1, 2, 255];
  const key = new Uint8Array(prng.int(maxLength + 1));
  for (let i = 0; i < key.length; i++) key[i] = alphabet[prng.int(alphabet.length)]!;
  return key;
}

/** A random sequence number, often small, sometimes 0 or `MAX_SEQUENCE`. */
export function randomSeq(prng: Prng): number {
  const roll = prng.int(20);
  if (roll === 0) return 0;
  if (roll === 1) return MAX_SEQUENCE;
  return prng.int(64);
}

/** Asserts that `actual` is where `expected` is: same validity and same entry. */
export function assertSamePosition(
  actual: InternalIterator,
  expected: InternalIterator,
  context: string,
): void {
  assert.equal(actual.valid(), expected.valid(), `valid() after ${context}`);
  if (!expected.valid()) return;
  assert.deepEqual(actual.key(), expected.key(), `key() after ${context}`);
  assert.equal(actual.seq(), expected.seq(), `seq() after ${context}`);
  assert.equal(actual.kind(), expected.kind(), `kind() after ${context}`);
  assert.deepEqual(actual.value(), expected.value(), `value() after ${context}`);
}

/**
 * Makes one random move on both iterators; steps (next/prev, in random directions, so
 * direction switches are frequent) are favored while valid.
 *
 * @returns A description of the move, for failure messages.
 */
export function randomMove(
  prng: Prng,
  actual: InternalIterator,
  expected: InternalIterator,
  targetKey: () => Uint8Array,
): string {
  // Weights out of 100 for: next, prev, seek, seekForPrev, seekToFirst, seekToLast.
  const weights = expected.valid() ? [35, 35, 10, 10, 5, 5] : [0, 0, 35, 35, 15, 15];
  let roll = prng.int(100);
  let op = 0;
  while (roll >= weights[op]!) roll -= weights[op++]!;
  switch (op) {
    case 0:
      actual.next();
      expected.next();
      return "next()";
    case 1:
      actual.prev();
      expected.prev();
      return "prev()";
    case 4:
      actual.seekToFirst();
      expected.seekToFirst();
      return "seekToFirst()";
    case 5:
      actual.seekToLast();
      expected.seekToLast();
      return "seekToLast()";
  }
  const key = targetKey();
  const seq = randomSeq(prng);
  if (op === 2) {
    actual.seek(key, seq);
    expected.seek(key, seq);
    return `seek([${key}], ${seq})`;
  }
  actual.seekForPrev(key, seq);
  expected.seekForPrev(key, seq);
  return `seekForPrev([${key}], ${seq})`;
}

/** Copies an iterator's remaining entries going forward, for bulk comparisons. */
export function drain(it: InternalIterator): Entry[] {
  const out: Entry[] = [];
  for (; it.valid(); it.next()) {
    out.push({ key: it.key(), seq: it.seq(), kind: it.kind(), value: it.value() });
  }
  return out;
}

/** `count` random entries with distinct internal keys, sorted (PUTs and some DELETEs). */
export function randomEntries(prng: Prng, count: number): Entry[] {
  const entries: Entry[] = [];
  while (entries.length < count) {
    const key = randomKey(prng);
    const seq = randomSeq(prng);
    const at = entries[lowerBound(entries, key, seq)];
    if (at !== undefined && compareInternal(at.key, at.seq, key, seq) === 0) continue;
    const kind = prng.int(4) === 0 ? Kind.DELETE : Kind.PUT;
    insertSorted(entries, { key, seq, kind, value: prng.bytes(prng.int(6)) });
  }
  return entries;
}
