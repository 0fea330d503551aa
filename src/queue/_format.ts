// The durable queue's on-disk format, shared by the writer and the readers. Specified
// byte by byte in docs/queue_format.md; change both together. Records are framed with the
// record layer's chunks (docs/log_format.md), each file its own frame id.

import { ByteReader } from "../encoding/byte_reader.ts";
import { ByteWriter } from "../encoding/byte_writer.ts";
import { readU64LE, writeU64LE } from "../encoding/fixed.ts";
import { checkHeader, sealHeader, startHeader } from "../encoding/sealed_header.ts";

/** ASCII "cairnque": the first eight bytes of every queue file. */
export const QUEUE_MAGIC: Uint8Array = new TextEncoder().encode("cairnque");
/** The format version this code writes and reads. */
export const QUEUE_FORMAT_VERSION = 1;

// File header, at offset 0 of every queue file (32 bytes):
//   +-----------+---------+----------+----------+-------------+-----------------+---------+
//   | magic (8) | ver (2) | kind (1) | zero (1) | file id (8) | first index (8) | crc (4) |
//   +-----------+---------+----------+----------+-------------+-----------------+---------+
// crc: masked CRC32C of bytes 0..28. All integers little-endian.
export const FILE_HEADER_SIZE = 32;

/** What a queue file holds. */
export const FileKind = { ITEMS: 1, STATE: 2, META: 3 } as const;
/** One of {@linkcode FileKind}. */
export type FileKind = typeof FileKind[keyof typeof FileKind];

/** What a file header says. */
export interface FileHeader {
  kind: FileKind;
  fileId: number;
  firstIndex: number;
}

/** The header bytes of a file. */
export function encodeFileHeader(header: FileHeader): Uint8Array {
  const out = new Uint8Array(FILE_HEADER_SIZE);
  startHeader(out, QUEUE_MAGIC, QUEUE_FORMAT_VERSION, 28);
  out[10] = header.kind;
  writeU64LE(out, 12, header.fileId);
  writeU64LE(out, 20, header.firstIndex);
  sealHeader(out, 28);
  return out;
}

/**
 * Parses and checks a file header against what the file's name says it is.
 *
 * @returns The first index, or a sentence saying which check failed.
 */
export function decodeFileHeader(
  bytes: Uint8Array,
  kind: FileKind,
  fileId: number,
): number | string {
  const problem = checkHeader(bytes, QUEUE_MAGIC, QUEUE_FORMAT_VERSION, 28, "queue file");
  if (problem !== undefined) return problem;
  if (bytes[10] !== kind) return `file kind ${bytes[10]} where ${kind} belongs`;
  if (bytes[11] !== 0) return "reserved header byte is not zero";
  try {
    if (readU64LE(bytes, 12) !== fileId) return `header names file ${readU64LE(bytes, 12)}`;
    return readU64LE(bytes, 20);
  } catch {
    return "file id or first index out of range";
  }
}

/**
 * The id the record framing stamps on every chunk of a file (its low 32 bits), so that a
 * chunk copied from another file fails its check: segment `n`'s items file is `4n + 1`,
 * its state file `4n + 2`, the meta file `3`.
 */
export function frameId(kind: FileKind, fileId: number): number {
  return fileId * 4 + kind;
}

/** How the files of one queue are named in its directory. */
export class QueueNaming {
  readonly prefix: string;

  constructor(prefix: string) {
    this.prefix = prefix;
  }

  /** `<prefix>NNNNNN.items`: the items of segment `id`. */
  items(id: number): string {
    return `${this.prefix}${String(id).padStart(6, "0")}.items`;
  }

  /** `<prefix>NNNNNN.state`: the deletes, acks and attempts of segment `id`'s items. */
  state(id: number): string {
    return `${this.prefix}${String(id).padStart(6, "0")}.state`;
  }

  /** `<prefix>queue.meta`: consumers and removed segments. */
  get meta(): string {
    return `${this.prefix}queue.meta`;
  }

  /** The single owner's lock (without file locking). */
  get ownerLock(): string {
    return `${this.prefix}LOCK`;
  }

  /** The lock every writing process holds while it appends (with file locking). */
  get appendLock(): string {
    return `${this.prefix}APPEND.lock`;
  }

  /** The lock of the process serving consumer `name`. */
  consumerLock(name: string): string {
    return `${this.prefix}consumer-${name}.lock`;
  }

  /** The segment id and kind a file name holds, or undefined for other files. */
  parse(name: string): { id: number; kind: FileKind } | undefined {
    if (!name.startsWith(this.prefix)) return undefined;
    const match = /^(\d{6,15})\.(items|state)$/.exec(name.slice(this.prefix.length));
    if (match === null) return undefined;
    const id = Number(match[1]);
    const kind = match[2] === "items" ? FileKind.ITEMS : FileKind.STATE;
    const canonical = kind === FileKind.ITEMS ? this.items(id) : this.state(id);
    return canonical === name ? { id, kind } : undefined;
  }
}

