// Little-endian fixed-width unsigned integers read from and written to a byte array at an
// offset, byte by byte (no DataView per call). 64-bit values travel as `number` and are
// limited to safe integers, 0 to 2^53-1.

const TWO_32 = 0x1_0000_0000;
/** The largest high word a safe integer can have: (2^53-1) / 2^32, rounded down. */
const MAX_SAFE_HIGH = 0x1f_ffff;

function checkRead(buf: Uint8Array, offset: number, size: number): void {
  if (!Number.isInteger(offset) || offset < 0 || offset > buf.length - size) {
    throw new RangeError(
      `Reading ${size} bytes at offset ${offset} runs past the end of a ${buf.length}-byte buffer`,
    );
  }
}

function checkWrite(
  buf: Uint8Array,
  offset: number,
  size: number,
  value: number,
  max: number,
): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`Value ${value} is not an integer from 0 to ${max}`);
  }
  if (!Number.isInteger(offset) || offset < 0 || offset > buf.length - size) {
    throw new RangeError(
      `Writing ${size} bytes at offset ${offset} runs past the end of a ${buf.length}-byte buffer`,
    );
  }
}

/**
 * Writes an unsigned 16-bit integer, little-endian.
 *
 * @param buf The array to write into.
 * @param offset Where the first byte goes.
 * @param value An integer from 0 to 65535.
 * @returns The offset just after the written bytes.
 * @throws {RangeError} If `value` is out of range or the bytes do not fit in `buf`.
 *
 * @example Writing and reading back
 * ```ts
 * import { readU16LE, writeU16LE } from "./fixed.ts";
 * import assert from "node:assert/strict";
 *
 * const buf = new Uint8Array(2);
 * assert.equal(writeU16LE(buf, 0, 0x1234), 2);
 * assert.deepEqual(buf, new Uint8Array([0x34, 0x12]));
 * assert.equal(readU16LE(buf, 0), 0x1234);
 * ```
 */
export function writeU16LE(buf: Uint8Array, offset: number, value: number): number {
  checkWrite(buf, offset, 2, value, 0xffff);
  buf[offset] = value;
  buf[offset + 1] = value >>> 8;
  return offset + 2;
}

/**
 * Reads an unsigned 16-bit integer, little-endian.
 *
 * @param buf The array to read from.
 * @param offset Where the first byte is.
 * @returns The integer, from 0 to 65535.
 * @throws {RangeError} If the two bytes are not all inside `buf`.
 *
 * @example Reading a length
 * ```ts
 * import { readU16LE } from "./fixed.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(readU16LE(new Uint8Array([0, 0x01, 0x02]), 1), 0x0201);
 * ```
 */
export function readU16LE(buf: Uint8Array, offset: number): number {
  checkRead(buf, offset, 2);
  return buf[offset]! | (buf[offset + 1]! << 8);
}

/**
 * Writes an unsigned 32-bit integer, little-endian.
 *
 * @param buf The array to write into.
 * @param offset Where the first byte goes.
 * @param value An integer from 0 to 2^32-1.
 * @returns The offset just after the written bytes.
 * @throws {RangeError} If `value` is out of range or the bytes do not fit in `buf`.
 *
 * @example Writing a checksum
 * ```ts
 * import { writeU32LE } from "./fixed.ts";
 * import assert from "node:assert/strict";
 *
 * const buf = new Uint8Array(4);
 * writeU32LE(buf, 0, 0xe3069283);
 * assert.deepEqual(buf, new Uint8Array([0x83, 0x92, 0x06, 0xe3]));
 * ```
 */
export function writeU32LE(buf: Uint8Array, offset: number, value: number): number {
  checkWrite(buf, offset, 4, value, 0xffff_ffff);
  buf[offset] = value;
  buf[offset + 1] = value >>> 8;
  buf[offset + 2] = value >>> 16;
  buf[offset + 3] = value >>> 24;
  return offset + 4;
}

/**
 * Reads an unsigned 32-bit integer, little-endian.
 *
 * @param buf The array to read from.
 * @param offset Where the first byte is.
 * @returns The integer, from 0 to 2^32-1.
 * @throws {RangeError} If the four bytes are not all inside `buf`.
 *
 * @example Reading a checksum
 * ```ts
 * import { readU32LE } from "./fixed.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(readU32LE(new Uint8Array([0x83, 0x92, 0x06, 0xe3]), 0), 0xe3069283);
 * ```
 */
export function readU32LE(buf: Uint8Array, offset: number): number {
  checkRead(buf, offset, 4);
  return (buf[offset]! | (buf[offset + 1]! << 8) | (buf[offset + 2]! << 16) |
    (buf[offset + 3]! << 24)) >>> 0;
}

/**
 * Writes an unsigned 64-bit integer, little-endian, from a safe integer.
 *
 * @param buf The array to write into.
 * @param offset Where the first byte goes.
 * @param value An integer from 0 to 2^53-1 (`Number.MAX_SAFE_INTEGER`).
 * @returns The offset just after the written bytes.
 * @throws {RangeError} If `value` is out of range or the bytes do not fit in `buf`.
 *
 * @example Writing a sequence number
 * ```ts
 * import { readU64LE, writeU64LE } from "./fixed.ts";
 * import assert from "node:assert/strict";
 *
 * const buf = new Uint8Array(8);
 * assert.equal(writeU64LE(buf, 0, 2 ** 40 + 7), 8);
 * assert.equal(readU64LE(buf, 0), 2 ** 40 + 7);
 * assert.throws(() => writeU64LE(buf, 0, 2 ** 53), RangeError);
 * ```
 */
export function writeU64LE(buf: Uint8Array, offset: number, value: number): number {
  checkWrite(buf, offset, 8, value, Number.MAX_SAFE_INTEGER);
  writeU32LE(buf, offset, value >>> 0);
  writeU32LE(buf, offset + 4, Math.floor(value / TWO_32));
  return offset + 8;
}

/**
 * Reads an unsigned 64-bit integer, little-endian, into a safe integer.
 *
 * @param buf The array to read from.
 * @param offset Where the first byte is.
 * @returns The integer, from 0 to 2^53-1.
 * @throws {RangeError} If the eight bytes are not all inside `buf`, or the stored value
 * is above 2^53-1.
 *
 * @example Rejecting a value a number cannot hold exactly
 * ```ts
 * import { readU64LE } from "./fixed.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(readU64LE(new Uint8Array([1, 0, 0, 0, 1, 0, 0, 0]), 0), 2 ** 32 + 1);
 * assert.throws(() => readU64LE(new Uint8Array(8).fill(0xff), 0), RangeError);
 * ```
 */
export function readU64LE(buf: Uint8Array, offset: number): number {
  checkRead(buf, offset, 8);
  const low = readU32LE(buf, offset);
  const high = readU32LE(buf, offset + 4);
  if (high > MAX_SAFE_HIGH) {
    throw new RangeError(`Value at offset ${offset} is above 2^53-1`);
  }
  return high * TWO_32 + low;
}
