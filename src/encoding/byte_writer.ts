// An append-only, growable byte buffer that encodes fixed-width little-endian integers,
// varints and byte slices in sequence. `finish()` returns a view, not a copy.

import { writeU16LE, writeU32LE, writeU64LE } from "./fixed.ts";
import { varintLength, writeVarint } from "./varint.ts";

const DEFAULT_CAPACITY = 64;

/**
 * Builds a byte string by appending values. The buffer doubles as needed. Bytes once
 * written never change, so a view from {@linkcode ByteWriter.finish} stays valid while
 * writing goes on.
 *
 * @example Encoding a header
 * ```ts
 * import { ByteWriter } from "./byte_writer.ts";
 * import assert from "node:assert/strict";
 *
 * const bytes = new ByteWriter().u8(7).varint(300).u16(0x1234).bytes(new Uint8Array([9]))
 *   .finish();
 * assert.deepEqual(bytes, new Uint8Array([7, 0xac, 0x02, 0x34, 0x12, 9]));
 * ```
 */
export class ByteWriter {
  #buf: Uint8Array;
  #length = 0;

  /**
   * Makes an empty writer.
   *
   * @param capacity How many bytes to allocate at first.
   * @throws {RangeError} If `capacity` is not a non-negative integer.
   */
  constructor(capacity: number = DEFAULT_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new RangeError(`Capacity ${capacity} is not a non-negative integer`);
    }
    this.#buf = new Uint8Array(capacity);
  }

  /** The number of bytes written so far. */
  get length(): number {
    return this.#length;
  }

  /**
   * Appends one byte.
   *
   * @param value An integer from 0 to 255.
   * @returns This writer.
   * @throws {RangeError} If `value` is out of range.
   */
  u8(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xff) {
      throw new RangeError(`Value ${value} is not an integer from 0 to 255`);
    }
    this.#reserve(1)[this.#length++] = value;
    return this;
  }

  /**
   * Appends a little-endian unsigned 16-bit integer.
   *
   * @param value An integer from 0 to 65535.
   * @returns This writer.
   * @throws {RangeError} If `value` is out of range.
   */
  u16(value: number): this {
    this.#length = writeU16LE(this.#reserve(2), this.#length, value);
    return this;
  }

  /**
   * Appends a little-endian unsigned 32-bit integer.
   *
   * @param value An integer from 0 to 2^32-1.
   * @returns This writer.
   * @throws {RangeError} If `value` is out of range.
   */
  u32(value: number): this {
    this.#length = writeU32LE(this.#reserve(4), this.#length, value);
    return this;
  }

  /**
   * Appends a little-endian unsigned 64-bit integer.
   *
   * @param value An integer from 0 to 2^53-1.
   * @returns This writer.
   * @throws {RangeError} If `value` is out of range.
   */
  u64(value: number): this {
    this.#length = writeU64LE(this.#reserve(8), this.#length, value);
    return this;
  }

  /**
   * Appends a varint.
   *
   * @param value An integer from 0 to 2^53-1.
   * @returns This writer.
   * @throws {RangeError} If `value` is out of range.
   */
  varint(value: number): this {
    this.#length = writeVarint(this.#reserve(varintLength(value)), this.#length, value);
    return this;
  }

  /**
   * Appends a copy of `data`.
   *
   * @param data The bytes to append; not retained.
   * @returns This writer.
   */
  bytes(data: Uint8Array): this {
    this.#reserve(data.length).set(data, this.#length);
    this.#length += data.length;
    return this;
  }

  /**
   * Returns the bytes written so far. The writer may still be appended to afterwards.
   *
   * @returns A view of the written bytes, sharing memory with the writer's buffer.
   */
  finish(): Uint8Array {
    return this.#buf.subarray(0, this.#length);
  }

  /** Grows the buffer so `n` more bytes fit, and returns it. */
  #reserve(n: number): Uint8Array {
    const needed = this.#length + n;
    if (needed > this.#buf.length) {
      const grown = new Uint8Array(Math.max(needed, this.#buf.length * 2));
      grown.set(this.#buf.subarray(0, this.#length));
      this.#buf = grown;
    }
    return this.#buf;
  }
}
