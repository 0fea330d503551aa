// The SSTable's on-disk format, shared by the writer and the reader: the file header, the
// block trailer, block handles and the footer. Specified byte by byte in
// docs/table_format.md; change both together.
//
// File layout (all integers little-endian):
//   +--------------+-------------+-----+-------------+--------------+--------------+-------------+-------------+
//   | header (16)  | data block 0 | ... | data block n | filter block | props block  | index block | footer (64) |
//   +--------------+-------------+-----+-------------+--------------+--------------+-------------+-------------+
// Every block is its contents followed by a 5-byte trailer (type, masked CRC).

import { crc32c, maskCrc32c, unmaskCrc32c } from "../../encoding/crc32c.ts";
import { checkHeader, sealHeader, startHeader } from "../../encoding/sealed_header.ts";
import {
  readU16LE,
  readU32LE,
  readU64LE,
  writeU16LE,
  writeU32LE,
  writeU64LE,
} from "../../encoding/fixed.ts";
import { readVarint, varintLength, writeVarint } from "../../encoding/varint.ts";

/** ASCII "cairnsst": the first eight bytes of every table file and the footer's magic. */
export const TABLE_MAGIC: Uint8Array = new TextEncoder().encode("cairnsst");
/** The format version this code writes and reads. */
export const FORMAT_VERSION = 1;

// Header, at file offset 0:
//   +-----------+---------+----------+---------+
//   | magic (8) | ver (2) | zero (2) | crc (4) |
//   +-----------+---------+----------+---------+
// crc: masked CRC32C of bytes 0..12.
export const HEADER_SIZE = 16;

// Block trailer, after every block's contents:
//   +----------+---------+
//   | type (1) | crc (4) |
//   +----------+---------+
// crc: masked CRC32C of the contents followed by the type byte.
export const BLOCK_TRAILER_SIZE = 5;
/** The only block type: contents stored as they are. */
export const BLOCK_TYPE_UNCOMPRESSED = 0;

// Footer, the last 64 bytes of the file:
//   +------------------+-------------------+------------------+---------+----------+-----------+---------+
//   | index handle(16) | filter handle(16) | props handle(16) | ver (2) | zero (2) | magic (8) | crc (4) |
//   +------------------+-------------------+------------------+---------+----------+-----------+---------+
// A handle here is two fixed u64s (offset, size). crc: masked CRC32C of bytes 0..60.
export const FOOTER_SIZE = 64;

/** Where a block lies in the file: `size` counts its contents, not its trailer. */
export interface BlockHandle {
  offset: number;
  size: number;
}

/** What the footer says. */
export interface Footer {
  index: BlockHandle;
  filter: BlockHandle;
  properties: BlockHandle;
}

/** Writes the file header into `out` at offset 0. REQUIRES: `out.length >= HEADER_SIZE`. */
export function encodeHeader(out: Uint8Array): void {
  startHeader(out, TABLE_MAGIC, FORMAT_VERSION, 12);
  sealHeader(out, 12);
}

/**
 * Checks a file header.
 *
 * @returns `undefined` if it is good, else a sentence saying which check failed.
 */
export function checkTableHeader(bytes: Uint8Array): string | undefined {
  const problem = checkHeader(bytes, TABLE_MAGIC, FORMAT_VERSION, 12, "table");
  if (problem !== undefined) return problem;
  if (readU16LE(bytes, 10) !== 0) return "reserved header bytes are not zero";
  return undefined;
}

/** Writes the footer into `out` at offset 0. REQUIRES: `out.length >= FOOTER_SIZE`. */
export function encodeFooter(out: Uint8Array, footer: Footer): void {
  writeU64LE(out, 0, footer.index.offset);
  writeU64LE(out, 8, footer.index.size);
  writeU64LE(out, 16, footer.filter.offset);
  writeU64LE(out, 24, footer.filter.size);
  writeU64LE(out, 32, footer.properties.offset);
  writeU64LE(out, 40, footer.properties.size);
  writeU16LE(out, 48, FORMAT_VERSION);
  writeU16LE(out, 50, 0);
  out.set(TABLE_MAGIC, 52);
  writeU32LE(out, 60, maskCrc32c(crc32c(out.subarray(0, 60))));
}

/**
 * Parses a footer. Handles are not checked against the file size here.
 *
 * @returns The footer, or a sentence saying which check failed.
 */
export function decodeFooter(bytes: Uint8Array): Footer | string {
  if (bytes.length < FOOTER_SIZE) return "table footer is cut short";
  if (unmaskCrc32c(readU32LE(bytes, 60)) !== crc32c(bytes.subarray(0, 60))) {
    return "table footer checksum mismatch";
  }
  for (let i = 0; i < TABLE_MAGIC.length; i++) {
    if (bytes[52 + i] !== TABLE_MAGIC[i]) return "bad table magic in footer";
  }
  const version = readU16LE(bytes, 48);
  if (version !== FORMAT_VERSION) return `unsupported table format version ${version}`;
  if (readU16LE(bytes, 50) !== 0) return "reserved footer bytes are not zero";
  try {
    return {
      index: { offset: readU64LE(bytes, 0), size: readU64LE(bytes, 8) },
      filter: { offset: readU64LE(bytes, 16), size: readU64LE(bytes, 24) },
      properties: { offset: readU64LE(bytes, 32), size: readU64LE(bytes, 40) },
    };
  } catch {
    return "footer block handle out of range";
  }
}

/**
 * Checks a block's trailer against its contents.
 *
 * @param block The contents followed by the 5-byte trailer.
 * @returns `undefined` if it is good, else a sentence saying which check failed.
 */
export function checkBlockTrailer(block: Uint8Array): string | undefined {
  const size = block.length - BLOCK_TRAILER_SIZE;
  const stored = unmaskCrc32c(readU32LE(block, size + 1));
  if (stored !== crc32c(block.subarray(0, size + 1))) return "block checksum mismatch";
  const type = block[size]!;
  if (type !== BLOCK_TYPE_UNCOMPRESSED) return `unknown block type ${type}`;
  return undefined;
}

/**
 * Writes the trailer for `contents` at `out[offset]`.
 *
 * @returns The offset after the trailer.
 */
export function writeBlockTrailer(out: Uint8Array, offset: number, contents: Uint8Array): number {
  out[offset] = BLOCK_TYPE_UNCOMPRESSED;
  const crc = crc32c(out.subarray(offset, offset + 1), crc32c(contents));
  return writeU32LE(out, offset + 1, maskCrc32c(crc));
}

// Block handle inside the index block's values: varint offset, varint size.

/** The encoded length of a handle in an index value. */
export function handleLength(handle: BlockHandle): number {
  return varintLength(handle.offset) + varintLength(handle.size);
}

/** Writes a handle as two varints at `out[offset]`; returns the offset after it. */
export function writeHandle(out: Uint8Array, offset: number, handle: BlockHandle): number {
  return writeVarint(out, writeVarint(out, offset, handle.offset), handle.size);
}

/**
 * Reads a handle that must fill `bytes` exactly.
 *
 * @throws {RangeError} If the varints are bad or do not fill `bytes`.
 */
export function readHandle(bytes: Uint8Array, out: BlockHandle): void {
  const offset = readVarint(bytes, 0);
  const at = varintLength(offset);
  const size = readVarint(bytes, at);
  if (at + varintLength(size) !== bytes.length) throw new RangeError("Handle has trailing bytes");
  out.offset = offset;
  out.size = size;
}
