// The checkpoint of a ledger store: the journal position from which recovery replays,
// and for every live ledger its state and how much of its entry log and index is
// durable. Replaced atomically (CHECKPOINT.tmp, sync, rename, directory sync).
// Format: docs/ledger_format.md.
//
//   | magic "cairnlcp" (8) | version u16 | reserved u16 | ledger count u32 |
//   | journal position u64 |
//   | count x [ ledger id u64 | flags u8 | lac + 1 u64 | last entry + 1 u64 |
//   |           entry log length u64 | index length u64 ]                        (41 each) |
//   | masked CRC32C of every byte before it u32 |

import { crc32c, maskCrc32c, unmaskCrc32c } from "../encoding/crc32c.ts";
import { readU16LE, readU32LE, readU64LE, writeU32LE, writeU64LE } from "../encoding/fixed.ts";
import { CorruptionError } from "../errors.ts";
import { joinPath } from "../vfs/_path.ts";
import type { Vfs } from "../vfs/vfs.ts";
import { readSmallFile, replaceSmallFile } from "./_small_file.ts";

export const CHECKPOINT_FILE = "CHECKPOINT";
export const CHECKPOINT_TEMP_FILE = "CHECKPOINT.tmp";
const MAGIC = new TextEncoder().encode("cairnlcp");
const VERSION = 1;
const HEADER_SIZE = 24;
const LEDGER_SIZE = 41;

/** One ledger's durable state in a checkpoint. */
export interface CheckpointLedger {
  ledgerId: number;
  /** Bit 0: fenced; bit 1: closed. */
  flags: number;
  /** The last add confirmed, -1 when none. */
  lac: number;
  /** The highest entry id held, -1 when none. */
  lastEntryId: number;
  /** Durable bytes of the entry log and of the index. */
  logLength: number;
  indexLength: number;
}

/** A checkpoint's content. */
export interface Checkpoint {
  /** Replay the journal from here; the record here (if any) is reflected already. */
  journalPosition: number;
  ledgers: CheckpointLedger[];
}

/** Encodes a checkpoint. */
export function encodeCheckpoint(checkpoint: Checkpoint): Uint8Array {
  const count = checkpoint.ledgers.length;
  const out = new Uint8Array(HEADER_SIZE + count * LEDGER_SIZE + 4);
  out.set(MAGIC, 0);
  out[8] = VERSION;
  writeU32LE(out, 12, count);
  writeU64LE(out, 16, checkpoint.journalPosition);
  let at = HEADER_SIZE;
  for (const ledger of checkpoint.ledgers) {
    writeU64LE(out, at, ledger.ledgerId);
    out[at + 8] = ledger.flags;
    writeU64LE(out, at + 9, ledger.lac + 1);
    writeU64LE(out, at + 17, ledger.lastEntryId + 1);
    writeU64LE(out, at + 25, ledger.logLength);
    writeU64LE(out, at + 33, ledger.indexLength);
    at += LEDGER_SIZE;
  }
  writeU32LE(out, at, maskCrc32c(crc32c(out.subarray(0, at))));
  return out;
}

/**
 * Decodes and checks a checkpoint file's bytes.
 *
 * @throws {CorruptionError} When any check fails.
 */
export function decodeCheckpoint(path: string, bytes: Uint8Array): Checkpoint {
  if (bytes.length < HEADER_SIZE + 4 || MAGIC.some((byte, i) => bytes[i] !== byte)) {
    throw new CorruptionError(path, 0, "bad checkpoint magic");
  }
  const count = readU32LE(bytes, 12);
  const end = HEADER_SIZE + count * LEDGER_SIZE;
  if (bytes.length !== end + 4) {
    throw new CorruptionError(path, 12, "checkpoint length does not fit its ledger count");
  }
  if (unmaskCrc32c(readU32LE(bytes, end)) !== crc32c(bytes.subarray(0, end))) {
    throw new CorruptionError(path, end, "checkpoint checksum mismatch");
  }
  const version = readU16LE(bytes, 8);
  if (version !== VERSION) {
    throw new CorruptionError(path, 8, `unsupported checkpoint format version ${version}`);
  }
  const ledgers: CheckpointLedger[] = [];
  for (let at = HEADER_SIZE; at < end; at += LEDGER_SIZE) {
    ledgers.push({
      ledgerId: readU64LE(bytes, at),
      flags: bytes[at + 8]!,
      lac: readU64LE(bytes, at + 9) - 1,
      lastEntryId: readU64LE(bytes, at + 17) - 1,
      logLength: readU64LE(bytes, at + 25),
      indexLength: readU64LE(bytes, at + 33),
    });
  }
  return { journalPosition: readU64LE(bytes, 16), ledgers };
}

/** Reads the checkpoint of the store in `dir`; undefined when there is none yet. */
export function readCheckpoint(vfs: Vfs, dir: string): Checkpoint | undefined {
  const path = joinPath(dir, CHECKPOINT_FILE);
  const bytes = readSmallFile(vfs, path);
  return bytes === undefined ? undefined : decodeCheckpoint(path, bytes);
}

/** Replaces the checkpoint atomically and durably. */
export function writeCheckpoint(vfs: Vfs, dir: string, checkpoint: Checkpoint): Promise<void> {
  return replaceSmallFile(
    vfs,
    joinPath(dir, CHECKPOINT_FILE),
    joinPath(dir, CHECKPOINT_TEMP_FILE),
    encodeCheckpoint(checkpoint),
  );
}
