// The record log's framing, for stores that keep records in files of their own: records cut
// into checksummed chunks in 32 KiB blocks, exactly as in a record log's segments
// (docs/log_format.md), each chunk naming a frame id (a segment's id in a record log) so that
// a chunk copied from another file fails its check. The record log uses the same pieces.

import { readRecordAt } from "./_record_reader.ts";
import { SegmentScanner } from "./_segment_scanner.ts";
import { encodeRecord, WriteBuffer } from "./_chunk_encoder.ts";
import { BLOCK_SIZE, CHUNK_HEADER_SIZE } from "./_format.ts";
import type { VfsFile } from "../vfs/vfs.ts";

/**
 * Frames records into a buffer, to be written at a known place in a file with one write.
 *
 * @example Framing two records, then reading them back
 * ```ts
 * import { MemVfs, readFramedRecord, RecordFramer } from "@cairn/cairn";
 * import assert from "node:assert/strict";
 *
 * const file = new MemVfs().open("/items", { create: true });
 * const framer = new RecordFramer(7, 0);
 * const first = framer.add(new TextEncoder().encode("one"));
 * const second = framer.add(new TextEncoder().encode("two"));
 * file.append(framer.bytes());
 * assert.equal(new TextDecoder().decode(readFramedRecord(file, 7, second, framer.end)), "two");
 * assert.equal(first, 0);
 * ```
 */
export class RecordFramer {
  readonly #frameId: number;
  readonly #buffer = new WriteBuffer(4096);
  #end: number;

  /**
   * Starts framing at `fileOffset` of a file whose chunks carry `frameId`.
   *
   * @param frameId The file's id, stored (its low 32 bits) in every chunk.
   * @param fileOffset Where the first framed byte will be written. REQUIRES: a record
   * boundary of the file (where the last record ends, or where records begin).
   */
  constructor(frameId: number, fileOffset: number) {
    this.#frameId = frameId;
    this.#end = fileOffset;
  }

  /**
   * Frames one record.
   *
   * @param payload The record's bytes (copied).
   * @returns The file offset where the record starts (past a block trailer, if one is needed).
   */
  add(payload: Uint8Array): number {
    const room = BLOCK_SIZE - (this.#end % BLOCK_SIZE);
    const start = room < CHUNK_HEADER_SIZE ? this.#end + room : this.#end;
    this.#end = encodeRecord(this.#buffer, this.#end, this.#frameId, payload);
    return start;
  }

  /** The file offset just past the framed records. */
  get end(): number {
    return this.#end;
  }

  /**
   * The framed bytes, for the file at the offset framing began.
   *
   * @returns A view of the framer's buffer, valid until the next `add`.
   */
  bytes(): Uint8Array {
    return this.#buffer.view();
  }
}

/**
 * One step of a {@linkcode RecordScanner}: a record (with the offset where it starts), the
 * damage found at an offset, or the end of the scanned bytes.
 */
export type RecordScanStep =
  | { kind: "record"; offset: number; data: Uint8Array }
  | { kind: "damage"; offset: number; detail: string }
  | { kind: "end" };

/**
 * Reads the records of a file framed by {@linkcode RecordFramer}, checking every chunk. It
 * never throws for bad bytes: it reports the damage, and the caller decides between a torn
 * tail and corruption (see {@linkcode RecordScanner.validChunkAfter}).
 *
 * @example Scanning a file
 * ```ts
 * import { MemVfs, RecordFramer, RecordScanner } from "@cairn/cairn";
 * import assert from "node:assert/strict";
 *
 * const file = new MemVfs().open("/items", { create: true });
 * const framer = new RecordFramer(7, 0);
 * for (const text of ["a", "b"]) framer.add(new TextEncoder().encode(text));
 * file.append(framer.bytes());
 * const scanner = new RecordScanner(file, 7, 0, file.size());
 * const texts: string[] = [];
 * for (let step = scanner.next(); step.kind === "record"; step = scanner.next()) {
 *   texts.push(new TextDecoder().decode(step.data));
 * }
 * assert.deepEqual(texts, ["a", "b"]);
 * ```
 */
export class RecordScanner {
  readonly #scanner: SegmentScanner;

  /**
   * Scans `[from, end)` of `file`.
   *
   * @param file The file, open for reading.
   * @param frameId The id its chunks carry.
   * @param from Where to start. REQUIRES: a record boundary.
   * @param end Where the readable bytes end.
   */
  constructor(file: VfsFile, frameId: number, from: number, end: number) {
    this.#scanner = new SegmentScanner(file, frameId, from, end);
  }

  /**
   * Reads the next record, or reports damage or the end.
   *
   * @returns The step; after a record, {@linkcode RecordScanner.offset} is where it ends.
   */
  next(): RecordScanStep {
    return this.#scanner.next();
  }

  /** The offset of the next chunk to read. */
  get offset(): number {
    return this.#scanner.offset;
  }

  /**
   * Whether a whole, valid chunk of this file starts anywhere after `offset` (every byte
   * offset is tried): after damage, none means a torn tail, one means corruption.
   *
   * @param offset Where the search starts (exclusive).
   * @returns Whether such a chunk exists before the scan's end.
   */
  validChunkAfter(offset: number): boolean {
    return this.#scanner.findValidChunk(offset, "any") >= 0;
  }
}

/** The first read of every record lands here (its bytes are copied out). */
const scratch = new Uint8Array(BLOCK_SIZE);

/**
 * Reads the record starting at `offset` of a file framed by {@linkcode RecordFramer},
 * checking every chunk.
 *
 * @param file The file, open for reading.
 * @param frameId The id its chunks carry.
 * @param offset Where the record starts (as {@linkcode RecordFramer.add} returned).
 * @param end Where the file's readable bytes end.
 * @returns A new array holding the record.
 * @throws {CorruptionError} When a chunk fails its check or the record is cut short.
 *
 * @example Reading a record by its offset
 * ```ts
 * import { MemVfs, readFramedRecord, RecordFramer } from "@cairn/cairn";
 * import assert from "node:assert/strict";
 *
 * const file = new MemVfs().open("/items", { create: true });
 * const framer = new RecordFramer(1, 0);
 * const at = framer.add(new Uint8Array([1, 2, 3]));
 * file.append(framer.bytes());
 * assert.deepEqual(readFramedRecord(file, 1, at, file.size()), new Uint8Array([1, 2, 3]));
 * ```
 */
export function readFramedRecord(
  file: VfsFile,
  frameId: number,
  offset: number,
  end: number,
): Uint8Array {
  return readRecordAt(file, frameId, offset, end, scratch);
}
