// The raft snapshot file (docs/raft_format.md): a sealed header with the snapshot's last
// index and term, the configuration bytes, the data, and a trailer with the data's length
// and the CRC32C of configuration and data. Written to SNAPSHOT.tmp as the data streams
// in, synced, then renamed over SNAPSHOT and the directory synced: installed atomically.
//
//   +-----------------------------------------------+---------------+--------+------------+
//   | magic "cairnsnp" | ver u16 | 0 u16 | cfg len u32 | last index u64 | last term u64 |   |
//   | masked CRC of the 32 bytes before (u32)                                            |
//   +--------------------------+---------------------+-----------------------------------+
//   | configuration (cfg len)  | data ...            | data length u64 | masked CRC32C   |
//   |                          |                     | of configuration and data (u32) |
//   |                          |                     | "SNPE" (4)                       |
//   +--------------------------+---------------------+-----------------------------------+

import { crc32c, maskCrc32c, unmaskCrc32c } from "../encoding/crc32c.ts";
import { readU32LE, readU64LE, writeU32LE, writeU64LE } from "../encoding/fixed.ts";
import { checkHeader, sealHeader, startHeader } from "../encoding/sealed_header.ts";
import { CorruptionError } from "../errors.ts";
import { joinPath } from "../vfs/_path.ts";
import type { Vfs, VfsFile } from "../vfs/vfs.ts";

/** What a snapshot covers. */
export interface SnapshotMeta {
  /** The index of the last entry the snapshot includes. */
  lastIndex: number;
  /** The term of that entry. */
  lastTerm: number;
  /** Opaque bytes, such as the cluster's members at `lastIndex`. */
  configuration?: Uint8Array;
}

/** The file name of the installed snapshot and of the one being written. */
export const SNAPSHOT_FILE = "SNAPSHOT";
export const SNAPSHOT_TEMP_FILE = "SNAPSHOT.tmp";

const MAGIC = new TextEncoder().encode("cairnsnp");
const END = new TextEncoder().encode("SNPE");
const VERSION = 1;
const HEADER_SIZE = 36;
const TRAILER_SIZE = 16;
const CHUNK = 1024 * 1024;

/** A verified snapshot file: its meta and where its data lies. */
export interface SnapshotLocation {
  meta: SnapshotMeta;
  dataOffset: number;
  dataLength: number;
}

/**
 * Writes a snapshot to SNAPSHOT.tmp, syncs it, renames it over SNAPSHOT and syncs the
 * directory. On any failure the temporary file is removed and the old snapshot stays.
 *
 * @returns Where the installed snapshot's data lies (checksummed as it was written).
 */
export async function writeSnapshot(
  vfs: Vfs,
  dir: string,
  meta: SnapshotMeta,
  data: Uint8Array | ReadableStream<Uint8Array>,
): Promise<SnapshotLocation> {
  const temp = joinPath(dir, SNAPSHOT_TEMP_FILE);
  const file = vfs.open(temp, { create: true, truncate: true });
  try {
    const configuration = meta.configuration ?? new Uint8Array(0);
    const header = new Uint8Array(HEADER_SIZE);
    startHeader(header, MAGIC, VERSION, 32);
    writeU32LE(header, 12, configuration.length);
    writeU64LE(header, 16, meta.lastIndex);
    writeU64LE(header, 24, meta.lastTerm);
    sealHeader(header, 32);
    file.append(header);
    file.append(configuration);
    let crc = crc32c(configuration);
    let length = 0;
    const write = (chunk: Uint8Array): void => {
      if (!(chunk instanceof Uint8Array)) {
        throw new TypeError("Snapshot stream must yield Uint8Array chunks");
      }
      crc = crc32c(chunk, crc);
      length += chunk.length;
      file.append(chunk);
    };
    if (data instanceof Uint8Array) write(data);
    else for await (const chunk of data) write(chunk);
    const trailer = new Uint8Array(TRAILER_SIZE);
    writeU64LE(trailer, 0, length);
    writeU32LE(trailer, 8, maskCrc32c(crc));
    trailer.set(END, 12);
    file.append(trailer);
    await file.syncData();
    file.close();
    vfs.rename(temp, joinPath(dir, SNAPSHOT_FILE));
    await vfs.syncDir(dir);
    const written: SnapshotMeta = { lastIndex: meta.lastIndex, lastTerm: meta.lastTerm };
    if (configuration.length > 0) written.configuration = configuration.slice();
    return { meta: written, dataOffset: HEADER_SIZE + configuration.length, dataLength: length };
  } catch (error) {
    file.close();
    try {
      vfs.remove(temp);
    } catch {
      // Removed on the next open.
    }
    throw error;
  }
}

