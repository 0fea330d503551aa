// Frames records into chunks for the writer: fragments a payload so that no chunk
// crosses a block, pads block trailers with zeros, and appends to a growable buffer.

import { BLOCK_SIZE, CHUNK_HEADER_SIZE, ChunkType, encodeChunkHeader } from "./_format.ts";

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
