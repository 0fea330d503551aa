// A queue file: a 32-byte header, then records framed in the record layer's chunks
// (docs/log_format.md, through the record layer's framing API). Scans new bytes, telling a
// torn tail (or a write still under way in another process) from corruption, and frames
// appends.

import { CorruptionError } from "../errors.ts";
import { readFramedRecord as readRecord, RecordFramer, RecordScanner } from "../record/framing.ts";
import type { Vfs, VfsFile } from "../vfs/vfs.ts";
import {
  decodeFileHeader,
  encodeFileHeader,
  FILE_HEADER_SIZE,
  type FileKind,
  frameId,
} from "./_format.ts";

/** What a scan of new bytes found. */
export interface ScanResult {
  /** The end of the last whole record: the scan resumes (or the file is cut) here. */
  end: number;
  /** The file's size when scanned; above `end` when a tail is torn or still being written. */
  size: number;
}

/** Where and how a framed file lives: which file it is, for headers and frame ids. */
export interface FramedFileId {
  path: string;
  kind: FileKind;
  fileId: number;
}

/**
 * Creates a file with its header (exclusively). The caller syncs the file and directory.
 *
 * @returns A writable handle on the new file.
 */
export function createFramedFile(vfs: Vfs, id: FramedFileId, firstIndex: number): VfsFile {
  const file = vfs.open(id.path, { create: true, exclusive: true });
  try {
    file.append(encodeFileHeader({ kind: id.kind, fileId: id.fileId, firstIndex }));
  } catch (error) {
    file.close();
    throw error;
  }
  return file;
}

/**
 * Reads and checks the header of an existing file.
 *
 * @returns The first index the header gives, or undefined when the file is shorter than
 * a header and holds nothing else (a creation torn by a crash).
 * @throws {CorruptionError} When the header fails a check.
 */
export function readFramedHeader(file: VfsFile, id: FramedFileId): number | undefined {
  const bytes = new Uint8Array(FILE_HEADER_SIZE);
  const got = file.readAt(bytes, 0);
  if (got < FILE_HEADER_SIZE && file.size() === got) return undefined;
  const header = decodeFileHeader(bytes, id.kind, id.fileId);
  if (typeof header === "string") throw new CorruptionError(id.path, 0, header);
  return header;
}

/**
 * How a scan treats damage: `"whole"` (a file no write may still be extending) throws for
 * any; `"repair"` (the caller holds the lock, so the file is still) throws for damage that
 * a valid chunk follows and ends before damage that none follows (a torn tail, for the
 * caller to cut); `"tail"` (another process may be writing or repairing the file) ends
 * before any damage and leaves the verdict to the next scan under the lock.
 */
export type ScanMode = "whole" | "repair" | "tail";

/**
 * Scans the records in `[from, size)` of a file, handing each to `onRecord` with its
 * offset; `onRecord` returns false to stop before that record (it is then rescanned
 * later). REQUIRES: `from` is a record boundary.
 *
 * @throws {CorruptionError} For damage, as `mode` says.
 */
export function scanFramed(
  file: VfsFile,
  id: FramedFileId,
  from: number,
  mode: ScanMode,
  onRecord: (offset: number, data: Uint8Array) => boolean,
): ScanResult {
  const size = file.size();
  if (size <= from) return { end: from, size };
  const scanner = new RecordScanner(file, frameId(id.kind, id.fileId), from, size);
  let end = from;
  for (;;) {
    const item = scanner.next();
    if (item.kind === "end") return { end, size };
    if (item.kind === "record") {
      if (!onRecord(item.offset, item.data)) return { end, size };
      end = scanner.offset;
      continue;
    }
    if (mode === "tail") return { end, size };
    if (mode === "whole" || scanner.validChunkAfter(Math.max(item.offset, scanner.offset))) {
      throw new CorruptionError(id.path, item.offset, item.detail);
    }
    return { end, size };
  }
}

/**
 * Reads the record at `offset` of a file whose records end at `end`.
 *
 * @throws {CorruptionError} When the stored record fails a check.
 */
export function readFramedRecord(
  file: VfsFile,
  id: FramedFileId,
  offset: number,
  end: number,
): Uint8Array {
  return readRecord(file, frameId(id.kind, id.fileId), offset, end);
}

/** Appends framed records to one file: frames into a buffer, then one write. */
export class FramedAppender {
  readonly id: FramedFileId;
  readonly #framer: RecordFramer;

  /** REQUIRES: the file's records end at `end` and nothing else will append meanwhile. */
  constructor(id: FramedFileId, end: number) {
    this.id = id;
    this.#framer = new RecordFramer(frameId(id.kind, id.fileId), end);
  }

  /** Frames `payload`; returns the file offset where its record starts. */
  add(payload: Uint8Array): number {
    return this.#framer.add(payload);
  }

  /** The file offset after the framed records. */
  get end(): number {
    return this.#framer.end;
  }

  /** Whether anything was framed. */
  get empty(): boolean {
    return this.#framer.bytes().length === 0;
  }

  /** Writes the framed bytes to `file` (whose size must be where framing began). */
  writeTo(file: VfsFile): void {
    const bytes = this.#framer.bytes();
    if (bytes.length > 0) file.append(bytes);
  }
}
