// The records of a ledger store's journal (a record log): every change to a ledger goes
// through one of them before it is acknowledged. Format: docs/ledger_format.md.
//
//   ADD     | 1 u8 | ledger id u64 | flags u8 | entry id u64 | lac + 1 u64 | payload ... |
//   CREATE  | 2 u8 | ledger id u64 |
//   FENCE   | 3 u8 | ledger id u64 | flags u8 |
//   CLOSE   | 4 u8 | ledger id u64 |
//   DELETE  | 5 u8 | ledger id u64 |
//   LAC     | 6 u8 | ledger id u64 | lac + 1 u64 |
//
// Flags: bit 0 creates the ledger when missing; bit 1 (ADD) marks a recovery add, which
// a fenced ledger accepts. Integers are little-endian.

import { readU64LE, writeU64LE } from "../encoding/fixed.ts";

/** The kinds of journal records. */
export const JournalKind = { ADD: 1, CREATE: 2, FENCE: 3, CLOSE: 4, DELETE: 5, LAC: 6 } as const;

/** Flag bits of ADD and FENCE records. */
export const FLAG_CREATE = 1;
export const FLAG_RECOVERY = 2;

/** The bytes of an ADD record before its payload. */
export const ADD_HEADER_SIZE = 26;

/** A decoded journal record. `payload` is a view into the record's bytes. */
export type JournalRecord =
  | {
    kind: 1;
    ledgerId: number;
    flags: number;
    entryId: number;
    lac: number;
    payload: Uint8Array;
  }
  | { kind: 3; ledgerId: number; flags: number }
  | { kind: 6; ledgerId: number; lac: number }
  | { kind: 2 | 4 | 5; ledgerId: number };

/** Encodes an ADD record; `lac` is -1 when none is known. */
export function encodeAdd(
  ledgerId: number,
  entryId: number,
  lac: number,
  flags: number,
  payload: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(ADD_HEADER_SIZE + payload.length);
  out[0] = JournalKind.ADD;
  writeU64LE(out, 1, ledgerId);
  out[9] = flags;
  writeU64LE(out, 10, entryId);
  writeU64LE(out, 18, lac + 1);
  out.set(payload, ADD_HEADER_SIZE);
  return out;
}

/** Encodes a CREATE, FENCE, CLOSE or DELETE record. */
export function encodeLedgerOp(kind: 2 | 3 | 4 | 5, ledgerId: number, flags = 0): Uint8Array {
  const out = new Uint8Array(kind === JournalKind.FENCE ? 10 : 9);
  out[0] = kind;
  writeU64LE(out, 1, ledgerId);
  if (kind === JournalKind.FENCE) out[9] = flags;
  return out;
}

/** Encodes a LAC record: the writer's last add confirmed, sent without an entry. */
export function encodeLac(ledgerId: number, lac: number): Uint8Array {
  const out = new Uint8Array(17);
  out[0] = JournalKind.LAC;
  writeU64LE(out, 1, ledgerId);
  writeU64LE(out, 9, lac + 1);
  return out;
}

/**
 * Decodes a record.
 *
 * @throws {RangeError} When the bytes are not a well-formed journal record.
 */
export function decodeJournalRecord(bytes: Uint8Array): JournalRecord {
  const kind = bytes[0];
  const ledgerId = readU64LE(bytes, 1);
  switch (kind) {
    case JournalKind.ADD: {
      if (bytes.length < ADD_HEADER_SIZE) throw new RangeError("ADD record is cut short");
      const lacPlusOne = readU64LE(bytes, 18);
      return {
        kind,
        ledgerId,
        flags: bytes[9]!,
        entryId: readU64LE(bytes, 10),
        lac: lacPlusOne - 1,
        payload: bytes.subarray(ADD_HEADER_SIZE),
      };
    }
    case JournalKind.FENCE:
      if (bytes.length !== 10) throw new RangeError("FENCE record has the wrong length");
      return { kind, ledgerId, flags: bytes[9]! };
    case JournalKind.LAC:
      if (bytes.length !== 17) throw new RangeError("LAC record has the wrong length");
      return { kind, ledgerId, lac: readU64LE(bytes, 9) - 1 };
    case JournalKind.CREATE:
    case JournalKind.CLOSE:
    case JournalKind.DELETE:
      if (bytes.length !== 9) throw new RangeError(`Record of kind ${kind} has the wrong length`);
      return { kind, ledgerId };
    default:
      throw new RangeError(`Unknown journal record kind ${kind}`);
  }
}
