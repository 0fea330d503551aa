import assert from "node:assert/strict";
import { writeU32LE } from "../../../src/encoding/fixed.ts";
import { CorruptionError } from "../../../src/errors.ts";
import { Kind, MAX_SEQUENCE } from "../../../src/lsm/_internal_key.ts";
import { BlockIterator, parseBlock } from "../../../src/lsm/table/block.ts";
import { BlockBuilder } from "../../../src/lsm/table/block_builder.ts";
import { Prng } from "../../_helpers/prng.ts";
import { assertAt, type Entry, randomEntries, randomKeys, randomWalk } from "./_model.ts";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function buildBlock(entries: Entry[], restartInterval = 16): Uint8Array {
  const builder = new BlockBuilder(restartInterval);
  for (const e of entries) builder.add(e.key, e.seq, e.kind, e.value);
  return builder.finish().slice();
}

function open(entries: Entry[], restartInterval = 16): BlockIterator {
  return new BlockIterator(parseBlock(buildBlock(entries, restartInterval), "/t.sst", 100));
}

Deno.test("BlockIterator reads back every entry a BlockBuilder wrote, forward and backward", () => {
  for (const interval of [1, 2, 3, 16, 1000]) {
    const seed = 11 + interval;
    const prng = new Prng(seed);
    const entries = randomEntries(prng, randomKeys(prng, 300, true), 3);
    const it = open(entries, interval);
    let i = 0;
    for (it.seekToFirst(); it.valid(); it.next()) assertAt(it, entries, i++, `seed ${seed}`);
    assert.equal(i, entries.length, `seed ${seed}`);
    for (it.seekToLast(); it.valid(); it.prev()) assertAt(it, entries, --i, `seed ${seed}`);
    assert.equal(i, 0, `seed ${seed}`);
  }
});

Deno.test("BlockIterator handles empty user keys, empty values and long shared prefixes", () => {
  const long = new Uint8Array(5000).fill(7);
  const longer = new Uint8Array(5001).fill(7);
  const entries: Entry[] = [
    { key: new Uint8Array(0), seq: 9, kind: Kind.PUT, value: new Uint8Array(0) },
    { key: new Uint8Array(0), seq: 8, kind: Kind.DELETE, value: new Uint8Array(0) },
    { key: long, seq: MAX_SEQUENCE, kind: Kind.PUT, value: enc("a") },
    { key: long, seq: 0, kind: Kind.PUT, value: new Uint8Array(300).fill(1) },
    { key: longer, seq: 5, kind: Kind.PUT, value: enc("b") },
  ];
  const it = open(entries, 2);
  let i = 0;
  for (it.seekToFirst(); it.valid(); it.next()) assertAt(it, entries, i++, "forward");
  assert.equal(i, entries.length);
  it.seek(new Uint8Array(0), MAX_SEQUENCE);
  assertAt(it, entries, 0, "seek to the empty key");
  it.seek(new Uint8Array(0), 8);
  assertAt(it, entries, 1, "seek to the empty key at seq 8");
  it.seekForPrev(long, 1);
  assertAt(it, entries, 2, "seekForPrev between versions");
  it.seek(longer, 6);
  assertAt(it, entries, 4, "seek to the longest key");
  it.seek(longer, 4);
  assertAt(it, entries, 5, "seek past the end");
});

Deno.test("An empty block has no entries", () => {
  const it = open([]);
  it.seekToFirst();
  assert.equal(it.valid(), false);
  it.seekToLast();
  assert.equal(it.valid(), false);
  it.seek(enc("a"), 1);
  assert.equal(it.valid(), false);
  it.seekForPrev(enc("a"), 1);
  assert.equal(it.valid(), false);
});

Deno.test("BlockIterator seek, seekForPrev, next and prev agree with a sorted model", () => {
  for (const [seed, interval] of [[1, 16], [2, 1], [3, 4], [4, 7]] as const) {
    const prng = new Prng(seed);
    const entries = randomEntries(prng, randomKeys(prng, 400, seed === 1), 4);
    randomWalk(open(entries, interval), entries, prng, 5000, seed);
  }
});

