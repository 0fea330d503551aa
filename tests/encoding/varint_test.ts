import assert from "node:assert/strict";
import { readVarint, varintLength, writeVarint } from "../../src/encoding/varint.ts";
import { Prng } from "../_helpers/prng.ts";

const newSeed = (): number => crypto.getRandomValues(new Uint32Array(1))[0]!;
const MAX = Number.MAX_SAFE_INTEGER;
/** Sentence case, no final period. */
const MESSAGE = /^[A-Z][^\n]*[^.]$/;
const b = (...values: number[]): Uint8Array => new Uint8Array(values);

const encodings: ReadonlyArray<readonly [number, Uint8Array]> = [
  [0, b(0)],
  [1, b(1)],
  [127, b(0x7f)],
  [128, b(0x80, 0x01)],
  [300, b(0xac, 0x02)],
  [16383, b(0xff, 0x7f)],
  [16384, b(0x80, 0x80, 0x01)],
  [2 ** 31, b(0x80, 0x80, 0x80, 0x80, 0x08)],
  [2 ** 32 - 1, b(0xff, 0xff, 0xff, 0xff, 0x0f)],
  [2 ** 32, b(0x80, 0x80, 0x80, 0x80, 0x10)],
  [MAX, b(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f)],
];

Deno.test("writeVarint() produces LevelDB's encodings", () => {
  for (const [value, expected] of encodings) {
    const buf = new Uint8Array(10);
    assert.equal(writeVarint(buf, 1, value), 1 + expected.length, `value ${value}`);
    assert.deepEqual(buf.subarray(1, 1 + expected.length), expected, `value ${value}`);
    assert.equal(varintLength(value), expected.length, `value ${value}`);
  }
});

Deno.test("readVarint() decodes LevelDB's encodings from unaligned subarrays", () => {
  for (const [value, encoded] of encodings) {
    const parent = new Uint8Array(encoded.length + 5);
    parent.set(encoded, 3);
    assert.equal(readVarint(parent.subarray(1), 2), value, `value ${value}`);
  }
});

Deno.test("varintLength() steps up at each power of 128", () => {
  for (let k = 1; k < 8; k++) {
    assert.equal(varintLength(2 ** (7 * k) - 1), k);
    assert.equal(varintLength(2 ** (7 * k)), k + 1);
  }
  assert.equal(varintLength(MAX), 8);
});

Deno.test("varints round-trip at random values of every length", () => {
  const seed = newSeed();
  const prng = new Prng(seed);
  const buf = new Uint8Array(16);
  for (let round = 0; round < 5000; round++) {
    const bits = 1 + prng.int(53);
    const value = prng.int(2 ** bits);
    const at = prng.int(8);
    const end = writeVarint(buf, at, value);
    assert.equal(end - at, varintLength(value), `seed ${seed}, value ${value}`);
    assert.equal(readVarint(buf, at), value, `seed ${seed}, value ${value}`);
  }
});

Deno.test("writeVarint() and varintLength() throw RangeError for unsafe values", () => {
  for (const value of [-1, 2 ** 53, 2 ** 64, 0.5, NaN, Infinity]) {
    assert.throws(
      () => varintLength(value),
      (e) => e instanceof RangeError && MESSAGE.test(e.message),
    );
    assert.throws(() => writeVarint(new Uint8Array(10), 0, value), RangeError);
  }
});

Deno.test("writeVarint() throws RangeError and writes nothing if the varint does not fit", () => {
  const buf = new Uint8Array(4);
  assert.throws(
    () => writeVarint(buf, 1, 2 ** 21),
    (e) => e instanceof RangeError && MESSAGE.test(e.message),
  );
  assert.throws(() => writeVarint(buf, -1, 0), RangeError);
  assert.throws(() => writeVarint(buf, 4, 0), RangeError);
  assert.deepEqual(buf, new Uint8Array(4));
  assert.equal(writeVarint(buf, 1, 2 ** 21 - 1), 4);
});

Deno.test("readVarint() throws RangeError for malformed input", () => {
  const bad: ReadonlyArray<readonly [string, Uint8Array, number]> = [
    ["empty buffer", b(), 0],
    ["offset at the end", b(1), 1],
    ["negative offset", b(1), -1],
    ["truncated", b(0x80, 0x80), 0],
    ["truncated after offset", b(0, 0xff), 1],
    ["longer than 8 bytes", b(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01), 0],
    ["above 2^53-1", b(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10), 0],
    ["not minimal, 2 bytes", b(0x80, 0x00), 0],
    ["not minimal, 5 bytes", b(0xff, 0xff, 0xff, 0xff, 0x80, 0x00), 0],
  ];
  for (const [name, buf, offset] of bad) {
    assert.throws(
      () => readVarint(buf, offset),
      (e) => e instanceof RangeError && MESSAGE.test(e.message),
      name,
    );
  }
});

Deno.test("readVarint() names the offset in its error message", () => {
  assert.throws(() => readVarint(b(0, 0, 0x80), 2), { name: "RangeError", message: /offset 2/ });
});
