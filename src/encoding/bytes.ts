// Byte-string helpers: bytewise ordering and equality (the order keys sort in),
// concatenation, and strict UTF-8 conversion through shared encoder and decoder instances.

const ENCODER = new TextEncoder();
// `ignoreBOM` keeps a leading U+FEFF as data instead of silently stripping it.
const DECODER = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Compares two byte strings as `memcmp` would, then by length: a proper prefix sorts first.
 *
 * @param a The first byte string.
 * @param b The second byte string.
 * @returns -1 if `a` sorts before `b`, 1 if after, 0 if they are equal.
 *
 * @example Ordering keys
 * ```ts
 * import { compareBytes } from "./bytes.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(compareBytes(new Uint8Array([1, 2]), new Uint8Array([1, 3])), -1);
 * assert.equal(compareBytes(new Uint8Array([1, 2]), new Uint8Array([1])), 1);
 * assert.equal(compareBytes(new Uint8Array([]), new Uint8Array([])), 0);
 * ```
 */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/**
 * Tells whether two byte strings hold the same bytes.
 *
 * @param a The first byte string.
 * @param b The second byte string.
 * @returns `true` if both have the same length and contents.
 *
 * @example Comparing a magic number
 * ```ts
 * import { equalBytes } from "./bytes.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(equalBytes(new Uint8Array([0xca, 0x19]), new Uint8Array([0xca, 0x19])));
 * assert.ok(!equalBytes(new Uint8Array([0xca]), new Uint8Array([0xca, 0x19])));
 * ```
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return false;
  }
  return true;
}

/**
 * Joins byte strings into one newly allocated array.
 *
 * @param parts The byte strings, in order; none is retained.
 * @returns A new array holding every part back to back.
 *
 * @example Joining a header and a payload
 * ```ts
 * import { concatBytes } from "./bytes.ts";
 * import assert from "node:assert/strict";
 *
 * const joined = concatBytes([new Uint8Array([1, 2]), new Uint8Array([3])]);
 * assert.deepEqual(joined, new Uint8Array([1, 2, 3]));
 * ```
 */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const part of parts) total += part.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * Encodes a string as UTF-8. Lone surrogates become U+FFFD, as `TextEncoder` does.
 *
 * @param s The string to encode.
 * @returns A new array holding the UTF-8 bytes.
 *
 * @example Encoding a key
 * ```ts
 * import { utf8Encode } from "./bytes.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(utf8Encode("é"), new Uint8Array([0xc3, 0xa9]));
 * ```
 */
export function utf8Encode(s: string): Uint8Array {
  return ENCODER.encode(s);
}

/**
 * Decodes UTF-8 bytes into a string, keeping a leading byte order mark as U+FEFF.
 *
 * @param b The bytes to decode.
 * @returns The decoded string.
 * @throws {TypeError} If `b` is not valid UTF-8.
 *
 * @example Decoding a key and rejecting bad bytes
 * ```ts
 * import { utf8Decode } from "./bytes.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(utf8Decode(new Uint8Array([0xc3, 0xa9])), "é");
 * assert.throws(() => utf8Decode(new Uint8Array([0xff])), TypeError);
 * ```
 */
export function utf8Decode(b: Uint8Array): string {
  return DECODER.decode(b);
}
