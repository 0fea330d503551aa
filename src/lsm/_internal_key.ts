// Internal keys: a user key, the sequence number of the write, and its kind. Internal keys
// sort by user key ascending, then by sequence number descending, so that the newest
// version of a key comes first. On disk an internal key is the user key followed by an
// 8-byte little-endian trailer: sequence * 256 + kind (docs/table_format.md).

import { compareBytes } from "../encoding/bytes.ts";
import { readU64LE, writeU64LE } from "../encoding/fixed.ts";

/** What a write did to its key. */
export const Kind = { DELETE: 0, PUT: 1 } as const;
/** A {@linkcode Kind} value. */
export type Kind = typeof Kind[keyof typeof Kind];

/** The trailer's size on disk. */
export const TRAILER_SIZE = 8;
/**
 * The largest sequence number: the trailer `sequence * 256 + kind` must stay a safe
 * integer, so sequences stay below 2^45 (35 trillion writes).
 */
export const MAX_SEQUENCE: number = 2 ** 45 - 1;

/**
 * Orders two internal keys: by user key ascending, then by sequence descending.
 *
 * @returns Negative, zero or positive, as `a` sorts before, with, or after `b`.
 */
export function compareInternal(
  aKey: Uint8Array,
  aSeq: number,
  bKey: Uint8Array,
  bSeq: number,
): number {
  const byKey = compareBytes(aKey, bKey);
  return byKey !== 0 ? byKey : bSeq - aSeq;
}

/** Encodes an internal key: the user key, then the trailer. */
export function encodeInternalKey(key: Uint8Array, seq: number, kind: Kind): Uint8Array {
  const out = new Uint8Array(key.length + TRAILER_SIZE);
  out.set(key, 0);
  writeU64LE(out, key.length, seq * 256 + kind);
  return out;
}

/** Writes the trailer of `(seq, kind)` at `out[offset]`; returns the offset after it. */
export function writeTrailer(out: Uint8Array, offset: number, seq: number, kind: Kind): number {
  return writeU64LE(out, offset, seq * 256 + kind);
}

/**
 * Reads the trailer stored at `bytes[offset]`.
 *
 * @returns `seq * 256 + kind`; split it with {@linkcode trailerSeq} and
 * {@linkcode trailerKind}.
 * @throws {RangeError} When the stored value is not a safe integer.
 */
export function readTrailer(bytes: Uint8Array, offset: number): number {
  return readU64LE(bytes, offset);
}

/** The sequence number in a trailer value. */
export function trailerSeq(trailer: number): number {
  return Math.floor(trailer / 256);
}

/** The kind in a trailer value (not checked: callers check it is a {@linkcode Kind}). */
export function trailerKind(trailer: number): number {
  return trailer % 256;
}
