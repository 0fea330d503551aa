// The WAL record of one commit group: every entry of every batch in the group, with the
// sequence number of the first. The record log frames and checksums it; a group is
// applied whole or not at all. A batch keeps its entries already in this entry format,
// so that a group record is its header and the batches' bytes one after another.
//
//   +------------------+-----------+------------------------------------------------+
//   | first seq (u64)  | count u32 | count x [ kind u8 | key len varint | key |     |
//   |                  |           |           (PUT only) value len varint | value ] |
//   +------------------+-----------+------------------------------------------------+

import { readU32LE, readU64LE, writeU32LE, writeU64LE } from "../encoding/fixed.ts";
import { readVarint, varintLength, writeVarint } from "../encoding/varint.ts";
import { Kind } from "./_internal_key.ts";

/** The size of a group record's header. */
export const GROUP_HEADER_SIZE = 12;

/** Encoded entries: `count` of them in `bytes` (which holds nothing else). */
export interface EntryBytes {
  bytes: Uint8Array;
  count: number;
}

/** The encoded size of one entry. */
export function entrySize(kind: Kind, key: Uint8Array, value: Uint8Array): number {
  const keyPart = 1 + varintLength(key.length) + key.length;
  return kind === Kind.PUT ? keyPart + varintLength(value.length) + value.length : keyPart;
}

/**
 * Writes one entry at `out[at]`. REQUIRES: `entrySize` bytes of room.
 *
 * @returns The offset after the entry.
 */
export function writeEntry(
  out: Uint8Array,
  at: number,
  kind: Kind,
  key: Uint8Array,
  value: Uint8Array,
): number {
  out[at++] = kind;
  at = writeVarint(out, at, key.length);
  out.set(key, at);
  at += key.length;
  if (kind === Kind.PUT) {
    at = writeVarint(out, at, value.length);
    out.set(value, at);
    at += value.length;
  }
  return at;
}

/** The group record of `parts` whose first entry gets sequence `firstSeq`. */
export function encodeGroup(firstSeq: number, parts: readonly EntryBytes[]): Uint8Array {
  let size = GROUP_HEADER_SIZE;
  let count = 0;
  for (const part of parts) {
    size += part.bytes.length;
    count += part.count;
  }
  const out = new Uint8Array(size);
  writeU64LE(out, 0, firstSeq);
  writeU32LE(out, 8, count);
  let at = GROUP_HEADER_SIZE;
  for (const part of parts) {
    out.set(part.bytes, at);
    at += part.bytes.length;
  }
  return out;
}

/** The first sequence and entry count of a group record. */
export function groupHeader(record: Uint8Array): { firstSeq: number; count: number } {
  if (record.length < GROUP_HEADER_SIZE) {
    throw new RangeError("WAL record is shorter than its header");
  }
  return { firstSeq: readU64LE(record, 0), count: readU32LE(record, 8) };
}

const EMPTY: Uint8Array = new Uint8Array(0);

/**
 * Calls `visit` for each of the `count` entries starting at `record[at]`, with views into
 * `record` (valid as long as the record is).
 *
 * @throws {RangeError} When the bytes are not `count` well-formed entries ending at the
 * record's end (callers report it as corruption at the record's position).
 */
export function forEachEntry(
  record: Uint8Array,
  at: number,
  count: number,
  visit: (kind: Kind, key: Uint8Array, value: Uint8Array) => void,
): void {
  for (let i = 0; i < count; i++) {
    if (at >= record.length) throw new RangeError("WAL record holds fewer entries than its count");
    const kind = record[at++]!;
    if (kind !== Kind.PUT && kind !== Kind.DELETE) {
      throw new RangeError(`Bad WAL entry kind ${kind}`);
    }
    const keyLength = readVarint(record, at);
    at += varintLength(keyLength);
    if (at + keyLength > record.length) throw new RangeError("WAL entry runs past its record");
    const key = record.subarray(at, at + keyLength);
    at += keyLength;
    let value = EMPTY;
    if (kind === Kind.PUT) {
      const valueLength = readVarint(record, at);
      at += varintLength(valueLength);
      if (at + valueLength > record.length) throw new RangeError("WAL entry runs past its record");
      value = record.subarray(at, at + valueLength);
      at += valueLength;
    }
    visit(kind, key, value);
  }
  if (at !== record.length) throw new RangeError("WAL record has bytes after its last entry");
}