Deno.test("BlockBuilder compresses shared prefixes and restarts every interval", () => {
  const builder = new BlockBuilder(2);
  builder.add(enc("apple"), 1, Kind.PUT, enc("1"));
  builder.add(enc("apply"), 1, Kind.PUT, enc("2"));
  builder.add(enc("apricot"), 1, Kind.PUT, enc("3"));
  const block = builder.finish();
  // entry 0: shared 0, non_shared 13, value 1; entry 1: shared 4 ("appl"), non_shared 9.
  assert.deepEqual([...block.subarray(0, 3)], [0, 13, 1]);
  assert.deepEqual([...block.subarray(17, 20)], [4, 9, 1]);
  // entry 2 starts a restart region: shared 0.
  assert.deepEqual([...block.subarray(30, 33)], [0, 15, 1]);
  const restarts = new DataView(block.buffer, block.byteOffset + block.length - 12, 12);
  assert.deepEqual([0, 4, 8].map((at) => restarts.getUint32(at, true)), [0, 30, 2]);
  assert.equal(builder.estimatedSize, block.length);
  builder.reset();
  assert.equal(builder.entries, 0);
  assert.equal(builder.finish().length, 8);
});

Deno.test("BlockBuilder rejects a restart interval below 1", () => {
  assert.throws(() => new BlockBuilder(0), RangeError);
  assert.throws(() => new BlockBuilder(1.5), RangeError);
});

function corruptionAt(offset: number, detail: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof CorruptionError, `not a CorruptionError: ${error}`);
    assert.equal(error.file, "/t.sst");
    assert.equal(error.offset, offset);
    assert.match(error.message, detail);
    return true;
  };
}

Deno.test("parseBlock throws CorruptionError for a missing or oversized restart count", () => {
  assert.throws(() => parseBlock(new Uint8Array(3), "/t.sst", 7), corruptionAt(7, /too short/));
  const bad = new Uint8Array(12);
  writeU32LE(bad, 8, 3);
  assert.throws(() => parseBlock(bad, "/t.sst", 7), corruptionAt(7, /restart count 3/));
  writeU32LE(bad, 8, 0);
  assert.throws(() => parseBlock(bad, "/t.sst", 7), corruptionAt(7, /restart count 0/));
});

Deno.test("BlockIterator throws CorruptionError for malformed entries", () => {
  const entries: Entry[] = [
    { key: enc("a"), seq: 1, kind: Kind.PUT, value: enc("x") },
    { key: enc("b"), seq: 1, kind: Kind.PUT, value: enc("y") },
  ];
  const cases: [string, (b: Uint8Array) => void, RegExp][] = [
    ["a kind other than PUT or DELETE", (b) => b[3 + 1] = 2, /bad key trailer/],
    ["a sequence above 2^45", (b) => b[3 + 8] = 0xff, /bad key trailer/],
    ["a value running into the restart array", (b) => b[2] = 100, /bad entry/],
    ["a key shorter than its trailer", (b) => b[1] = 3, /bad entry/],
    ["a restart entry that shares bytes", (b) => b[0] = 1, /bad key prefix/],
    ["a restart point past the entries", (b) => writeU32LE(b, b.length - 8, 999), /restart point/],
    ["an overlong varint", (b) => b[0] = 0x80, /bad varint|bad entry/],
  ];
  for (const [name, damage, detail] of cases) {
    const bytes = buildBlock(entries, 1);
    damage(bytes);
    assert.throws(
      () => {
        const it = new BlockIterator(parseBlock(bytes, "/t.sst", 100));
        for (it.seekToFirst(); it.valid(); it.next()) it.key();
      },
      corruptionAt(100, detail),
      name,
    );
  }
});
