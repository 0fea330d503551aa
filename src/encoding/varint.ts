// LEB128 varints as LevelDB writes them: seven bits per byte, least significant group
// first, the high bit set on every byte but the last. Values are safe integers, 0 to
// 2^53-1, so an encoding takes 1 to 8 bytes.
//
// Decoding is stricter than LevelDB's: an encoding must be minimal (no trailing 0x00
// group), so every value has exactly one encoding and `varintLength(readVarint(b, o))`
// is always the number of bytes read.

/** The most bytes a varint of a safe integer takes: ceil(53 / 7). */
const MAX_VARINT_BYTES = 8;
/** The largest final byte an 8-byte varint can have: 53 - 7 * 7 = 4 bits. */
const MAX_LAST_BYTE = 0x0f;

function checkValue(value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`Varint value ${value} is not an integer from 0 to 2^53-1`);
  }
}

/**
 * Tells how many bytes {@linkcode writeVarint} takes for a value.
 *
 * @param value An integer from 0 to 2^53-1.
 * @returns The encoded length, 1 to 8.
 * @throws {RangeError} If `value` is not an integer from 0 to 2^53-1.
 *
 * @example Sizing a buffer
 * ```ts
 * import { varintLength } from "./varint.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(varintLength(127), 1);
 * assert.equal(varintLength(128), 2);
 * assert.equal(varintLength(Number.MAX_SAFE_INTEGER), 8);
 * ```
 */
export function varintLength(value: number): number {
  checkValue(value);
  let length = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    length++;
  }
  return length;
}

/**
 * Writes a value as a varint.
 *
 * @param buf The array to write into.
 * @param offset Where the first byte goes.
 * @param value An integer from 0 to 2^53-1.
 * @returns The offset just after the written bytes.
 * @throws {RangeError} If `value` is out of range or the encoding does not fit in `buf`.
 *
 * @example Writing a length prefix
 * ```ts
 * import { writeVarint } from "./varint.ts";
 * import assert from "node:assert/strict";
 *
 * const buf = new Uint8Array(4);
 * assert.equal(writeVarint(buf, 1, 300), 3);
 * assert.deepEqual(buf, new Uint8Array([0, 0xac, 0x02, 0]));
 * ```
 */
export function writeVarint(buf: Uint8Array, offset: number, value: number): number {
  const length = varintLength(value);
  if (!Number.isInteger(offset) || offset < 0 || offset > buf.length - length) {
    throw new RangeError(
      `Writing a ${length}-byte varint at offset ${offset} runs past the end of a ${buf.length}-byte buffer`,
    );
  }
  let v = value;
  while (v >= 0x80) {
    buf[offset++] = (v & 0x7f) | 0x80;
    v = v > 0x7fff_ffff ? Math.floor(v / 0x80) : v >>> 7;
  }
  buf[offset++] = v;
  return offset;
}

/**
 * Reads a varint. The bytes it took are `varintLength(value)`, since only minimal
 * encodings are accepted; `ByteReader` advances by that much.
 *
 * @param buf The array to read from.
 * @param offset Where the first byte is.
 * @returns The value, from 0 to 2^53-1.
 * @throws {RangeError} If the varint runs past the end of `buf`, is longer than 8 bytes,
 * is above 2^53-1, or is not minimally encoded.
 *
 * @example Reading a length prefix
 * ```ts
 * import { readVarint } from "./varint.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(readVarint(new Uint8Array([0xac, 0x02]), 0), 300);
 * assert.throws(() => readVarint(new Uint8Array([0xac]), 0), RangeError);
 * ```
 */
export function readVarint(buf: Uint8Array, offset: number): number {
  if (!Number.isInteger(offset) || offset < 0 || offset >= buf.length) {
    throw pastEnd(buf, offset);
  }
  let byte = buf[offset]!;
  if (byte < 0x80) return byte;
  let value = byte & 0x7f;
  let scale = 0x80;
  for (let i = 1;; i++) {
    if (offset + i >= buf.length) throw pastEnd(buf, offset);
    byte = buf[offset + i]!;
    if (i === MAX_VARINT_BYTES - 1) {
      if (byte >= 0x80) {
        throw new RangeError(`Varint at offset ${offset} is longer than ${MAX_VARINT_BYTES} bytes`);
      }
      if (byte > MAX_LAST_BYTE) throw new RangeError(`Varint at offset ${offset} is above 2^53-1`);
    }
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      if (byte === 0) throw new RangeError(`Varint at offset ${offset} is not minimally encoded`);
      return value;
    }
    scale *= 0x80;
  }
}

function pastEnd(buf: Uint8Array, offset: number): RangeError {
  return new RangeError(
    `Varint at offset ${offset} runs past the end of a ${buf.length}-byte buffer`,
  );
}
