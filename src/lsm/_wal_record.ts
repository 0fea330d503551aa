// The WAL record of one commit group: every entry of every batch in the group, with the
// sequence number of the first. The record log frames and checksums it; a group is
// applied whole or not at all. Format (docs/impl.md, "The WAL"):
//
//   +------------------+-----------+------------------------------------------------+
//   | first seq (u64)  | count u32 | count x [ kind u8 | key len varint | key |     |
//   |                  |           |           (PUT only) value len varint | value ] |
//   +------------------+-----------+------------------------------------------------+

import { readU32LE, readU64LE, writeU32LE, writeU64LE } from "../encoding/fixed.ts";
import { readVarint, varintLength, writeVarint } from "../encoding/varint.ts";
import { Kind } from "./_internal_key.ts";
import type { BatchEntry } from "./write_batch.ts";

const HEADER = 12;

/** Encodes the entries of a group whose first entry gets sequence `firstSeq`. */
export function encodeGroup(
  firstSeq: number,
  batches: readonly (readonly BatchEntry[])[],
): Uint8Array {
  let size = HEADER;
  let count = 0;
  for (const entries of batches) {
    for (const entry of entries) {
      size += 1 + varintLength(entry.key.length) + entry.key.length;
      if (entry.kind === Kind.PUT) size += varintLength(entry.value.length) + entry.value.length;
      count++;
    }
  }
  const out = new Uint8Array(size);
  writeU64LE(out, 0, firstSeq);
  writeU32LE(out, 8, count);
  let at = HEADER;
  for (const entries of batches) {
    for (const entry of entries) {
      out[at++] = entry.kind;
      at = writeVarint(out, at, entry.key.length);
      out.set(entry.key, at);
      at += entry.key.length;
      if (entry.kind === Kind.PUT) {
        at = writeVarint(out, at, entry.value.length);
        out.set(entry.value, at);
        at += entry.value.length;
      }
    }
  }
  return out;
}

/** A decoded group. Keys and values are views into the record's bytes. */
export interface DecodedGroup {
  firstSeq: number;
  entries: BatchEntry[];
}

const EMPTY: Uint8Array = new Uint8Array(0);

/**
 * Decodes a group record.
 *
 * @throws {RangeError} When the bytes are not a well-formed group (callers report it as
 * corruption of the WAL at the record's position).
 */
export function decodeGroup(bytes: Uint8Array): DecodedGroup {
  if (bytes.length < HEADER) throw new RangeError("WAL record is shorter than its header");
  const firstSeq = readU64LE(bytes, 0);
  const count = readU32LE(bytes, 8);
  const entries: BatchEntry[] = [];
  let at = HEADER;
  const take = (length: number): Uint8Array => {
    if (at + length > bytes.length) throw new RangeError("WAL entry runs past its record");
    const view = bytes.subarray(at, at + length);
    at += length;
    return view;
  };
  for (let i = 0; i < count; i++) {
    if (at >= bytes.length) throw new RangeError("WAL record holds fewer entries than its count");
    const kind = bytes[at++]!;
    if (kind !== Kind.PUT && kind !== Kind.DELETE) {
      throw new RangeError(`Bad WAL entry kind ${kind}`);
    }
    const keyLength = readVarint(bytes, at);
    at += varintLength(keyLength);
    const key = take(keyLength);
    let value = EMPTY;
    if (kind === Kind.PUT) {
      const valueLength = readVarint(bytes, at);
      at += varintLength(valueLength);
      value = take(valueLength);
    }
    entries.push({ kind, key, value });
  }
  if (at !== bytes.length) throw new RangeError("WAL record has bytes after its last entry");
  return { firstSeq, entries };
}
