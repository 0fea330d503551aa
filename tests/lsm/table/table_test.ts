import assert from "node:assert/strict";
import { compareBytes } from "../../../src/encoding/bytes.ts";
import { ClosedError } from "../../../src/errors.ts";
import { Kind, MAX_SEQUENCE } from "../../../src/lsm/_internal_key.ts";
import { BlockCache } from "../../../src/lsm/table/block_cache.ts";
import { TableBuilder } from "../../../src/lsm/table/table_builder.ts";
import { TableReader } from "../../../src/lsm/table/table_reader.ts";
import { MemVfs } from "../../../src/vfs/mem_vfs.ts";
import { Prng } from "../../_helpers/prng.ts";
import { lowerBound } from "../../_helpers/array_iterator.ts";
import { assertAt, type Entry, randomEntries, randomKeys, randomWalk } from "./_model.ts";
import { openTable, TABLE_PATH, writeTable } from "./_table.ts";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** What get(key, seq) must return: the newest entry of `key` with entry seq <= seq. */
function expectedGet(entries: Entry[], key: Uint8Array, seq: number): Entry | undefined {
  for (let i = lowerBound(entries, key, seq); i < entries.length; i++) {
    const e = entries[i]!;
    if (compareBytes(e.key, key) !== 0) return undefined;
    if (e.seq <= seq) return e;
  }
  return undefined;
}

Deno.test("A table round trips many blocks of entries with versions and tombstones", async () => {
  const seed = 7;
  const prng = new Prng(seed);
  const entries = randomEntries(prng, randomKeys(prng, 3000, true), 4);
  const vfs = new MemVfs();
  const written = await writeTable(vfs, entries, { blockSize: 512, restartInterval: 8 });
  const reader = openTable(vfs);
  const p = reader.properties;
  assert.deepEqual(p, written);
  assert.equal(p.entries, entries.length);
  assert.equal(p.tombstones, entries.filter((e) => e.kind === Kind.DELETE).length);
  assert.equal(p.rawKeyBytes, entries.reduce((n, e) => n + e.key.length, 0));
  assert.equal(p.rawValueBytes, entries.reduce((n, e) => n + e.value.length, 0));
  assert.ok(p.dataBlocks > 50, `seed ${seed}: only ${p.dataBlocks} data blocks`);
  assert.deepEqual(p.smallestKey, entries[0]!.key);
  assert.equal(p.smallestSeq, entries[0]!.seq);
  assert.deepEqual(p.largestKey, entries.at(-1)!.key);
  assert.equal(p.largestSeq, entries.at(-1)!.seq);
  assert.equal(p.minSeq, Math.min(...entries.map((e) => e.seq)));
  assert.equal(p.maxSeq, Math.max(...entries.map((e) => e.seq)));

  const it = reader.iterator();
  let i = 0;
  for (it.seekToFirst(); it.valid(); it.next()) assertAt(it, entries, i++, `seed ${seed}`);
  assert.equal(i, entries.length);
  for (it.seekToLast(); it.valid(); it.prev()) assertAt(it, entries, --i, `seed ${seed}`);
  assert.equal(i, 0);
  it.close();
  reader.close();
});

Deno.test("TableReader.get() finds the newest version at or below the snapshot", async () => {
  const seed = 8;
  const prng = new Prng(seed);
  const keys = randomKeys(prng, 1500);
  const entries = randomEntries(prng, keys, 5);
  const vfs = new MemVfs();
  await writeTable(vfs, entries, { blockSize: 256 });
  const reader = openTable(vfs);
  for (const e of entries) {
    for (const seq of [e.seq, e.seq + 1, e.seq - 1, MAX_SEQUENCE, 0]) {
      if (seq < 0) continue;
      const got = reader.get(e.key, seq);
      const want = expectedGet(entries, e.key, seq);
      const note = `seed ${seed}: get([${e.key}], ${seq})`;
      if (want === undefined) {
        assert.equal(got, undefined, note);
      } else {
        assert.deepEqual(got, { seq: want.seq, kind: want.kind, value: want.value }, note);
      }
    }
  }
  // Absent keys: between stored keys, before the first, after the last.
  for (let n = 0; n < 2000; n++) {
    const key = prng.bytes(1 + prng.int(12));
    const want = expectedGet(entries, key, MAX_SEQUENCE);
    const got = reader.get(key, MAX_SEQUENCE);
    assert.deepEqual(got?.seq, want?.seq, `seed ${seed}: get([${key}])`);
  }
  reader.close();
});

