// The records of the raft log (docs/raft_format.md). Every record is one record-log record
// (framed and checksummed there); its first byte says which kind it is.
//
//   ENTRY   | 1 | index u64 | term u64 | command ...             |
//   SUFFIX  | 2 | index u64 |   entries >= index written before it are gone
//   PREFIX  | 3 | index u64 |   entries < index are gone; the first index is at least index
//   STATE   | 4 | term u64 | voted-for length u32 (0xffffffff: null) | voted-for UTF-8 |

import { utf8Decode, utf8Encode } from "../encoding/bytes.ts";
import { readU32LE, readU64LE, writeU32LE, writeU64LE } from "../encoding/fixed.ts";

/** Record kinds. */
export const RecordKind = { ENTRY: 1, SUFFIX: 2, PREFIX: 3, STATE: 4 } as const;

/** The size of an entry record before its command. */
export const ENTRY_HEADER_SIZE = 17;

const NULL_VOTE = 0xffff_ffff;

/** A decoded record. */
export type RaftRecord =
  | { kind: 1; index: number; term: number; command: Uint8Array }
  | { kind: 2 | 3; index: number }
  | { kind: 4; term: number; votedFor: string | null };

/** Encodes an entry record. */
export function encodeEntry(index: number, term: number, command: Uint8Array): Uint8Array {
  const out = new Uint8Array(ENTRY_HEADER_SIZE + command.length);
  out[0] = RecordKind.ENTRY;
  writeU64LE(out, 1, index);
  writeU64LE(out, 9, term);
  out.set(command, ENTRY_HEADER_SIZE);
  return out;
}

/** Encodes a SUFFIX or PREFIX marker. */
export function encodeMarker(kind: 2 | 3, index: number): Uint8Array {
  const out = new Uint8Array(9);
  out[0] = kind;
  writeU64LE(out, 1, index);
  return out;
}

/** Encodes a STATE record. */
export function encodeState(term: number, votedFor: string | null): Uint8Array {
  const vote = votedFor === null ? undefined : utf8Encode(votedFor);
  const out = new Uint8Array(13 + (vote?.length ?? 0));
  out[0] = RecordKind.STATE;
  writeU64LE(out, 1, term);
  writeU32LE(out, 9, vote === undefined ? NULL_VOTE : vote.length);
  if (vote !== undefined) out.set(vote, 13);
  return out;
}

/**
 * Decodes a record. The command of an entry is a view into `bytes`.
 *
 * @throws {RangeError} When the bytes are not a well-formed record (callers report it as
 * corruption at the record's position).
 * @throws {TypeError} When a vote is not valid UTF-8.
 */
export function decodeRecord(bytes: Uint8Array): RaftRecord {
  const kind = bytes[0];
  switch (kind) {
    case RecordKind.ENTRY:
      if (bytes.length < ENTRY_HEADER_SIZE) throw new RangeError("Entry record is cut short");
      return {
        kind,
        index: readU64LE(bytes, 1),
        term: readU64LE(bytes, 9),
        command: bytes.subarray(ENTRY_HEADER_SIZE),
      };
    case RecordKind.SUFFIX:
    case RecordKind.PREFIX:
      if (bytes.length !== 9) throw new RangeError("Marker record has the wrong size");
      return { kind, index: readU64LE(bytes, 1) };
    case RecordKind.STATE: {
      if (bytes.length < 13) throw new RangeError("State record is cut short");
      const length = readU32LE(bytes, 9);
      if (length === NULL_VOTE) {
        if (bytes.length !== 13) throw new RangeError("State record has the wrong size");
        return { kind, term: readU64LE(bytes, 1), votedFor: null };
      }
      if (bytes.length !== 13 + length) throw new RangeError("State record has the wrong size");
      return { kind, term: readU64LE(bytes, 1), votedFor: utf8Decode(bytes.subarray(13)) };
    }
    default:
      throw new RangeError(`Unknown raft record kind ${kind}`);
  }
}
