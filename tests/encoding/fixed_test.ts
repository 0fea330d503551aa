import assert from "node:assert/strict";
import {
  readU16LE,
  readU32LE,
  readU64LE,
  writeU16LE,
  writeU32LE,
  writeU64LE,
} from "../../src/encoding/fixed.ts";
import { Prng } from "../_helpers/prng.ts";

const newSeed = (): number => crypto.getRandomValues(new Uint32Array(1))[0]!;
const MAX = Number.MAX_SAFE_INTEGER;
/** Sentence case, no final period. */
const MESSAGE = /^[A-Z][^\n]*[^.]$/;

Deno.test("writeU16LE() and writeU32LE() lay bytes out little-endian", () => {
  const buf = new Uint8Array(7);
  assert.equal(writeU16LE(buf, 1, 0xbeef), 3);
  assert.equal(writeU32LE(buf, 3, 0x01020304), 7);
  assert.deepEqual(buf, new Uint8Array([0, 0xef, 0xbe, 4, 3, 2, 1]));
});

Deno.test("writeU64LE() lays bytes out little-endian", () => {
  const buf = new Uint8Array(8);
  assert.equal(writeU64LE(buf, 0, 0x0011_2233_4455_6677), 8);
  assert.deepEqual(buf, new Uint8Array([0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0]));
  writeU64LE(buf, 0, MAX);
  assert.deepEqual(buf, new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0]));
});

Deno.test("fixed-width integers round-trip at boundary values", () => {
  const buf = new Uint8Array(8);
  for (const v of [0, 1, 127, 128, 255, 256, 0xffff]) {
    writeU16LE(buf, 0, v);
    assert.equal(readU16LE(buf, 0), v);
  }
  for (const v of [0, 127, 128, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff]) {
    writeU32LE(buf, 0, v);
    assert.equal(readU32LE(buf, 0), v);
  }
  for (const v of [0, 127, 128, 0xffff_ffff, 2 ** 32, 2 ** 52, MAX - 1, MAX]) {
    writeU64LE(buf, 0, v);
    assert.equal(readU64LE(buf, 0), v);
  }
});

Deno.test("fixed-width integers round-trip at random values and offsets", () => {
  const seed = newSeed();
  const prng = new Prng(seed);
  const parent = new Uint8Array(40);
  for (let round = 0; round < 1000; round++) {
    const buf = parent.subarray(prng.int(8));
    const at = prng.int(16);
    const v16 = prng.int(0x1_0000);
    const v32 = prng.next();
    const v64 = prng.int(MAX) + prng.int(2);
    assert.equal(writeU64LE(buf, writeU32LE(buf, writeU16LE(buf, at, v16), v32), v64), at + 14);
    assert.equal(readU16LE(buf, at), v16, `seed ${seed}`);
    assert.equal(readU32LE(buf, at + 2), v32, `seed ${seed}`);
    assert.equal(readU64LE(buf, at + 6), v64, `seed ${seed}`);
  }
});

Deno.test("fixed-width writers throw RangeError for out-of-range values", () => {
  const buf = new Uint8Array(8);
  const cases: ReadonlyArray<readonly [(v: number) => number, number[]]> = [
    [(v) => writeU16LE(buf, 0, v), [-1, 0x1_0000, 1.5, NaN]],
    [(v) => writeU32LE(buf, 0, v), [-1, 2 ** 32, 0.5, Infinity]],
    [(v) => writeU64LE(buf, 0, v), [-1, 2 ** 53, 2 ** 64, 1.5, NaN, Infinity]],
  ];
  for (const [write, values] of cases) {
    for (const v of values) {
      assert.throws(() => write(v), (e) => e instanceof RangeError && MESSAGE.test(e.message));
    }
  }
  assert.deepEqual(buf, new Uint8Array(8));
});

Deno.test("fixed-width writers throw RangeError rather than write past the end", () => {
  const buf = new Uint8Array(7);
  assert.throws(() => writeU16LE(buf, 6, 1), RangeError);
  assert.throws(() => writeU32LE(buf, 4, 1), RangeError);
  assert.throws(() => writeU64LE(buf, 0, 1), RangeError);
  assert.throws(() => writeU32LE(buf, -1, 1), RangeError);
  assert.deepEqual(buf, new Uint8Array(7));
});

Deno.test("fixed-width readers throw RangeError rather than read past the end", () => {
  const buf = new Uint8Array(10).subarray(3);
  for (const read of [() => readU16LE(buf, 6), () => readU32LE(buf, 4), () => readU64LE(buf, 0)]) {
    assert.throws(read, (e) => e instanceof RangeError && MESSAGE.test(e.message));
  }
  assert.throws(() => readU16LE(buf, -1), RangeError);
  assert.throws(() => readU32LE(buf, 0.5), RangeError);
});

Deno.test("readU64LE() throws RangeError for a stored value above 2^53-1", () => {
  const buf = new Uint8Array(8);
  writeU64LE(buf, 0, MAX);
  buf[0] = 0; // 2^53 - 256: still safe
  assert.equal(readU64LE(buf, 0), MAX - 255);
  buf[6] = 0x20; // sets bit 53
  assert.throws(() => readU64LE(buf, 0), (e) => e instanceof RangeError && MESSAGE.test(e.message));
  assert.throws(() => readU64LE(new Uint8Array(8).fill(0xff), 0), RangeError);
});
