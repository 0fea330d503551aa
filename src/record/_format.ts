// The record log's on-disk format, shared by the writer and the reader. Specified byte
// by byte in docs/log_format.md; change both together.

import { crc32c, maskCrc32c, unmaskCrc32c } from "../encoding/crc32c.ts";
import { checkHeader, sealHeader, startHeader } from "../encoding/sealed_header.ts";
import {
  readU16LE,
  readU32LE,
  readU64LE,
  writeU16LE,
  writeU32LE,
  writeU64LE,
} from "../encoding/fixed.ts";

/** ASCII "cairnlog": the first eight bytes of every segment file. */
export const SEGMENT_MAGIC: Uint8Array = new TextEncoder().encode("cairnlog");
/** The format version this code writes and reads. */
export const FORMAT_VERSION = 1;
/** Chunks never cross a block boundary; blocks are counted from the file's first byte. */
export const BLOCK_SIZE = 32 * 1024;

// Segment header, at file offset 0:
//   +----------------+---------+-----------+------------+------------+---------------+--------+
//   | magic (8)      | ver (2) | flags (2) | block (4)  | segment(8) | base pos (8)  | crc(4) |
//   +----------------+---------+-----------+------------+------------+---------------+--------+
// crc: masked CRC32C of bytes 0..32. All integers little-endian.
export const SEGMENT_HEADER_SIZE = 36;
/** Header flag: the segment may hold FRONTIER chunks (it was written with preallocation). */
export const SEGMENT_FLAG_FRONTIER = 1;

// Chunk header, then `length` payload bytes:
//   +---------+------------+----------+----------------+
//   | crc (4) | length (2) | type (1) | segment lo (4) |
//   +---------+------------+----------+----------------+
// crc: masked CRC32C of header bytes 4..11 followed by the payload.
export const CHUNK_HEADER_SIZE = 11;
/** The largest payload one chunk carries: a whole block less its header. */
export const MAX_CHUNK_PAYLOAD = BLOCK_SIZE - CHUNK_HEADER_SIZE;

/**
 * Chunk types. A record is one FULL chunk, or FIRST, MIDDLE…, LAST. A FRONTIER chunk,
 * between records, carries an 8-byte file offset up to which the segment was durable when
 * it was written. Zero is never written.
 */
export const ChunkType = { FULL: 1, FIRST: 2, MIDDLE: 3, LAST: 4, FRONTIER: 5 } as const;
/** Bytes of a FRONTIER chunk, header and payload. */
export const FRONTIER_CHUNK_SIZE = CHUNK_HEADER_SIZE + 8;

/** What a segment header says. */
export interface SegmentHeader {
  segmentId: number;
  basePosition: number;
  /** Whether the segment may hold FRONTIER chunks (flag `SEGMENT_FLAG_FRONTIER`). */
  frontier: boolean;
}

/** Writes a segment header into `out` at offset 0. REQUIRES: `out.length >= SEGMENT_HEADER_SIZE`. */
export function encodeSegmentHeader(out: Uint8Array, header: SegmentHeader): void {
  startHeader(out, SEGMENT_MAGIC, FORMAT_VERSION, 32);
  writeU16LE(out, 10, header.frontier ? SEGMENT_FLAG_FRONTIER : 0);
  writeU32LE(out, 12, BLOCK_SIZE);
  writeU64LE(out, 16, header.segmentId);
  writeU64LE(out, 24, header.basePosition);
  sealHeader(out, 32);
}

/**
 * Parses a segment header.
 *
 * @returns The header, or a sentence saying which check failed.
 */
export function decodeSegmentHeader(bytes: Uint8Array): SegmentHeader | string {
  const problem = checkHeader(bytes, SEGMENT_MAGIC, FORMAT_VERSION, 32, "segment");
  if (problem !== undefined) return problem;
  const flags = readU16LE(bytes, 10);
  if ((flags & ~SEGMENT_FLAG_FRONTIER) !== 0) return `unsupported segment flags ${flags}`;
  if (readU32LE(bytes, 12) !== BLOCK_SIZE) return "unsupported block size";
  try {
    return {
      segmentId: readU64LE(bytes, 16),
      basePosition: readU64LE(bytes, 24),
      frontier: flags === SEGMENT_FLAG_FRONTIER,
    };
  } catch {
    return "segment id or base position out of range";
  }
}

/** The low 32 bits of a segment id, as stored in every chunk header. */
export function segmentIdLow(segmentId: number): number {
  return segmentId % 0x1_0000_0000;
}

/**
 * Writes a chunk header for `payload` at `out[offset]`, computing its checksum.
 * REQUIRES: room for the header; the payload is written by the caller after it.
 */
export function encodeChunkHeader(
  out: Uint8Array,
  offset: number,
  type: number,
  segmentId: number,
  payload: Uint8Array,
): void {
  writeU16LE(out, offset + 4, payload.length);
  out[offset + 6] = type;
  writeU32LE(out, offset + 7, segmentIdLow(segmentId));
  const crc = crc32c(payload, crc32c(out.subarray(offset + 4, offset + CHUNK_HEADER_SIZE)));
  writeU32LE(out, offset, maskCrc32c(crc));
}

/**
 * Checks the chunk whose header starts at `bytes[at]`, where `bytes[limit]` is the
 * first byte past the readable data and `bytes` holds the chunk's whole block from `at`.
 *
 * @returns What is wrong with the chunk, or undefined when it is whole and valid.
 */
export function checkChunk(
  bytes: Uint8Array,
  at: number,
  limit: number,
  idLow: number,
): string | undefined {
  const stored = readU32LE(bytes, at);
  const length = readU16LE(bytes, at + 4);
  const type = bytes[at + 6]!;
  if (stored === 0 && length === 0 && type === 0) return "chunk header is zeroed";
  if (type < ChunkType.FULL || type > ChunkType.FRONTIER) return `bad chunk type ${type}`;
  if (type === ChunkType.FRONTIER && length !== 8) return "frontier chunk is not 8 bytes";
  if (length > MAX_CHUNK_PAYLOAD) return "chunk length crosses its block";
  if (at + CHUNK_HEADER_SIZE + length > limit) return "chunk payload is cut short";
  const payload = bytes.subarray(at + CHUNK_HEADER_SIZE, at + CHUNK_HEADER_SIZE + length);
  const actual = crc32c(payload, crc32c(bytes.subarray(at + 4, at + CHUNK_HEADER_SIZE)));
  if (unmaskCrc32c(stored) !== actual) return "chunk checksum mismatch";
  const storedIdLow = readU32LE(bytes, at + 7);
  if (storedIdLow !== idLow) return `chunk belongs to another segment (low id ${storedIdLow})`;
  return undefined;
}

/** How a log names its segment files: `prefix`, the id in six or more digits, `suffix`. */
export interface SegmentNaming {
  prefix: string;
  suffix: string;
}

/** The name of segment `segmentId`. */
export function segmentFileName(segmentId: number, naming: SegmentNaming): string {
  return naming.prefix + String(segmentId).padStart(6, "0") + naming.suffix;
}

/** The segment id in a file name, or undefined when the name is not a segment's. */
export function parseSegmentFileName(name: string, naming: SegmentNaming): number | undefined {
  const { prefix, suffix } = naming;
  if (!name.startsWith(prefix) || !name.endsWith(suffix)) return undefined;
  const digits = name.slice(prefix.length, name.length - suffix.length);
  if (!/^\d{6,16}$/.test(digits)) return undefined;
  const id = Number(digits);
  return Number.isSafeInteger(id) && segmentFileName(id, naming) === name ? id : undefined;
}
