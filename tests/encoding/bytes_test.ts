import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  compareBytes,
  concatBytes,
  equalBytes,
  utf8Decode,
  utf8Encode,
} from "../../src/encoding/bytes.ts";
import { Prng } from "../_helpers/prng.ts";

const newSeed = (): number => crypto.getRandomValues(new Uint32Array(1))[0]!;
const b = (...values: number[]): Uint8Array => new Uint8Array(values);

Deno.test("compareBytes() orders by the first differing byte, unsigned", () => {
  assert.equal(compareBytes(b(1, 2, 3), b(1, 2, 4)), -1);
  assert.equal(compareBytes(b(1, 2, 4), b(1, 2, 3)), 1);
  assert.equal(compareBytes(b(0x7f), b(0x80)), -1);
  assert.equal(compareBytes(b(0xff, 0), b(0, 0xff, 0xff)), 1);
});

Deno.test("compareBytes() sorts a proper prefix first and equal bytes as 0", () => {
  assert.equal(compareBytes(b(1, 2), b(1, 2, 0)), -1);
  assert.equal(compareBytes(b(1, 2, 0), b(1, 2)), 1);
  assert.equal(compareBytes(b(), b(0)), -1);
  assert.equal(compareBytes(b(), b()), 0);
  assert.equal(compareBytes(b(5, 6), b(4, 5, 6).subarray(1)), 0);
});

Deno.test("compareBytes() agrees with Buffer.compare on random inputs", () => {
  const seed = newSeed();
  const prng = new Prng(seed);
  for (let round = 0; round < 2000; round++) {
    // A tiny alphabet and short lengths make ties and shared prefixes common.
    const x = prng.bytes(prng.int(6)).map((v) => v & 3);
    const y = prng.bytes(prng.int(6)).map((v) => v & 3);
    assert.equal(compareBytes(x, y), Buffer.compare(x, y), `seed ${seed}`);
  }
});

Deno.test("equalBytes() compares length and contents", () => {
  assert.ok(equalBytes(b(), b()));
  assert.ok(equalBytes(b(1, 2, 3), b(0, 1, 2, 3).subarray(1)));
  assert.ok(!equalBytes(b(1, 2, 3), b(1, 2)));
  assert.ok(!equalBytes(b(1, 2, 3), b(1, 2, 4)));
});

Deno.test("concatBytes() joins parts into a new array", () => {
  const first = b(1, 2);
  const joined = concatBytes([first, b(), b(0, 3, 4).subarray(1)]);
  assert.deepEqual(joined, b(1, 2, 3, 4));
  joined[0] = 9;
  assert.equal(first[0], 1);
  assert.deepEqual(concatBytes([]), b());
});

Deno.test("utf8Encode() and utf8Decode() round-trip text", () => {
  for (const text of ["", "key", "é", "日本語", "🪨 cairn", "\u0000"]) {
    assert.equal(utf8Decode(utf8Encode(text)), text);
  }
  assert.deepEqual(utf8Encode("🪨"), b(0xf0, 0x9f, 0xaa, 0xa8));
});

Deno.test("utf8Decode() keeps a leading byte order mark", () => {
  assert.equal(utf8Decode(b(0xef, 0xbb, 0xbf, 0x61)), "\ufeffa");
});

Deno.test("utf8Decode() throws TypeError on invalid UTF-8", () => {
  for (const bad of [b(0xff), b(0xc3), b(0xc0, 0x80), b(0xed, 0xa0, 0x80), b(0x61, 0x80)]) {
    assert.throws(() => utf8Decode(bad), TypeError);
  }
});

Deno.test("utf8Encode() replaces a lone surrogate with U+FFFD", () => {
  assert.deepEqual(utf8Encode("\ud800"), b(0xef, 0xbf, 0xbd));
});