Deno.test("TableReader iterators agree with a sorted model under random seeks and steps", async () => {
  for (const [seed, blockSize, restartInterval] of [[21, 128, 4], [22, 4096, 16], [23, 1, 1]]) {
    const prng = new Prng(seed!);
    const entries = randomEntries(prng, randomKeys(prng, 800, seed === 21), 3);
    const vfs = new MemVfs();
    const options = { blockSize: blockSize!, restartInterval: restartInterval! };
    await writeTable(vfs, entries, options);
    const reader = openTable(vfs, new BlockCache(4096));
    randomWalk(reader.iterator(), entries, prng, 4000, seed!);
    reader.close();
  }
});

Deno.test("TableReader.mayContain() is true for every stored key and a table without a filter", async () => {
  const prng = new Prng(9);
  const entries = randomEntries(prng, randomKeys(prng, 500), 2);
  const vfs = new MemVfs();
  await writeTable(vfs, entries, { bloomBitsPerKey: 10 });
  let reader = openTable(vfs);
  for (const e of entries) assert.ok(reader.mayContain(e.key));
  let negatives = 0;
  for (let i = 0; i < 1000; i++) if (!reader.mayContain(enc(`absent${i}`))) negatives++;
  assert.ok(negatives > 950, `only ${negatives} of 1000 absent keys filtered`);
  reader.close();
  await writeTable(vfs, entries, { bloomBitsPerKey: 0 });
  reader = openTable(vfs);
  assert.ok(reader.mayContain(enc("absent")));
  assert.equal(reader.get(enc("absent"), MAX_SEQUENCE), undefined);
  assert.deepEqual(reader.get(entries[0]!.key, MAX_SEQUENCE)?.seq, entries[0]!.seq);
  reader.close();
});

Deno.test("An empty table opens and has no entries", async () => {
  const vfs = new MemVfs();
  const written = await writeTable(vfs, []);
  assert.equal(written.entries, 0);
  const reader = openTable(vfs);
  assert.equal(reader.properties.dataBlocks, 0);
  assert.equal(reader.get(enc("a"), MAX_SEQUENCE), undefined);
  const it = reader.iterator();
  for (const move of [() => it.seekToFirst(), () => it.seekToLast()]) {
    move();
    assert.equal(it.valid(), false);
  }
  it.seek(enc("a"), 1);
  assert.equal(it.valid(), false);
  it.seekForPrev(enc("a"), 1);
  assert.equal(it.valid(), false);
  reader.close();
});

Deno.test("TableReader caches a data block on its second miss, then reads it from the cache", async () => {
  const prng = new Prng(10);
  const entries = randomEntries(prng, randomKeys(prng, 1000), 1);
  const vfs = new MemVfs();
  const { dataBlocks } = await writeTable(vfs, entries, { blockSize: 1024 });
  const cache = new BlockCache(1 << 20);
  const reader = openTable(vfs, cache);
  const it = reader.iterator();
  for (it.seekToFirst(); it.valid(); it.next()) it.value();
  assert.equal(cache.stats.misses, dataBlocks);
  assert.equal(cache.stats.entries, 0, "one scan caches nothing");
  for (it.seekToFirst(); it.valid(); it.next()) it.value();
  assert.equal(cache.stats.misses, 2 * dataBlocks);
  assert.equal(cache.stats.entries, dataBlocks, "a second scan caches every block");
  for (const e of entries) {
    const found = reader.get(e.key, MAX_SEQUENCE);
    assert.deepEqual(found?.value, e.value);
  }
  assert.equal(cache.stats.misses, 2 * dataBlocks);
  assert.equal(cache.stats.hits, entries.length);
  it.close();
  reader.close();
  // Another reader of the same file number finds the blocks cached.
  const again = openTable(vfs, cache);
  again.get(entries[0]!.key, MAX_SEQUENCE);
  assert.equal(cache.stats.misses, 2 * dataBlocks);
  again.close();
});

