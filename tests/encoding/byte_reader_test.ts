import assert from "node:assert/strict";
import { ByteReader } from "../../src/encoding/byte_reader.ts";
import { ByteWriter } from "../../src/encoding/byte_writer.ts";
import { Prng } from "../_helpers/prng.ts";

const newSeed = (): number => crypto.getRandomValues(new Uint32Array(1))[0]!;
/** Sentence case, no final period. */
const MESSAGE = /^[A-Z][^\n]*[^.]$/;
const b = (...values: number[]): Uint8Array => new Uint8Array(values);

Deno.test("ByteReader reads each kind of value in order and advances past it", () => {
  const reader = new ByteReader(
    b(0xff, 0x34, 0x12, 4, 3, 2, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0x80, 0x01, 7, 8, 9),
  );
  assert.equal(reader.u8(), 0xff);
  assert.equal(reader.u16(), 0x1234);
  assert.equal(reader.u32(), 0x01020304);
  assert.equal(reader.u64(), 2 ** 32 + 1);
  assert.equal(reader.offset, 15);
  assert.equal(reader.varint(), 128);
  assert.equal(reader.offset, 17);
  assert.equal(reader.remaining, 3);
  assert.deepEqual(reader.bytes(3), b(7, 8, 9));
  assert.equal(reader.remaining, 0);
});

Deno.test("ByteReader starts at the given offset of an unaligned subarray", () => {
  const parent = b(9, 9, 9, 0x01, 0x02, 0x03);
  const reader = new ByteReader(parent.subarray(2), 1);
  assert.equal(reader.u16(), 0x0201);
  assert.equal(reader.remaining, 1);
});

Deno.test("ByteReader.bytes() returns a view, not a copy", () => {
  const data = b(1, 2, 3, 4);
  const reader = new ByteReader(data, 1);
  const view = reader.bytes(2);
  data[1] = 42;
  assert.deepEqual(view, b(42, 3));
  assert.equal(view.buffer, data.buffer);
  assert.deepEqual(reader.bytes(0), b());
});

Deno.test("ByteReader throws RangeError past the end and does not advance", () => {
  const reads: ReadonlyArray<readonly [string, (r: ByteReader) => unknown]> = [
    ["u16", (r) => r.u16()],
    ["u32", (r) => r.u32()],
    ["u64", (r) => r.u64()],
    ["varint", (r) => r.varint()],
    ["bytes", (r) => r.bytes(2)],
  ];
  for (const [name, read] of reads) {
    const reader = new ByteReader(b(0, 0x80), 1);
    assert.throws(
      () => read(reader),
      (e) => e instanceof RangeError && MESSAGE.test(e.message),
      name,
    );
    assert.equal(reader.offset, 1, name);
  }
  const atEnd = new ByteReader(b(0, 0x80), 2);
  assert.throws(() => atEnd.u8(), (e) => e instanceof RangeError && MESSAGE.test(e.message));
  assert.equal(atEnd.offset, 2);
  assert.throws(() => new ByteReader(b(0)).bytes(-1), RangeError);
});

Deno.test("ByteReader rejects a malformed varint and a u64 above 2^53-1", () => {
  assert.throws(() => new ByteReader(b(0x80, 0x00)).varint(), RangeError);
  assert.throws(() => new ByteReader(new Uint8Array(8).fill(0xff)).u64(), RangeError);
});

Deno.test("ByteReader throws RangeError for a start offset outside the array", () => {
  for (const offset of [-1, 3, 0.5, NaN]) {
    assert.throws(() => new ByteReader(b(1, 2), offset), RangeError);
  }
  assert.equal(new ByteReader(b(1, 2), 2).remaining, 0);
});

Deno.test("ByteReader reads back what ByteWriter wrote, for random sequences", () => {
  const seed = newSeed();
  const prng = new Prng(seed);
  for (let round = 0; round < 100; round++) {
    const writer = new ByteWriter(prng.int(16));
    const ops: Array<readonly [number, number | Uint8Array]> = [];
    for (let i = prng.int(50); i > 0; i--) {
      const kind = prng.int(6);
      const value = [
        () => prng.int(0x100),
        () => prng.int(0x1_0000),
        () => prng.next(),
        () => prng.int(2 ** (1 + prng.int(53))),
        () => prng.int(2 ** (1 + prng.int(53))),
        () => prng.bytes(prng.int(20)),
      ][kind]!();
      ops.push([kind, value]);
      if (typeof value !== "number") writer.bytes(value);
      else {[writer.u8, writer.u16, writer.u32, writer.u64, writer.varint][kind]!.call(
          writer,
          value,
        );}
    }
    const reader = new ByteReader(writer.finish());
    for (const [kind, value] of ops) {
      const read = typeof value === "number"
        ? [reader.u8, reader.u16, reader.u32, reader.u64, reader.varint][kind]!.call(reader)
        : reader.bytes(value.length);
      assert.deepEqual(read, value, `seed ${seed}, round ${round}`);
    }
    assert.equal(reader.remaining, 0, `seed ${seed}, round ${round}`);
  }
});
