// The two files of a ledger's workspace: the entry log (the ledger's entries, one
// checksummed record each, in the order they were flushed) and the index (one fixed-size
// checksummed record per entry naming where its record lies). Both start with the same
// sealed header. Format: docs/ledger_format.md.
//
//   header (24) | magic (8) | version u16 | reserved u16 | ledger id u64 | masked CRC u32 |
//   entry log record | masked CRC u32 of the rest | length u32 | entry id u64 | payload |
//   index record (24) | entry id u64 | offset u64 | length u32 | masked CRC u32 of the 20 |

import { crc32c, maskCrc32c, unmaskCrc32c } from "../encoding/crc32c.ts";
import { readU32LE, readU64LE, writeU32LE, writeU64LE } from "../encoding/fixed.ts";
import { checkHeader, sealHeader, startHeader } from "../encoding/sealed_header.ts";
import { CorruptionError } from "../errors.ts";
import type { VfsFile } from "../vfs/vfs.ts";
import { EntryIndex } from "./_entry_index.ts";

export const FILE_HEADER_SIZE = 24;
export const LOG_RECORD_HEADER_SIZE = 16;
export const INDEX_RECORD_SIZE = 24;
const VERSION = 1;
const HEADER_CRC_OFFSET = 20;
export const ENTRY_LOG_MAGIC: Uint8Array = new TextEncoder().encode("cairnlel");
export const INDEX_MAGIC: Uint8Array = new TextEncoder().encode("cairnlix");

/** The header of a new entry log or index file. */
export function fileHeader(magic: Uint8Array, ledgerId: number): Uint8Array {
  const out = new Uint8Array(FILE_HEADER_SIZE);
  startHeader(out, magic, VERSION, HEADER_CRC_OFFSET);
  writeU64LE(out, 12, ledgerId);
  sealHeader(out, HEADER_CRC_OFFSET);
  return out;
}

/**
 * Checks a file's header.
 *
 * @throws {CorruptionError} When it is damaged or names another ledger.
 */
export function checkFileHeader(
  file: VfsFile,
  magic: Uint8Array,
  ledgerId: number,
  what: string,
): void {
  const header = new Uint8Array(FILE_HEADER_SIZE);
  const read = file.readAt(header, 0);
  const problem = checkHeader(header.subarray(0, read), magic, VERSION, HEADER_CRC_OFFSET, what);
  if (problem !== undefined) throw new CorruptionError(file.path, 0, problem);
  if (readU64LE(header, 12) !== ledgerId) {
    throw new CorruptionError(file.path, 12, `${what} belongs to another ledger`);
  }
}

/** Frames one entry log record into `out` at `at`; returns the offset past it. */
export function writeLogRecord(
  out: Uint8Array,
  at: number,
  entryId: number,
  payload: Uint8Array,
): number {
  writeU32LE(out, at + 4, payload.length);
  writeU64LE(out, at + 8, entryId);
  out.set(payload, at + LOG_RECORD_HEADER_SIZE);
  const end = at + LOG_RECORD_HEADER_SIZE + payload.length;
  writeU32LE(out, at, maskCrc32c(crc32c(out.subarray(at + 4, end))));
  return end;
}

/** Frames one index record into `out` at `at`. */
export function writeIndexRecord(
  out: Uint8Array,
  at: number,
  entryId: number,
  offset: number,
  length: number,
): void {
  writeU64LE(out, at, entryId);
  writeU64LE(out, at + 8, offset);
  writeU32LE(out, at + 16, length);
  writeU32LE(out, at + 20, maskCrc32c(crc32c(out.subarray(at, at + 20))));
}

/**
 * Reads and checks the entry log record of `entryId` at `offset`.
 *
 * @returns The payload, owned by the caller.
 * @throws {CorruptionError} When the record fails a check.
 */
export function readLogRecord(
  file: VfsFile,
  offset: number,
  length: number,
  entryId: number,
): Uint8Array {
  const record = new Uint8Array(LOG_RECORD_HEADER_SIZE + length);
  const read = file.readAt(record, offset);
  if (read !== record.length) {
    throw new CorruptionError(file.path, offset, "entry record runs past the end of the file");
  }
  if (unmaskCrc32c(readU32LE(record, 0)) !== crc32c(record.subarray(4))) {
    throw new CorruptionError(file.path, offset, "entry record checksum mismatch");
  }
  if (readU32LE(record, 4) !== length || readU64LE(record, 8) !== entryId) {
    throw new CorruptionError(file.path, offset, `entry record is not entry ${entryId}`);
  }
  return record.subarray(LOG_RECORD_HEADER_SIZE);
}

/**
 * Reads a whole index file of `indexLength` bytes, checking every record and that the
 * records tile the entry log's first `logLength` bytes in order.
 *
 * @throws {CorruptionError} When a record fails a check.
 */
export function loadIndex(index: VfsFile, indexLength: number, logLength: number): EntryIndex {
  const entries = new EntryIndex();
  const count = (indexLength - FILE_HEADER_SIZE) / INDEX_RECORD_SIZE;
  if (!Number.isInteger(count) || count < 0) {
    throw new CorruptionError(index.path, indexLength, "index length is not a whole record");
  }
  const bytes = new Uint8Array(count * INDEX_RECORD_SIZE);
  if (index.readAt(bytes, FILE_HEADER_SIZE) !== bytes.length) {
    throw new CorruptionError(index.path, FILE_HEADER_SIZE, "index file is cut short");
  }
  let expected = FILE_HEADER_SIZE;
  for (let at = 0; at < bytes.length; at += INDEX_RECORD_SIZE) {
    const where = FILE_HEADER_SIZE + at;
    if (unmaskCrc32c(readU32LE(bytes, at + 20)) !== crc32c(bytes.subarray(at, at + 20))) {
      throw new CorruptionError(index.path, where, "index record checksum mismatch");
    }
    const entryId = readU64LE(bytes, at);
    const offset = readU64LE(bytes, at + 8);
    const length = readU32LE(bytes, at + 16);
    if (offset !== expected || entries.find(entryId) >= 0) {
      throw new CorruptionError(index.path, where, "index record does not fit the entry log");
    }
    expected = offset + LOG_RECORD_HEADER_SIZE + length;
    entries.insert(entryId, offset, length);
  }
  if (expected !== logLength) {
    throw new CorruptionError(index.path, indexLength, "index does not cover the entry log");
  }
  return entries;
}
