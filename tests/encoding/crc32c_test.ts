import assert from "node:assert/strict";
import { crc32c, maskCrc32c, unmaskCrc32c } from "../../src/encoding/crc32c.ts";
import { Prng } from "../_helpers/prng.ts";

const newSeed = (): number => crypto.getRandomValues(new Uint32Array(1))[0]!;

/** Bit-at-a-time CRC-32C, the oracle for the table-driven code. */
function referenceCrc32c(data: Uint8Array): number {
  let c = 0xffff_ffff;
  for (const byte of data) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

/** Copies `data` into a larger buffer at `shift` and returns the view of it there. */
function shifted(data: Uint8Array, shift: number): Uint8Array {
  const buf = new Uint8Array(data.length + shift + 3).fill(0xa5);
  buf.set(data, shift);
  return buf.subarray(shift, shift + data.length);
}

const ascending = Uint8Array.from({ length: 32 }, (_, i) => i);
const vectors: ReadonlyArray<readonly [string, Uint8Array, number]> = [
  ["ASCII 123456789", new TextEncoder().encode("123456789"), 0xe3069283],
  ["32 zero bytes", new Uint8Array(32), 0x8a9136aa],
  ["32 bytes of 0xff", new Uint8Array(32).fill(0xff), 0x62a8ab43],
  ["bytes 0..31 ascending", ascending, 0x46dd794e],
  ["bytes 31..0 descending", ascending.slice().reverse(), 0x113fdb5c],
];

Deno.test("crc32c() matches the RFC 3720 check value", () => {
  assert.equal(crc32c(new TextEncoder().encode("123456789")), 0xe3069283);
});

Deno.test("crc32c() matches the RFC 3720 and LevelDB test vectors", () => {
  for (const [name, data, expected] of vectors) {
    assert.equal(crc32c(data), expected, name);
  }
});

Deno.test("crc32c() gives the same vectors from subarrays at every alignment", () => {
  for (const [name, data, expected] of vectors) {
    for (let shift = 0; shift < 8; shift++) {
      assert.equal(crc32c(shifted(data, shift)), expected, `${name}, shift ${shift}`);
    }
  }
});

Deno.test("crc32c() of no bytes is 0, and extending by no bytes changes nothing", () => {
  assert.equal(crc32c(new Uint8Array(0)), 0);
  assert.equal(crc32c(new Uint8Array(0), 0xe3069283), 0xe3069283);
});

Deno.test("crc32c() agrees with a bitwise reference for every length and alignment", () => {
  const seed = newSeed();
  const prng = new Prng(seed);
  for (let length = 0; length <= 300; length++) {
    const data = prng.bytes(length);
    const expected = referenceCrc32c(data);
    for (let shift = 0; shift < 4; shift++) {
      assert.equal(crc32c(shifted(data, shift)), expected, `seed ${seed}, length ${length}`);
    }
  }
  const big = prng.bytes(100_003);
  assert.equal(crc32c(big.subarray(3)), referenceCrc32c(big.subarray(3)), `seed ${seed}`);
});

Deno.test("crc32c() extends a running checksum as if over the concatenation", () => {
  const seed = newSeed();
  const prng = new Prng(seed);
  for (let round = 0; round < 200; round++) {
    const data = prng.bytes(prng.int(round < 100 ? 200 : 5000));
    const cut = prng.int(data.length + 1);
    const whole = crc32c(data);
    const joined = crc32c(data.subarray(cut), crc32c(data.subarray(0, cut)));
    assert.equal(joined, whole, `seed ${seed}, length ${data.length}, cut ${cut}`);
  }
});

Deno.test("crc32c() returns an unsigned 32-bit integer", () => {
  const seed = newSeed();
  const prng = new Prng(seed);
  for (let round = 0; round < 100; round++) {
    const crc = crc32c(prng.bytes(prng.int(100)));
    assert.ok(Number.isInteger(crc) && crc >= 0 && crc <= 0xffff_ffff, `seed ${seed}`);
  }
});

Deno.test("maskCrc32c() rotates and adds the LevelDB delta", () => {
  assert.equal(maskCrc32c(0), 0xa282ead8);
  assert.equal(maskCrc32c(0xffff_ffff), 0xa282ead7);
  assert.equal(maskCrc32c(1), 0x2_0000 + 0xa282ead8);
});

Deno.test("unmaskCrc32c() inverts maskCrc32c() and results stay unsigned", () => {
  const seed = newSeed();
  const prng = new Prng(seed);
  for (const crc of [0, 1, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 0xe3069283]) {
    assert.equal(unmaskCrc32c(maskCrc32c(crc)), crc);
  }
  for (let round = 0; round < 1000; round++) {
    const crc = prng.next();
    const masked = maskCrc32c(crc);
    assert.ok(masked >= 0 && masked <= 0xffff_ffff, `seed ${seed}`);
    assert.equal(unmaskCrc32c(masked), crc, `seed ${seed}`);
  }
});

Deno.test("maskCrc32c() changes a checksum, and masking twice differs from once", () => {
  const crc = crc32c(new TextEncoder().encode("foo"));
  assert.notEqual(maskCrc32c(crc), crc);
  assert.notEqual(maskCrc32c(maskCrc32c(crc)), crc);
  assert.equal(unmaskCrc32c(unmaskCrc32c(maskCrc32c(maskCrc32c(crc)))), crc);
});
