// A cursor over a byte array that decodes fixed-width little-endian integers, varints and
// byte slices in sequence, advancing past each. Reads never copy: `bytes(n)` is a view.

import { readU16LE, readU32LE, readU64LE } from "./fixed.ts";
import { readVarint, varintLength } from "./varint.ts";

/**
 * Reads values in order from a byte array. Every method throws `RangeError` rather than
 * read past the end; callers that parse stored bytes turn it into a `CorruptionError`.
 *
 * @example Decoding a header
 * ```ts
 * import { ByteReader } from "./byte_reader.ts";
 * import assert from "node:assert/strict";
 *
 * const reader = new ByteReader(new Uint8Array([7, 0xac, 0x02, 0x34, 0x12, 9, 9]));
 * assert.equal(reader.u8(), 7);
 * assert.equal(reader.varint(), 300);
 * assert.equal(reader.u16(), 0x1234);
 * assert.deepEqual(reader.bytes(reader.remaining), new Uint8Array([9, 9]));
 * assert.throws(() => reader.u8(), RangeError);
 * ```
 */
export class ByteReader {
  /** The array being read; borrowed, not copied, and never written. */
  readonly #bytes: Uint8Array;
  /** Where the next read starts; may be set to seek, within 0 to the array's length. */
  offset: number;

  /**
   * Starts reading `bytes` at `offset`.
   *
   * @param bytes The array to read; the caller must not change it while reading.
   * @param offset Where the first read starts.
   * @throws {RangeError} If `offset` is not an integer from 0 to `bytes.length`.
   */
  constructor(bytes: Uint8Array, offset = 0) {
    if (!Number.isInteger(offset) || offset < 0 || offset > bytes.length) {
      throw new RangeError(
        `Reader offset ${offset} is outside a ${bytes.length}-byte buffer`,
      );
    }
    this.#bytes = bytes;
    this.offset = offset;
  }

  /** The number of bytes left to read. */
  get remaining(): number {
    return this.#bytes.length - this.offset;
  }

  /**
   * Reads one byte.
   *
   * @returns The byte, from 0 to 255.
   * @throws {RangeError} If no bytes remain.
   */
  u8(): number {
    const byte = this.#bytes[this.offset];
    if (byte === undefined) {
      throw new RangeError(
        `Reading 1 byte at offset ${this.offset} runs past the end of a ${this.#bytes.length}-byte buffer`,
      );
    }
    this.offset++;
    return byte;
  }

  /**
   * Reads a little-endian unsigned 16-bit integer.
   *
   * @returns The integer, from 0 to 65535.
   * @throws {RangeError} If fewer than 2 bytes remain.
   */
  u16(): number {
    const value = readU16LE(this.#bytes, this.offset);
    this.offset += 2;
    return value;
  }

  /**
   * Reads a little-endian unsigned 32-bit integer.
   *
   * @returns The integer, from 0 to 2^32-1.
   * @throws {RangeError} If fewer than 4 bytes remain.
   */
  u32(): number {
    const value = readU32LE(this.#bytes, this.offset);
    this.offset += 4;
    return value;
  }

  /**
   * Reads a little-endian unsigned 64-bit integer.
   *
   * @returns The integer, from 0 to 2^53-1.
   * @throws {RangeError} If fewer than 8 bytes remain or the value is above 2^53-1.
   */
  u64(): number {
    const value = readU64LE(this.#bytes, this.offset);
    this.offset += 8;
    return value;
  }

  /**
   * Reads a varint.
   *
   * @returns The value, from 0 to 2^53-1.
   * @throws {RangeError} If the varint runs past the end, is longer than 8 bytes, is above
   * 2^53-1, or is not minimally encoded.
   */
  varint(): number {
    const value = readVarint(this.#bytes, this.offset);
    this.offset += varintLength(value);
    return value;
  }

  /**
   * Reads `n` bytes as a view into the array, without copying.
   *
   * @param n How many bytes to read.
   * @returns A subarray sharing memory with the array being read.
   * @throws {RangeError} If `n` is not a non-negative integer or fewer than `n` bytes remain.
   */
  bytes(n: number): Uint8Array {
    if (!Number.isInteger(n) || n < 0) {
      throw new RangeError(`Byte count ${n} is not a non-negative integer`);
    }
    if (n > this.remaining) {
      throw new RangeError(
        `Reading ${n} bytes at offset ${this.offset} runs past the end of a ${this.#bytes.length}-byte buffer`,
      );
    }
    const view = this.#bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return view;
  }
}