/**
 * Opens the installed snapshot and checks all of it: header, configuration and data
 * against the trailer's CRC.
 *
 * @returns The location of the data, or undefined when there is no snapshot.
 * @throws {CorruptionError} When any check fails.
 */
export function verifySnapshot(vfs: Vfs, dir: string): SnapshotLocation | undefined {
  const path = joinPath(dir, SNAPSHOT_FILE);
  if (!vfs.exists(path)) return undefined;
  const file = vfs.open(path, { readOnly: true });
  try {
    const size = file.size();
    const header = new Uint8Array(HEADER_SIZE);
    const problem = checkHeader(
      header.subarray(0, file.readAt(header, 0)),
      MAGIC,
      VERSION,
      32,
      "snapshot",
    );
    if (problem !== undefined) throw new CorruptionError(path, 0, problem);
    const configLength = readU32LE(header, 12);
    const dataOffset = HEADER_SIZE + configLength;
    if (size < dataOffset + TRAILER_SIZE) {
      throw new CorruptionError(path, size, "snapshot file is cut short");
    }
    const trailer = new Uint8Array(TRAILER_SIZE);
    file.readAt(trailer, size - TRAILER_SIZE);
    // Read as two halves: a damaged length may exceed 2^53 - 1, which readU64LE refuses.
    const dataLength = readU32LE(trailer, 4) * 2 ** 32 + readU32LE(trailer, 0);
    if (
      END.some((byte, i) => trailer[12 + i] !== byte) ||
      dataOffset + dataLength + TRAILER_SIZE !== size
    ) {
      throw new CorruptionError(
        path,
        size - TRAILER_SIZE,
        "snapshot trailer does not fit the file",
      );
    }
    const configuration = new Uint8Array(configLength);
    file.readAt(configuration, HEADER_SIZE);
    let crc = crc32c(configuration);
    const chunk = new Uint8Array(Math.min(CHUNK, Math.max(dataLength, 1)));
    for (let done = 0; done < dataLength;) {
      const view = chunk.subarray(0, Math.min(chunk.length, dataLength - done));
      file.readAt(view, dataOffset + done);
      crc = crc32c(view, crc);
      done += view.length;
    }
    if (unmaskCrc32c(readU32LE(trailer, 8)) !== crc) {
      throw new CorruptionError(path, dataOffset, "snapshot data checksum mismatch");
    }
    const meta: SnapshotMeta = {
      lastIndex: readU64LE(header, 16),
      lastTerm: readU64LE(header, 24),
    };
    if (configLength > 0) meta.configuration = configuration;
    return { meta, dataOffset, dataLength };
  } finally {
    file.close();
  }
}

/** Reads the data of a verified snapshot at once. */
export function readSnapshotData(vfs: Vfs, dir: string, location: SnapshotLocation): Uint8Array {
  const file = vfs.open(joinPath(dir, SNAPSHOT_FILE), { readOnly: true });
  try {
    const data = new Uint8Array(location.dataLength);
    file.readAt(data, location.dataOffset);
    return data;
  } finally {
    file.close();
  }
}

/** Streams the data of a verified snapshot in chunks of up to 1 MiB. */
export function streamSnapshotData(
  vfs: Vfs,
  dir: string,
  location: SnapshotLocation,
): ReadableStream<Uint8Array> {
  let file: VfsFile | undefined;
  let done = 0;
  return new ReadableStream<Uint8Array>({
    start() {
      file = vfs.open(joinPath(dir, SNAPSHOT_FILE), { readOnly: true });
    },
    pull(controller) {
      if (done >= location.dataLength) {
        file?.close();
        controller.close();
        return;
      }
      const chunk = new Uint8Array(Math.min(CHUNK, location.dataLength - done));
      file!.readAt(chunk, location.dataOffset + done);
      done += chunk.length;
      controller.enqueue(chunk);
    },
    cancel() {
      file?.close();
    },
  });
}