Deno.test("TableBuilder cuts blocks near blockSize and appends in large chunks", () => {
  const vfs = new MemVfs();
  vfs.mkdir("/db");
  const file = vfs.open(TABLE_PATH, { create: true });
  let appends = 0;
  const append = file.append.bind(file);
  file.append = (data: Uint8Array): void => {
    appends++;
    append(data);
  };
  const builder = new TableBuilder(file, {});
  const value = new Uint8Array(100);
  for (let i = 0; i < 10_000; i++) {
    builder.add(enc(`key${String(i).padStart(12, "0")}`), 1, Kind.PUT, value);
  }
  assert.equal(builder.entries, 10_000);
  const estimate = builder.estimatedSize;
  const p = builder.finish();
  const size = file.size();
  assert.ok(Math.abs(size - estimate) < 0.05 * size, `estimate ${estimate}, size ${size}`);
  assert.ok(appends <= Math.ceil(size / 65536) + 1, `${appends} appends for ${size} bytes`);
  // A block is cut once it reaches 4096 bytes, so it ends less than one entry past that.
  const blocks = p.dataBlocks;
  assert.ok(blocks >= size / (4096 + 200) && blocks <= size / 4096 + 1, `${blocks} blocks`);
  file.close();
  const reader = openTable(vfs);
  assert.equal(reader.get(enc(`key${String(5000).padStart(12, "0")}`), 1)?.value.length, 100);
  reader.close();
});

Deno.test("TableBuilder.add() rejects entries out of internal order with RangeError", () => {
  const file = new MemVfs().open("/t.sst", { create: true });
  const builder = new TableBuilder(file, {});
  builder.add(enc("b"), 5, Kind.PUT, enc("v"));
  assert.throws(() => builder.add(enc("a"), 9, Kind.PUT, enc("v")), RangeError);
  assert.throws(() => builder.add(enc("b"), 5, Kind.PUT, enc("v")), RangeError);
  assert.throws(() => builder.add(enc("b"), 6, Kind.DELETE, enc("")), RangeError);
  builder.add(enc("b"), 4, Kind.DELETE, enc(""));
  builder.add(enc("ba"), 9, Kind.PUT, enc("v"));
  assert.throws(() => builder.add(enc("c"), -1, Kind.PUT, enc("v")), RangeError);
  assert.throws(() => builder.add(enc("c"), 1.5, Kind.PUT, enc("v")), RangeError);
  assert.throws(() => builder.add(enc("c"), MAX_SEQUENCE + 1, Kind.PUT, enc("v")), RangeError);
  assert.throws(() => builder.add(enc("c"), 1, 2 as Kind, enc("v")), RangeError);
  assert.equal(builder.entries, 3);
  builder.finish();
  assert.throws(() => builder.add(enc("d"), 1, Kind.PUT, enc("v")), ClosedError);
  assert.throws(() => builder.finish(), ClosedError);
});

Deno.test("TableBuilder rejects bad options and a non-empty file", () => {
  const vfs = new MemVfs();
  const file = vfs.open("/t.sst", { create: true });
  assert.throws(() => new TableBuilder(file, { blockSize: 0 }), RangeError);
  assert.throws(() => new TableBuilder(file, { restartInterval: 0 }), RangeError);
  assert.throws(() => new TableBuilder(file, { bloomBitsPerKey: -1 }), RangeError);
  file.append(new Uint8Array(1));
  assert.throws(() => new TableBuilder(file, {}), RangeError);
});

Deno.test("TableReader rejects calls after close() and bad file numbers", async () => {
  const vfs = new MemVfs();
  await writeTable(vfs, [{ key: enc("a"), seq: 1, kind: Kind.PUT, value: enc("v") }]);
  const reader = openTable(vfs);
  reader.close();
  reader.close();
  assert.throws(() => reader.get(enc("a"), 1), ClosedError);
  assert.throws(() => reader.iterator(), ClosedError);
  const cache = new BlockCache(0);
  const file = vfs.open(TABLE_PATH, { readOnly: true });
  assert.throws(() => TableReader.open(file, { fileNumber: 2 ** 21, cache }), RangeError);
  assert.throws(() => TableReader.open(file, { fileNumber: -1, cache }), RangeError);
  file.close();
});

Deno.test("TableReader finds every key across shortened index separators", async () => {
  const seed = 12;
  const prng = new Prng(seed);
  const unique = new Map<string, Uint8Array>();
  while (unique.size < 2000) {
    const key = prng.bytes(1 + prng.int(10));
    unique.set(key.join(","), key);
  }
  const keys = [...unique.values()].sort(compareBytes);
  const entries = randomEntries(prng, keys, 2);
  const vfs = new MemVfs();
  await writeTable(vfs, entries, { blockSize: 100, restartInterval: 2 });
  const reader = openTable(vfs);
  for (const e of entries) {
    const got = reader.get(e.key, e.seq);
    assert.deepEqual(got, { seq: e.seq, kind: e.kind, value: e.value }, `seed ${seed}`);
  }
  randomWalk(reader.iterator(), entries, prng, 3000, seed);
  reader.close();
});
