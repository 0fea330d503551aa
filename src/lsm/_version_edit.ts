// Version edits: the records of the manifest. An edit adds and removes table files per
// level and carries the counters recovery needs. Each field is a tag varint followed by
// its value (docs/impl.md, "The manifest"):
//
//   tag 1 reset            (no value: the edit describes the whole version)
//   tag 2 log position     varint: WAL records before it are in tables
//   tag 3 next file number varint
//   tag 4 last sequence    varint
//   tag 5 added file       level varint, number varint, size varint,
//                          smallest key (len varint + bytes), smallest seq varint,
//                          largest key (len varint + bytes), largest seq varint
//   tag 6 removed file     level varint, number varint

import { ByteReader } from "../encoding/byte_reader.ts";
import { ByteWriter } from "../encoding/byte_writer.ts";

/** A table file of a version. Keys are user keys; (key, seq) pairs are internal keys. */
export interface FileMeta {
  number: number;
  size: number;
  smallestKey: Uint8Array;
  smallestSeq: number;
  largestKey: Uint8Array;
  largestSeq: number;
}

/** A change to the set of live files and counters. */
export interface VersionEdit {
  /** The edit lists every live file: apply it to an empty version. */
  reset?: boolean;
  /** WAL records at positions before this are in tables. */
  logPosition?: number;
  nextFileNumber?: number;
  lastSequence?: number;
  added?: { level: number; file: FileMeta }[];
  removed?: { level: number; number: number }[];
}

/** The highest level number (levels 0 to 6). */
export const MAX_LEVEL = 6;

const Tag = { RESET: 1, LOG_POSITION: 2, NEXT_FILE: 3, LAST_SEQUENCE: 4, ADD: 5, REMOVE: 6 };

/** Encodes an edit as one manifest record. */
export function encodeEdit(edit: VersionEdit): Uint8Array {
  const out = new ByteWriter(256);
  if (edit.reset) out.varint(Tag.RESET);
  if (edit.logPosition !== undefined) out.varint(Tag.LOG_POSITION).varint(edit.logPosition);
  if (edit.nextFileNumber !== undefined) out.varint(Tag.NEXT_FILE).varint(edit.nextFileNumber);
  if (edit.lastSequence !== undefined) out.varint(Tag.LAST_SEQUENCE).varint(edit.lastSequence);
  for (const { level, file } of edit.added ?? []) {
    out.varint(Tag.ADD).varint(level).varint(file.number).varint(file.size);
    out.varint(file.smallestKey.length).bytes(file.smallestKey).varint(file.smallestSeq);
    out.varint(file.largestKey.length).bytes(file.largestKey).varint(file.largestSeq);
  }
  for (const { level, number } of edit.removed ?? []) {
    out.varint(Tag.REMOVE).varint(level).varint(number);
  }
  return out.finish().slice();
}

/**
 * Decodes a manifest record.
 *
 * @throws {RangeError} When the bytes are not a well-formed edit (callers report it as
 * corruption of the manifest).
 */
export function decodeEdit(bytes: Uint8Array): VersionEdit {
  const input = new ByteReader(bytes);
  const edit: VersionEdit = {};
  const added: { level: number; file: FileMeta }[] = [];
  const removed: { level: number; number: number }[] = [];
  const level = (): number => {
    const value = input.varint();
    if (value > MAX_LEVEL) throw new RangeError(`Level ${value} is above ${MAX_LEVEL}`);
    return value;
  };
  while (input.remaining > 0) {
    const tag = input.varint();
    switch (tag) {
      case Tag.RESET:
        edit.reset = true;
        break;
      case Tag.LOG_POSITION:
        edit.logPosition = input.varint();
        break;
      case Tag.NEXT_FILE:
        edit.nextFileNumber = input.varint();
        break;
      case Tag.LAST_SEQUENCE:
        edit.lastSequence = input.varint();
        break;
      case Tag.ADD: {
        const fileLevel = level();
        const number = input.varint();
        const size = input.varint();
        const smallestKey = input.bytes(input.varint()).slice();
        const smallestSeq = input.varint();
        const largestKey = input.bytes(input.varint()).slice();
        const largestSeq = input.varint();
        added.push({
          level: fileLevel,
          file: { number, size, smallestKey, smallestSeq, largestKey, largestSeq },
        });
        break;
      }
      case Tag.REMOVE:
        removed.push({ level: level(), number: input.varint() });
        break;
      default:
        throw new RangeError(`Unknown version edit tag ${tag}`);
    }
  }
  if (added.length > 0) edit.added = added;
  if (removed.length > 0) edit.removed = removed;
  return edit;
}
