// The bytes of one ledger's metadata file (FileLedgerMetadataStore). Format:
// docs/ledger_format.md.
//
//   | magic "cairnlmd" (8) | format version u16 | reserved u16 | body length u32 |
//   | metadata version u64 | ledger id u64 | E u8 | Qw u8 | Qa u8 | state u8 |
//   | last entry + 1 u64 | ensemble count u32 |
//   | count x [ first entry u64 | E x [ name length u16 | name UTF-8 ] ] |
//   | masked CRC32C of every byte before it u32 |

import { utf8Decode, utf8Encode } from "../encoding/bytes.ts";
import { ByteReader } from "../encoding/byte_reader.ts";
import { ByteWriter } from "../encoding/byte_writer.ts";
import { crc32c, maskCrc32c, unmaskCrc32c } from "../encoding/crc32c.ts";
import { readU16LE, readU32LE } from "../encoding/fixed.ts";
import { CorruptionError } from "../errors.ts";
import type { LedgerMetadata, LedgerMetadataState, VersionedLedgerMetadata } from "./metadata.ts";

const MAGIC = new TextEncoder().encode("cairnlmd");
const FORMAT_VERSION = 1;
const HEADER_SIZE = 16;
const STATES: readonly LedgerMetadataState[] = ["open", "in_recovery", "closed"];

/** Encodes metadata at `version`. REQUIRES: the metadata passed checkMetadata(). */
export function encodeMetadata(metadata: LedgerMetadata, version: number): Uint8Array {
  const body = new ByteWriter(64)
    .u64(version)
    .u64(metadata.ledgerId)
    .u8(metadata.ensembleSize)
    .u8(metadata.writeQuorum)
    .u8(metadata.ackQuorum)
    .u8(STATES.indexOf(metadata.state))
    .u64(metadata.lastEntryId + 1)
    .u32(metadata.ensembles.length);
  for (const ensemble of metadata.ensembles) {
    body.u64(ensemble.firstEntryId);
    for (const store of ensemble.stores) {
      const name = utf8Encode(store);
      body.u16(name.length).bytes(name);
    }
  }
  const bodyBytes = body.finish();
  const out = new ByteWriter(HEADER_SIZE + bodyBytes.length + 4)
    .bytes(MAGIC)
    .u16(FORMAT_VERSION)
    .u16(0)
    .u32(bodyBytes.length)
    .bytes(bodyBytes);
  const crc = maskCrc32c(crc32c(out.finish()));
  return out.u32(crc).finish().slice();
}

/**
 * Decodes and checks a metadata file's bytes.
 *
 * @throws {CorruptionError} When any check fails.
 */
export function decodeMetadata(path: string, bytes: Uint8Array): VersionedLedgerMetadata {
  if (bytes.length < HEADER_SIZE + 4 || MAGIC.some((byte, i) => bytes[i] !== byte)) {
    throw new CorruptionError(path, 0, "bad ledger metadata magic");
  }
  const bodyLength = readU32LE(bytes, 12);
  const end = HEADER_SIZE + bodyLength;
  if (bytes.length !== end + 4) {
    throw new CorruptionError(path, 12, "ledger metadata length does not fit the file");
  }
  if (unmaskCrc32c(readU32LE(bytes, end)) !== crc32c(bytes.subarray(0, end))) {
    throw new CorruptionError(path, end, "ledger metadata checksum mismatch");
  }
  const format = readU16LE(bytes, 8);
  if (format !== FORMAT_VERSION) {
    throw new CorruptionError(path, 8, `unsupported ledger metadata format version ${format}`);
  }
  try {
    const reader = new ByteReader(bytes.subarray(0, end), HEADER_SIZE);
    const version = reader.u64();
    const ledgerId = reader.u64();
    const ensembleSize = reader.u8();
    const writeQuorum = reader.u8();
    const ackQuorum = reader.u8();
    const state = STATES[reader.u8()];
    if (state === undefined) throw new RangeError("unknown state");
    const lastEntryId = reader.u64() - 1;
    const ensembles = [];
    for (let count = reader.u32(); count > 0; count--) {
      const firstEntryId = reader.u64();
      const stores: string[] = [];
      for (let i = 0; i < ensembleSize; i++) stores.push(utf8Decode(reader.bytes(reader.u16())));
      ensembles.push({ firstEntryId, stores });
    }
    if (reader.remaining !== 0) throw new RangeError("trailing bytes");
    const metadata = {
      ledgerId,
      ensembleSize,
      writeQuorum,
      ackQuorum,
      state,
      lastEntryId,
      ensembles,
    };
    return { metadata, version };
  } catch (error) {
    throw new CorruptionError(
      path,
      HEADER_SIZE,
      `bad ledger metadata body: ${(error as Error).message}`,
    );
  }
}
