// Tests for the level iterator: random walks over sorted, non-overlapping files cut from
// one sorted array, with exact and loose file bounds, checking that files open lazily,
// one at a time, and are closed when the iterator moves off them.

import assert from "node:assert/strict";
import { compareBytes } from "../../src/encoding/bytes.ts";
import { Kind, MAX_SEQUENCE } from "../../src/lsm/_internal_key.ts";
import { type LevelFile, LevelIterator } from "../../src/lsm/_level_iterator.ts";
import { ArrayIterator, type Entry } from "../_helpers/array_iterator.ts";
import {
  assertSamePosition,
  randomEntries,
  randomKey,
  randomMove,
  testSeed,
} from "../_helpers/iterator_walk.ts";
import { Prng } from "../_helpers/prng.ts";

interface ArrayFile extends LevelFile {
  entries: Entry[];
}

// Tracks the file iterators a level iterator opened and which are still open.
class Opener {
  opened = 0;
  live = new Set<ArrayIterator>();

  open = (file: ArrayFile): ArrayIterator => {
    this.opened++;
    const it = new ArrayIterator(file.entries);
    const close = it.close.bind(it);
    it.close = () => {
      close();
      this.live.delete(it);
    };
    this.live.add(it);
    return it;
  };
}

// Cuts sorted `entries` into non-empty files at random points. With `loose`, bounds
// widen to cover every version of their edge user keys where no neighbor shares them.
function cutFiles(prng: Prng, entries: Entry[], loose: boolean): ArrayFile[] {
  const files: ArrayFile[] = [];
  let start = 0;
  while (start < entries.length) {
    const end = Math.min(entries.length, start + 1 + prng.int(12));
    const part = entries.slice(start, end);
    const first = part[0]!;
    const last = part[part.length - 1]!;
    const before = entries[start - 1];
    const after = entries[end];
    const widenStart = loose && (before === undefined || compareBytes(before.key, first.key) !== 0);
    const widenEnd = loose && (after === undefined || compareBytes(after.key, last.key) !== 0);
    files.push({
      entries: part,
      smallestKey: first.key,
      smallestSeq: widenStart ? MAX_SEQUENCE : first.seq,
      largestKey: last.key,
      largestSeq: widenEnd ? 0 : last.seq,
    });
    start = end;
  }
  return files;
}

Deno.test("LevelIterator over no files is never valid", () => {
  const opener = new Opener();
  const it = new LevelIterator<ArrayFile>([], opener.open);
  for (const move of [() => it.seekToFirst(), () => it.seekToLast()]) {
    move();
    assert.equal(it.valid(), false);
  }
  it.seek(new Uint8Array(), 0);
  it.seekForPrev(new Uint8Array([255]), 0);
  assert.equal(it.valid(), false);
  assert.throws(() => it.key(), RangeError);
  it.close();
  assert.equal(opener.opened, 0);
});

Deno.test("LevelIterator matches the concatenation of its files", () => {
  const seed = testSeed("level random walk");
  for (let round = 0; round < 40; round++) {
    const prng = new Prng(seed + round);
    const entries = randomEntries(prng, 1 + prng.int(300));
    const files = cutFiles(prng, entries, round % 2 === 1);
    const opener = new Opener();
    const it = new LevelIterator(files, opener.open);
    assert.equal(opener.opened, 0);
    const model = new ArrayIterator(entries);
    for (let step = 0; step < 800; step++) {
      const move = randomMove(prng, it, model, () => randomKey(prng));
      const context = `${move} at step ${step} of round ${round}, seed ${seed}`;
      assertSamePosition(it, model, context);
      assert.equal(opener.live.size, it.valid() ? 1 : 0, `open files after ${context}`);
    }
    it.close();
    assert.equal(opener.live.size, 0);
  }
});

Deno.test("LevelIterator opens only the files it reaches", () => {
  const entries = Array.from({ length: 50 }, (_, i): Entry => ({
    key: new Uint8Array([i]),
    seq: 1,
    kind: Kind.PUT,
    value: new Uint8Array(0),
  }));
  const files = cutFiles(new Prng(1), entries, false);
  assert.ok(files.length > 3);
  const opener = new Opener();
  const it = new LevelIterator(files, opener.open);
  it.seek(new Uint8Array([25]), MAX_SEQUENCE);
  assert.deepEqual(it.key(), new Uint8Array([25]));
  assert.equal(opener.opened, 1);
  it.seek(new Uint8Array([25]), 1);
  assert.equal(opener.opened, 1);
  it.close();
  assert.equal(opener.live.size, 0);
});