// Items file record: the item's index (u64), then its bytes.
export const ITEM_INDEX_SIZE = 8;

/** The payload of an item record. */
export function encodeItem(index: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(ITEM_INDEX_SIZE + data.length);
  writeU64LE(out, 0, index);
  out.set(data, ITEM_INDEX_SIZE);
  return out;
}

/** State file records (all numbers varints). */
export const StateType = {
  /** count, then `count` indices deleted from the queue. */
  DELETE: 1,
  /** consumer id, count, then `count` indices the consumer acknowledged. */
  ACK: 2,
  /** consumer id, index, attempt: the item was delivered for the attempt'th time. */
  ATTEMPT: 3,
  /** consumer id, index: the item went to the consumer's dead letters. */
  DEAD: 4,
} as const;

/** A decoded state record. */
export type StateRecord =
  | { type: typeof StateType.DELETE; indices: number[] }
  | { type: typeof StateType.ACK; consumer: number; indices: number[] }
  | { type: typeof StateType.ATTEMPT; consumer: number; index: number; attempt: number }
  | { type: typeof StateType.DEAD; consumer: number; index: number };

/** The payload of a state record. */
export function encodeStateRecord(record: StateRecord): Uint8Array {
  const writer = new ByteWriter().u8(record.type);
  if (record.type !== StateType.DELETE) writer.varint(record.consumer);
  if (record.type === StateType.DELETE || record.type === StateType.ACK) {
    writer.varint(record.indices.length);
    for (const index of record.indices) writer.varint(index);
  } else {
    writer.varint(record.index);
    if (record.type === StateType.ATTEMPT) writer.varint(record.attempt);
  }
  return writer.finish();
}

/**
 * Parses a state record.
 *
 * @returns The record, or a sentence saying what is wrong with it.
 */
export function decodeStateRecord(bytes: Uint8Array): StateRecord | string {
  try {
    const reader = new ByteReader(bytes);
    const type = reader.u8();
    let record: StateRecord;
    if (type === StateType.DELETE) {
      record = { type, indices: readIndices(reader) };
    } else if (type === StateType.ACK) {
      record = { type, consumer: reader.varint(), indices: readIndices(reader) };
    } else if (type === StateType.ATTEMPT) {
      record = {
        type,
        consumer: reader.varint(),
        index: reader.varint(),
        attempt: reader.varint(),
      };
    } else if (type === StateType.DEAD) {
      record = { type, consumer: reader.varint(), index: reader.varint() };
    } else {
      return `unknown state record type ${type}`;
    }
    if (reader.remaining !== 0) return "state record has trailing bytes";
    return record;
  } catch {
    return "state record is malformed";
  }
}

function readIndices(reader: ByteReader): number[] {
  const count = reader.varint();
  if (count > reader.remaining) throw new RangeError("count exceeds the record");
  const indices: number[] = [];
  for (let i = 0; i < count; i++) indices.push(reader.varint());
  return indices;
}

/** Meta file records. */
export const MetaType = {
  /** consumer id (varint), start index (varint), then the name in UTF-8. */
  CONSUMER: 1,
  /** segment id (varint): the segment's files are removed (or about to be). */
  REMOVED: 2,
} as const;

/** A decoded meta record. */
export type MetaRecord =
  | { type: typeof MetaType.CONSUMER; id: number; start: number; name: string }
  | { type: typeof MetaType.REMOVED; segment: number };

/** The payload of a meta record. */
export function encodeMetaRecord(record: MetaRecord): Uint8Array {
  const writer = new ByteWriter().u8(record.type);
  if (record.type === MetaType.REMOVED) return writer.varint(record.segment).finish();
  return writer.varint(record.id).varint(record.start).bytes(new TextEncoder().encode(record.name))
    .finish();
}

/**
 * Parses a meta record.
 *
 * @returns The record, or a sentence saying what is wrong with it.
 */
export function decodeMetaRecord(bytes: Uint8Array): MetaRecord | string {
  try {
    const reader = new ByteReader(bytes);
    const type = reader.u8();
    if (type === MetaType.REMOVED) {
      const segment = reader.varint();
      if (reader.remaining !== 0) return "meta record has trailing bytes";
      return { type, segment };
    }
    if (type !== MetaType.CONSUMER) return `unknown meta record type ${type}`;
    const id = reader.varint();
    const start = reader.varint();
    const name = new TextDecoder("utf-8", { fatal: true }).decode(reader.bytes(reader.remaining));
    return { type, id, start, name };
  } catch {
    return "meta record is malformed";
  }
}
