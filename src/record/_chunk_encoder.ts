// Frames records into chunks for the writer: fragments a payload so that no chunk
// crosses a block, pads block trailers with zeros, and appends to a growable buffer.

import { writeU64LE } from "../encoding/fixed.ts";
import {
  BLOCK_SIZE,
  CHUNK_HEADER_SIZE,
  ChunkType,
  encodeChunkHeader,
  FRONTIER_CHUNK_SIZE,
} from "./_format.ts";

/** A growable byte buffer the writer fills between two writes to the file. */
export class WriteBuffer {
  #bytes: Uint8Array;
  #length = 0;

  constructor(capacity = 64 * 1024) {
    this.#bytes = new Uint8Array(capacity);
  }

  /** The bytes written so far. Valid until the next call that changes the buffer. */
  view(): Uint8Array {
    return this.#bytes.subarray(0, this.#length);
  }

  get length(): number {
    return this.#length;
  }

  /** Empties the buffer, keeping its memory for reuse. */
  clear(): void {
    this.#length = 0;
  }

  /** Makes room for `count` more bytes and returns the offset where they go. */
  reserve(count: number): number {
    const offset = this.#length;
    const needed = offset + count;
    if (needed > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(needed, this.#bytes.length * 2));
      grown.set(this.#bytes.subarray(0, offset));
      this.#bytes = grown;
    }
    this.#length = needed;
    return offset;
  }

  /** The underlying array; bytes at offsets returned by `reserve` may be written. */
  get bytes(): Uint8Array {
    return this.#bytes;
  }
}

/**
 * Appends `payload` to `out` as the chunks of one record, given that the next byte of
 * `out` lands at `fileOffset` in segment `segmentId`.
 *
 * @returns The file offset after the record (where the next record starts).
 */
export function encodeRecord(
  out: WriteBuffer,
  fileOffset: number,
  segmentId: number,
  payload: Uint8Array,
): number {
  let offset = fileOffset;
  let done = 0;
  let first = true;
  for (;;) {
    const room = BLOCK_SIZE - (offset % BLOCK_SIZE);
    if (room < CHUNK_HEADER_SIZE) {
      out.bytes.fill(0, out.reserve(room), out.length);
      offset += room;
      continue;
    }
    const length = Math.min(payload.length - done, room - CHUNK_HEADER_SIZE);
    const last = done + length === payload.length;
    const type = first
      ? (last ? ChunkType.FULL : ChunkType.FIRST)
      : (last ? ChunkType.LAST : ChunkType.MIDDLE);
    const fragment = payload.subarray(done, done + length);
    const at = out.reserve(CHUNK_HEADER_SIZE + length);
    const bytes = out.bytes;
    bytes.set(fragment, at + CHUNK_HEADER_SIZE);
    encodeChunkHeader(bytes, at, type, segmentId, fragment);
    offset += CHUNK_HEADER_SIZE + length;
    done += length;
    first = false;
    if (last) return offset;
  }
}

/** Where {@linkcode reserveFrontier} put its chunk. */
export interface ReservedFrontier {
  /** The file offset after it (where the next record starts). */
  offset: number;
  /** Its index in the buffer, or -1 when the block had no room (no chunk then). */
  at: number;
}

/**
 * Appends a FRONTIER chunk to `out` (value 0, set later by {@linkcode sealFrontier}),
 * given that the next byte of `out` lands at `fileOffset`; pads a trailer first as a
 * record would. Skips the chunk when the block has room for a header but not for it.
 */
export function reserveFrontier(out: WriteBuffer, fileOffset: number): ReservedFrontier {
  let offset = fileOffset;
  const trailer = BLOCK_SIZE - (offset % BLOCK_SIZE);
  if (trailer < CHUNK_HEADER_SIZE) {
    out.bytes.fill(0, out.reserve(trailer), out.length);
    offset += trailer;
  }
  if (BLOCK_SIZE - (offset % BLOCK_SIZE) < FRONTIER_CHUNK_SIZE) return { offset, at: -1 };
  return { offset: offset + FRONTIER_CHUNK_SIZE, at: out.reserve(FRONTIER_CHUNK_SIZE) };
}

/** Writes `durable` into the FRONTIER chunk reserved at `bytes[at]` and seals it. */
export function sealFrontier(
  bytes: Uint8Array,
  at: number,
  segmentId: number,
  durable: number,
): void {
  const payload = bytes.subarray(at + CHUNK_HEADER_SIZE, at + FRONTIER_CHUNK_SIZE);
  writeU64LE(payload, 0, durable);
  encodeChunkHeader(bytes, at, ChunkType.FRONTIER, segmentId, payload);
}
