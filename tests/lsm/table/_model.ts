// Test helpers for the table layer: random sorted entries, a sorted-array model of an
// InternalIterator, and a random walk that checks an iterator against the model.

import assert from "node:assert/strict";
import { compareBytes } from "../../../src/encoding/bytes.ts";
import { compareInternal, Kind, MAX_SEQUENCE } from "../../../src/lsm/_internal_key.ts";
import type { InternalIterator } from "../../../src/lsm/_iterator.ts";
import { lowerBound, upperBound } from "../../_helpers/array_iterator.ts";
import type { Prng } from "../../_helpers/prng.ts";

/** One entry as a test expects to read it back. */
export interface Entry {
  key: Uint8Array;
  seq: number;
  kind: Kind;
  value: Uint8Array;
}

/** Sorts entries in internal order (user key ascending, then seq descending). */
export function sortEntries(entries: Entry[]): Entry[] {
  return entries.sort((a, b) => compareInternal(a.key, a.seq, b.key, b.seq));
}

/**
 * Random user keys with long shared prefixes: a common stem, then a few bytes from a
 * small alphabet, so that neighbours share prefixes of varied length. Includes the empty
 * key when `withEmpty` is set.
 */
export function randomKeys(prng: Prng, count: number, withEmpty = false): Uint8Array[] {
  const stem = prng.bytes(prng.int(40));
  const seen = new Map<string, Uint8Array>();
  if (withEmpty) seen.set("", new Uint8Array(0));
  while (seen.size < count) {
    const tail = Uint8Array.from({ length: 1 + prng.int(6) }, () => 0x61 + prng.int(4));
    const key = new Uint8Array(stem.length + tail.length);
    key.set(stem);
    key.set(tail, stem.length);
    seen.set(key.join(","), key);
  }
  return [...seen.values()].sort(compareBytes);
}

/**
 * Sorted entries over `keys`, each key with 1 to `maxVersions` versions of distinct
 * sequence numbers, about a fifth of them deletes.
 */
export function randomEntries(prng: Prng, keys: Uint8Array[], maxVersions: number): Entry[] {
  const entries: Entry[] = [];
  let seq = 1;
  for (const key of keys) {
    const versions = 1 + prng.int(maxVersions);
    for (let v = 0; v < versions; v++) {
      seq += 1 + prng.int(3);
      const kind = prng.int(5) === 0 ? Kind.DELETE : Kind.PUT;
      const value = kind === Kind.DELETE ? new Uint8Array(0) : prng.bytes(prng.int(40));
      entries.push({ key, seq, kind, value });
    }
  }
  return sortEntries(entries);
}

/** Asserts the iterator is at `entries[at]`, or not valid when `at` is out of range. */
export function assertAt(it: InternalIterator, entries: Entry[], at: number, note: string): void {
  const expected = entries[at];
  if (expected === undefined) {
    assert.equal(it.valid(), false, `${note}: expected not valid`);
    return;
  }
  assert.equal(it.valid(), true, `${note}: expected entry ${at}`);
  assert.deepEqual(it.key(), expected.key, `${note}: key of entry ${at}`);
  assert.equal(it.seq(), expected.seq, `${note}: seq of entry ${at}`);
  assert.equal(it.kind(), expected.kind, `${note}: kind of entry ${at}`);
  assert.deepEqual(it.value(), expected.value, `${note}: value of entry ${at}`);
}

/** A probe key: often a stored key, sometimes a random neighbour. */
function probe(prng: Prng, entries: Entry[]): { key: Uint8Array; seq: number } {
  const base = entries[prng.int(entries.length)]!;
  const r = prng.int(6);
  if (r === 0) return { key: base.key, seq: MAX_SEQUENCE };
  if (r === 1) return { key: base.key, seq: Math.max(0, base.seq + prng.int(5) - 2) };
  if (r === 2) {
    const key = new Uint8Array(base.key.length + 1);
    key.set(base.key);
    key[base.key.length] = prng.int(256);
    return { key, seq: prng.int(MAX_SEQUENCE) };
  }
  if (r === 3) return { key: base.key.subarray(0, prng.int(base.key.length + 1)), seq: 0 };
  return { key: base.key, seq: base.seq };
}

/**
 * Runs `ops` random operations (seeks of both kinds, first/last, next, prev) on `it` and
 * after each checks its position against the sorted model `entries`.
 */
export function randomWalk(
  it: InternalIterator,
  entries: Entry[],
  prng: Prng,
  ops: number,
  seed: number,
): void {
  let at = -1;
  for (let op = 0; op < ops; op++) {
    const valid = at >= 0 && at < entries.length;
    const r = prng.int(valid ? 10 : 4);
    let name: string;
    if (r === 0) {
      it.seekToFirst();
      at = 0;
      name = "seekToFirst";
    } else if (r === 1) {
      it.seekToLast();
      at = entries.length - 1;
      name = "seekToLast";
    } else if (r === 2) {
      const { key, seq } = probe(prng, entries);
      it.seek(key, seq);
      at = lowerBound(entries, key, seq);
      name = `seek([${key}], ${seq})`;
    } else if (r === 3) {
      const { key, seq } = probe(prng, entries);
      it.seekForPrev(key, seq);
      at = upperBound(entries, key, seq) - 1;
      name = `seekForPrev([${key}], ${seq})`;
    } else if (r < 7) {
      it.next();
      at++;
      name = "next";
    } else {
      it.prev();
      at--;
      name = "prev";
    }
    if (at < 0 || at >= entries.length) at = -1;
    assertAt(it, entries, at, `seed ${seed}, op ${op} ${name}`);
  }
}
