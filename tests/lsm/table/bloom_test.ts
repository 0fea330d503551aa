import assert from "node:assert/strict";
import {
  BloomFilter,
  BloomFilterBuilder,
  probesFor,
  xxHash32,
} from "../../../src/lsm/table/bloom.ts";
import { Prng } from "../../_helpers/prng.ts";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

Deno.test("xxHash32 matches the reference test vectors", () => {
  assert.equal(xxHash32(enc(""), 0), 0x02cc5d05);
  assert.equal(xxHash32(enc("a"), 0), 0x550d7456);
  assert.equal(xxHash32(enc("abc"), 0), 0x32d153ff);
  assert.equal(xxHash32(enc("Nobody inspects the spammish repetition"), 0), 0xe2293b2f);
});

Deno.test("probesFor rounds bits per key times ln 2 and clamps to 1..30", () => {
  assert.equal(probesFor(1), 1);
  assert.equal(probesFor(10), 7);
  assert.equal(probesFor(20), 14);
  assert.equal(probesFor(100), 30);
});

/** Builds a filter over `keys` and measures its false-positive rate on `probes`. */
function measure(keys: Uint8Array[], probes: Uint8Array[], bitsPerKey = 10): number {
  const builder = new BloomFilterBuilder(bitsPerKey);
  for (const key of keys) builder.add(key);
  const filter = new BloomFilter(builder.finish());
  for (const key of keys) assert.ok(filter.mayContain(key), "a false negative");
  let positives = 0;
  for (const key of probes) if (filter.mayContain(key)) positives++;
  return positives / probes.length;
}

Deno.test("A 10 bits per key bloom filter has at most 1.2 % false positives on 100k random keys", () => {
  const seed = 20240601;
  const prng = new Prng(seed);
  const keys = Array.from({ length: 100_000 }, () => prng.bytes(16));
  // Probe keys are 17 bytes long, so none was added.
  const probes = Array.from({ length: 100_000 }, () => prng.bytes(17));
  const rate = measure(keys, probes);
  console.log(`bloom false-positive rate, random keys: ${(rate * 100).toFixed(3)} %`);
  assert.ok(rate <= 0.012, `seed ${seed}: false-positive rate ${rate}`);
});

Deno.test("A 10 bits per key bloom filter has at most 1.2 % false positives on sequential keys", () => {
  const keys = Array.from({ length: 100_000 }, (_, i) => enc(`user${String(i).padStart(8, "0")}`));
  const probes = Array.from(
    { length: 100_000 },
    (_, i) => enc(`user${String(i + 100_000).padStart(8, "0")}`),
  );
  const rate = measure(keys, probes);
  console.log(`bloom false-positive rate, sequential keys: ${(rate * 100).toFixed(3)} %`);
  assert.ok(rate <= 0.012, `false-positive rate ${rate}`);
});

Deno.test("A bloom filter over few keys still has at least 64 bits", () => {
  const builder = new BloomFilterBuilder(10);
  builder.add(enc("only"));
  const contents = builder.finish();
  assert.equal(contents.length, 9);
  assert.equal(contents[8], 7);
  assert.ok(new BloomFilter(contents).mayContain(enc("only")));
  assert.ok(new BloomFilter(new BloomFilterBuilder(10).finish()) instanceof BloomFilter);
});

Deno.test("BloomFilter rejects contents with a bad probe count", () => {
  assert.throws(() => new BloomFilter(new Uint8Array([0])), RangeError);
  assert.throws(() => new BloomFilter(new Uint8Array([0, 0])), RangeError);
  assert.throws(() => new BloomFilter(new Uint8Array([0, 31])), RangeError);
  assert.throws(() => new BloomFilterBuilder(0), RangeError);
});
