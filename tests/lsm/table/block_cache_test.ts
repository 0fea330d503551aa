import assert from "node:assert/strict";
import { BlockCache } from "../../../src/lsm/table/block_cache.ts";

const block = (size: number, fill = 0): Uint8Array => new Uint8Array(size).fill(fill);

Deno.test("BlockCache counts hits and misses and returns the cached block", () => {
  const cache = new BlockCache(1000);
  assert.equal(cache.get(1, 0), undefined);
  const b = block(100, 5);
  cache.set(1, 0, b);
  assert.equal(cache.get(1, 0), b);
  assert.equal(cache.get(1, 100), undefined);
  assert.equal(cache.get(2, 0), undefined);
  assert.deepEqual(cache.stats, { hits: 1, misses: 3, bytes: 100, entries: 1, evictions: 0 });
});

Deno.test("BlockCache evicts the least recently used blocks once past its capacity in bytes", () => {
  const cache = new BlockCache(300);
  cache.set(1, 0, block(100));
  cache.set(1, 100, block(100));
  cache.set(1, 200, block(100));
  cache.get(1, 0); // now the newest
  cache.set(2, 0, block(150)); // evicts (1, 100) and (1, 200)
  assert.notEqual(cache.get(1, 0), undefined);
  assert.equal(cache.get(1, 100), undefined);
  assert.equal(cache.get(1, 200), undefined);
  assert.notEqual(cache.get(2, 0), undefined);
  assert.equal(cache.stats.bytes, 250);
  assert.equal(cache.stats.entries, 2);
  assert.equal(cache.stats.evictions, 2);
});

Deno.test("BlockCache replacing a block updates the bytes held", () => {
  const cache = new BlockCache(1000);
  cache.set(3, 8, block(100));
  cache.set(3, 8, block(40));
  assert.equal(cache.stats.bytes, 40);
  assert.equal(cache.stats.entries, 1);
  assert.equal(cache.get(3, 8)?.length, 40);
});

Deno.test("BlockCache.evictFile drops only that file's blocks", () => {
  const cache = new BlockCache(10_000);
  for (let i = 0; i < 5; i++) {
    cache.set(1, i * 100, block(100));
    cache.set(2, i * 100, block(50));
  }
  cache.evictFile(1);
  cache.evictFile(9);
  assert.equal(cache.stats.entries, 5);
  assert.equal(cache.stats.bytes, 250);
  assert.equal(cache.stats.evictions, 0);
  for (let i = 0; i < 5; i++) {
    assert.equal(cache.get(1, i * 100), undefined);
    assert.notEqual(cache.get(2, i * 100), undefined);
  }
  // The file's offsets index is consistent after LRU evictions too.
  const small = new BlockCache(200);
  small.set(4, 0, block(100));
  small.set(4, 100, block(100));
  small.set(5, 0, block(100));
  small.evictFile(4);
  assert.equal(small.stats.entries, 1);
  assert.equal(small.stats.bytes, 100);
});

Deno.test("BlockCache with capacity 0 caches nothing, and skips blocks larger than capacity", () => {
  const off = new BlockCache(0);
  off.set(1, 0, block(10));
  assert.equal(off.get(1, 0), undefined);
  assert.equal(off.stats.entries, 0);
  const small = new BlockCache(50);
  small.set(1, 0, block(51));
  assert.equal(small.stats.entries, 0);
});

Deno.test("BlockCache keys distinguish file numbers and offsets at their limits", () => {
  const cache = new BlockCache(1000);
  cache.set(2 ** 21 - 1, 2 ** 32 - 1, block(1, 1));
  cache.set(2 ** 21 - 2, 2 ** 32 - 1, block(1, 2));
  cache.set(0, 0, block(1, 3));
  assert.equal(cache.get(2 ** 21 - 1, 2 ** 32 - 1)?.[0], 1);
  assert.equal(cache.get(2 ** 21 - 2, 2 ** 32 - 1)?.[0], 2);
  assert.equal(cache.get(0, 0)?.[0], 3);
});

Deno.test("BlockCache rejects out-of-range arguments", () => {
  assert.throws(() => new BlockCache(-1), RangeError);
  assert.throws(() => new BlockCache(1.5), RangeError);
  const cache = new BlockCache(100);
  assert.throws(() => cache.set(2 ** 21, 0, block(1)), RangeError);
  assert.throws(() => cache.set(-1, 0, block(1)), RangeError);
  assert.throws(() => cache.set(0, 2 ** 32, block(1)), RangeError);
});

Deno.test("BlockCache admits a block on its second miss and forgets misses past its bound", () => {
  // The doorkeeper holds two misses per 4 KiB of capacity: 4 here, then starts over.
  const cache = new BlockCache(8192);
  assert.equal(cache.admits(1, 0), false, "a first miss is remembered");
  assert.equal(cache.admits(1, 0), true, "a second miss is admitted");
  assert.equal(cache.admits(1, 0), false, "and forgotten once admitted");
  cache.admits(2, 0);
  cache.admits(2, 4096);
  assert.equal(cache.admits(1, 0), true, "still remembered within the bound");
  for (let offset = 0; offset < 5 * 4096; offset += 4096) cache.admits(3, offset);
  assert.equal(cache.admits(2, 0), false, "forgotten once the bound was passed");
  assert.equal(new BlockCache(0).admits(1, 0), false, "capacity 0 admits nothing");
});
