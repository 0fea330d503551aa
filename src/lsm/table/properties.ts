// The properties block: what a table holds, for the manifest, compaction picking and
// stats. Contents (docs/table_format.md, "Properties block"), every field a varint
// except the key bytes:
//
//   | entries | tombstones | raw_key_bytes | raw_value_bytes | data_blocks | min_seq | max_seq |
//   | smallest_key_len | smallest_key | smallest_seq | largest_key_len | largest_key | largest_seq |

import { compareBytes } from "../../encoding/bytes.ts";
import { ByteReader } from "../../encoding/byte_reader.ts";
import { ByteWriter } from "../../encoding/byte_writer.ts";
import { compareInternal, MAX_SEQUENCE } from "../_internal_key.ts";

/**
 * What a table holds. In a table with no entries the keys are empty and the sequence
 * numbers 0: the key and sequence fields mean something only when `entries > 0`.
 */
export interface TableProperties {
  /** The number of entries (puts and deletes). */
  entries: number;
  /** The number of delete entries. */
  tombstones: number;
  /** The sum of the user keys' lengths (without trailers). */
  rawKeyBytes: number;
  /** The sum of the values' lengths. */
  rawValueBytes: number;
  /** The number of data blocks. */
  dataBlocks: number;
  /** The smallest sequence number of any entry. */
  minSeq: number;
  /** The largest sequence number of any entry. */
  maxSeq: number;
  /** The first entry's user key. */
  smallestKey: Uint8Array;
  /** The first entry's sequence number. */
  smallestSeq: number;
  /** The last entry's user key. */
  largestKey: Uint8Array;
  /** The last entry's sequence number. */
  largestSeq: number;
}

/** Encodes properties as a properties block's contents (a view of a new buffer). */
export function encodeProperties(p: TableProperties): Uint8Array {
  return new ByteWriter(64 + p.smallestKey.length + p.largestKey.length)
    .varint(p.entries).varint(p.tombstones).varint(p.rawKeyBytes).varint(p.rawValueBytes)
    .varint(p.dataBlocks).varint(p.minSeq).varint(p.maxSeq)
    .varint(p.smallestKey.length).bytes(p.smallestKey).varint(p.smallestSeq)
    .varint(p.largestKey.length).bytes(p.largestKey).varint(p.largestSeq)
    .finish();
}

/**
 * Decodes and checks a properties block's contents.
 *
 * @param contents The block's contents; the keys returned are copies.
 * @returns The properties, or a sentence saying which check failed.
 */
export function decodeProperties(contents: Uint8Array): TableProperties | string {
  let p: TableProperties;
  try {
    const r = new ByteReader(contents);
    p = {
      entries: r.varint(),
      tombstones: r.varint(),
      rawKeyBytes: r.varint(),
      rawValueBytes: r.varint(),
      dataBlocks: r.varint(),
      minSeq: r.varint(),
      maxSeq: r.varint(),
      smallestKey: r.bytes(r.varint()).slice(),
      smallestSeq: r.varint(),
      largestKey: r.bytes(r.varint()).slice(),
      largestSeq: r.varint(),
    };
    if (r.remaining !== 0) return "properties block has trailing bytes";
  } catch {
    return "properties block is malformed";
  }
  if (p.entries === 0) {
    const empty = p.tombstones === 0 && p.rawKeyBytes === 0 && p.rawValueBytes === 0 &&
      p.dataBlocks === 0 && p.minSeq === 0 && p.maxSeq === 0 && p.smallestKey.length === 0 &&
      p.smallestSeq === 0 && p.largestKey.length === 0 && p.largestSeq === 0;
    return empty ? p : "properties of an empty table are not empty";
  }
  if (p.tombstones > p.entries || p.dataBlocks < 1 || p.dataBlocks > p.entries) {
    return "properties counts are inconsistent";
  }
  if (
    p.maxSeq > MAX_SEQUENCE || p.minSeq > p.maxSeq ||
    p.smallestSeq < p.minSeq || p.smallestSeq > p.maxSeq ||
    p.largestSeq < p.minSeq || p.largestSeq > p.maxSeq
  ) {
    return "properties sequence numbers are inconsistent";
  }
  if (
    compareInternal(p.smallestKey, p.smallestSeq, p.largestKey, p.largestSeq) > 0 ||
    p.rawKeyBytes < p.smallestKey.length ||
    (p.entries === 1 && compareBytes(p.smallestKey, p.largestKey) !== 0)
  ) {
    return "properties key range is inconsistent";
  }
  return p;
}
