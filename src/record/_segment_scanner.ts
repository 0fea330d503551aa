// Reads the chunks of one segment file in order, checks every one, and reassembles
// records. It never throws for bad bytes: it reports damage and lets the caller decide
// (torn tail, corruption, or skip), because only the caller knows which segment is last.

import { concatBytes } from "../encoding/bytes.ts";
import { readU16LE, readU32LE, readU64LE } from "../encoding/fixed.ts";
import type { VfsFile } from "../vfs/vfs.ts";
import { BLOCK_SIZE, checkChunk, CHUNK_HEADER_SIZE, ChunkType, segmentIdLow } from "./_format.ts";
import type { RecordScanStep } from "./framing.ts";

/** One step of a scan (the public name is `RecordScanStep`). Offsets are within the file. */
export type ScanItem = RecordScanStep;

/**
 * Scans `[start, end)` of a segment. REQUIRES: `start` is a record boundary; the file's
 * bytes below `end` do not change while scanning. After a "record" item, `offset` is the
 * end of that record; after a "damage" item it is the damaged chunk (or the start of the
 * record the damaged chunk belongs to, for `recordStart`).
 */
export class SegmentScanner {
  readonly #file: VfsFile;
  readonly #idLow: number;
  readonly #end: number;
  readonly #block = new Uint8Array(BLOCK_SIZE);
  #blockStart = -1;
  #offset: number;

  constructor(file: VfsFile, segmentId: number, start: number, end: number) {
    this.#file = file;
    this.#idLow = segmentIdLow(segmentId);
    this.#offset = start;
    this.#end = end;
  }

  /** The offset of the next chunk to read. */
  get offset(): number {
    return this.#offset;
  }

  /** Reads the next record, or reports damage or the end. */
  next(): ScanItem {
    let recordStart = -1;
    const parts: Uint8Array[] = [];
    for (;;) {
      const offset = this.#offset;
      if (offset >= this.#end) {
        if (recordStart < 0) return { kind: "end" };
        return damage(recordStart, "record is cut short: its last fragment is missing");
      }
      const blockEnd = offset - (offset % BLOCK_SIZE) + BLOCK_SIZE;
      if (blockEnd - offset < CHUNK_HEADER_SIZE) {
        const block = this.#load(offset);
        const from = offset % BLOCK_SIZE;
        const to = Math.min(blockEnd, this.#end) - (blockEnd - BLOCK_SIZE);
        if (block.subarray(from, to).some((byte) => byte !== 0)) {
          return damage(offset, "block trailer is not zero");
        }
        this.#offset = blockEnd;
        continue;
      }
      if (offset + CHUNK_HEADER_SIZE > this.#end) {
        return damage(offset, "chunk header is cut short");
      }
      const block = this.#load(offset);
      const at = offset % BLOCK_SIZE;
      const problem = checkChunk(block, at, this.#limit(offset), this.#idLow);
      if (problem !== undefined) return damage(offset, problem);
      const type = block[at + 6]!;
      const length = readU16LE(block, at + 4);
      if (type === ChunkType.FRONTIER && recordStart < 0) {
        this.#offset = offset + CHUNK_HEADER_SIZE + length;
        continue;
      }
      const payload = block.subarray(at + CHUNK_HEADER_SIZE, at + CHUNK_HEADER_SIZE + length);
      const starts = type === ChunkType.FULL || type === ChunkType.FIRST;
      if (starts !== recordStart < 0) {
        return damage(offset, `chunk of type ${type} is out of sequence`);
      }
      this.#offset = offset + CHUNK_HEADER_SIZE + length;
      if (type === ChunkType.FULL) return { kind: "record", offset, data: payload.slice() };
      if (type === ChunkType.FIRST) recordStart = offset;
      parts.push(payload.slice());
      if (type === ChunkType.LAST) {
        return { kind: "record", offset: recordStart, data: concatBytes(parts) };
      }
    }
  }

  /**
   * Finds the first offset after `after` where a whole, valid chunk of this segment
   * starts: any chunk, a record's first chunk, or a FRONTIER chunk, as `wanted` says.
   * Checks every byte offset, so it finds chunks that follow a damaged length field too.
   *
   * @returns The offset, or -1 when there is none before the end.
   */
  findValidChunk(after: number, wanted: "any" | "recordStart" | "frontier"): number {
    for (let offset = after + 1; offset + CHUNK_HEADER_SIZE <= this.#end;) {
      const blockStart = offset - (offset % BLOCK_SIZE);
      const block = this.#load(offset);
      const last = Math.min(BLOCK_SIZE, this.#end - blockStart) - CHUNK_HEADER_SIZE;
      for (let at = offset - blockStart; at <= last; at++) {
        const type = block[at + 6]!;
        if (type < ChunkType.FULL || type > ChunkType.FRONTIER) continue;
        if (wanted === "recordStart" && type !== ChunkType.FULL && type !== ChunkType.FIRST) {
          continue;
        }
        if (wanted === "frontier" && type !== ChunkType.FRONTIER) continue;
        if (readU32LE(block, at + 7) !== this.#idLow) continue;
        if (checkChunk(block, at, this.#limit(blockStart), this.#idLow) === undefined) {
          return blockStart + at;
        }
      }
      offset = blockStart + BLOCK_SIZE;
    }
    return -1;
  }

  /**
   * The largest durable offset any valid FRONTIER chunk after `after` claims, or 0 when
   * there is none: if it passes `after`, bytes at `after` were made durable.
   */
  highestFrontierAfter(after: number): number {
    let highest = 0;
    for (let at = this.findValidChunk(after, "frontier"); at >= 0;) {
      const block = this.#load(at);
      highest = Math.max(highest, readU64LE(block, (at % BLOCK_SIZE) + CHUNK_HEADER_SIZE));
      at = this.findValidChunk(at, "frontier");
    }
    return highest;
  }

  /** Moves the scan to `offset`. REQUIRES: a chunk starts there. */
  seek(offset: number): void {
    this.#offset = offset;
  }

  /** How many bytes of the block holding `offset` lie before the scan's end. */
  #limit(offset: number): number {
    return Math.min(BLOCK_SIZE, this.#end - (offset - (offset % BLOCK_SIZE)));
  }

  /** The block holding `offset`, read from the file (bytes past `end` are zero). */
  #load(offset: number): Uint8Array {
    const blockStart = offset - (offset % BLOCK_SIZE);
    if (blockStart !== this.#blockStart) {
      const wanted = Math.min(BLOCK_SIZE, this.#end - blockStart);
      const got = this.#file.readAt(this.#block.subarray(0, wanted), blockStart);
      this.#block.fill(0, got);
      this.#blockStart = blockStart;
    }
    return this.#block;
  }
}

function damage(offset: number, detail: string): ScanItem {
  return { kind: "damage", offset, detail };
}
