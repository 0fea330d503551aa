// Reads one record at a known offset of a segment with positional reads, checking every
// chunk. Used for random access; sequential reads go through SegmentScanner.

import { CorruptionError } from "../errors.ts";
import { concatBytes } from "../encoding/bytes.ts";
import { readU16LE } from "../encoding/fixed.ts";
import type { VfsFile } from "../vfs/vfs.ts";
import { BLOCK_SIZE, checkChunk, CHUNK_HEADER_SIZE, ChunkType, segmentIdLow } from "./_format.ts";

/** How much one pread fetches on the first try: most records fit. */
const FIRST_READ = 4096;

/**
 * Reads the record whose first chunk starts at `offset` in a segment whose readable
 * bytes end at `end`. Owns `scratch` only for the call.
 *
 * @returns A new array holding the record's payload.
 * @throws {CorruptionError} When a chunk fails a check or the record is cut short.
 */
export function readRecordAt(
  file: VfsFile,
  segmentId: number,
  offset: number,
  end: number,
  scratch: Uint8Array,
): Uint8Array {
  const idLow = segmentIdLow(segmentId);
  const parts: Uint8Array[] = [];
  let at = offset;
  for (;;) {
    const blockEnd = at - (at % BLOCK_SIZE) + BLOCK_SIZE;
    if (parts.length > 0 && blockEnd - at < CHUNK_HEADER_SIZE) {
      at = blockEnd;
      continue;
    }
    const room = Math.min(blockEnd, end) - at;
    if (room < CHUNK_HEADER_SIZE) {
      throw new CorruptionError(file.path, at, "no whole chunk header at this offset");
    }
    let got = file.readAt(scratch.subarray(0, Math.min(room, FIRST_READ)), at);
    const need = CHUNK_HEADER_SIZE + readU16LE(scratch, 4);
    if (need > got && need <= room) got += file.readAt(scratch.subarray(got, need), at + got);
    const problem = checkChunk(scratch, 0, got, idLow);
    if (problem !== undefined) throw new CorruptionError(file.path, at, problem);
    const type = scratch[6]!;
    const starts = type === ChunkType.FULL || type === ChunkType.FIRST;
    if (starts !== (parts.length === 0)) {
      throw new CorruptionError(file.path, at, `chunk of type ${type} is out of sequence`);
    }
    const payload = scratch.slice(CHUNK_HEADER_SIZE, need);
    if (type === ChunkType.FULL) return payload;
    parts.push(payload);
    if (type === ChunkType.LAST) return concatBytes(parts);
    at += need;
    if (at >= end) throw new CorruptionError(file.path, at, "record is cut short");
  }
}
