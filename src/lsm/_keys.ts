// Turning user keys and values (bytes or strings) into bytes, with the size limits the
// engine documents and enforces.

import { utf8Encode } from "../encoding/bytes.ts";

/** A key or value: bytes, or a string stored as its UTF-8 bytes. */
export type Bytes = Uint8Array | string;

/** The largest key, in bytes. */
export const MAX_KEY_SIZE = 64 * 1024;
/** The largest value, in bytes. */
export const MAX_VALUE_SIZE = 16 * 1024 * 1024;
/** The largest batch: the sum of its keys and values (one WAL record holds it). */
export const MAX_BATCH_SIZE = 48 * 1024 * 1024;

/**
 * The bytes of a key; a Uint8Array is returned as is (callers copy before keeping it).
 *
 * @throws {TypeError} When `key` is neither a Uint8Array nor a string.
 * @throws {RangeError} When it is longer than {@linkcode MAX_KEY_SIZE}.
 */
export function keyBytes(key: unknown, what = "Key"): Uint8Array {
  const bytes = toBytes(key, what);
  if (bytes.length > MAX_KEY_SIZE) {
    throw new RangeError(`${what} of ${bytes.length} bytes exceeds the maximum of ${MAX_KEY_SIZE}`);
  }
  return bytes;
}

/**
 * The bytes of a value; see {@linkcode keyBytes}.
 *
 * @throws {TypeError} When `value` is neither a Uint8Array nor a string.
 * @throws {RangeError} When it is longer than {@linkcode MAX_VALUE_SIZE}.
 */
export function valueBytes(value: unknown): Uint8Array {
  const bytes = toBytes(value, "Value");
  if (bytes.length > MAX_VALUE_SIZE) {
    throw new RangeError(
      `Value of ${bytes.length} bytes exceeds the maximum of ${MAX_VALUE_SIZE}`,
    );
  }
  return bytes;
}

function toBytes(input: unknown, what: string): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (typeof input === "string") return utf8Encode(input);
  throw new TypeError(`${what} must be a Uint8Array or a string, got ${describe(input)}`);
}

function describe(input: unknown): string {
  if (input === null) return "null";
  if (Array.isArray(input)) return "an array";
  return typeof input === "object" ? (input.constructor?.name ?? "an object") : typeof input;
}
