import assert from "node:assert/strict";
import { ByteWriter } from "../../src/encoding/byte_writer.ts";

const b = (...values: number[]): Uint8Array => new Uint8Array(values);

Deno.test("ByteWriter appends each kind of value little-endian and in order", () => {
  const writer = new ByteWriter()
    .u8(0xff)
    .u16(0x1234)
    .u32(0x01020304)
    .u64(2 ** 32 + 1)
    .varint(128)
    .bytes(b(7, 8, 9).subarray(1));
  assert.equal(writer.length, 19);
  assert.deepEqual(
    writer.finish(),
    b(0xff, 0x34, 0x12, 4, 3, 2, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0x80, 0x01, 8, 9),
  );
});

Deno.test("ByteWriter grows from any starting capacity", () => {
  for (const capacity of [0, 1, 3]) {
    const writer = new ByteWriter(capacity);
    const expected: number[] = [];
    for (let i = 0; i < 1000; i++) {
      writer.u32(i);
      expected.push(i & 0xff, (i >>> 8) & 0xff, 0, 0);
    }
    writer.bytes(new Uint8Array(5000).fill(1));
    assert.equal(writer.length, 9000);
    assert.deepEqual(writer.finish(), Uint8Array.from([...expected, ...new Array(5000).fill(1)]));
  }
});

Deno.test("ByteWriter.finish() returns a view that later writes leave unchanged", () => {
  const writer = new ByteWriter(4).u16(0xabcd);
  const first = writer.finish();
  writer.u64(Number.MAX_SAFE_INTEGER).u8(1);
  assert.deepEqual(first, b(0xcd, 0xab));
  assert.equal(writer.finish().length, 11);
  assert.deepEqual(writer.finish().subarray(0, 2), b(0xcd, 0xab));
  assert.deepEqual(new ByteWriter().finish(), b());
});

Deno.test("ByteWriter.bytes() copies its argument", () => {
  const data = b(1, 2);
  const writer = new ByteWriter().bytes(data);
  data[0] = 9;
  assert.deepEqual(writer.finish(), b(1, 2));
});

Deno.test("ByteWriter throws RangeError for out-of-range values and writes nothing", () => {
  const writer = new ByteWriter(0).u8(5);
  const bad: ReadonlyArray<() => unknown> = [
    () => writer.u8(256),
    () => writer.u8(-1),
    () => writer.u8(0.5),
    () => writer.u16(0x1_0000),
    () => writer.u32(2 ** 32),
    () => writer.u64(2 ** 53),
    () => writer.u64(-1),
    () => writer.varint(2 ** 53),
    () => writer.varint(NaN),
  ];
  for (const write of bad) {
    assert.throws(write, (e) => e instanceof RangeError && /^[A-Z][^\n]*[^.]$/.test(e.message));
  }
  assert.deepEqual(writer.finish(), b(5));
});

Deno.test("ByteWriter throws RangeError for a bad starting capacity", () => {
  for (const capacity of [-1, 0.5, NaN]) {
    assert.throws(() => new ByteWriter(capacity), RangeError);
  }
});
