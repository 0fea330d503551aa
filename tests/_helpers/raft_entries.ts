// Raft log entries, snapshot data and stream helpers shared by the raft storage tests.

import type { RaftEntry } from "../../src/raft/raft_storage.ts";
import { Prng } from "./prng.ts";

/**
 * The command of the entry written as `serial` at `index` in `term`, `size` bytes long:
 * index, term and serial in its first bytes (when there is room), the rest seeded by all
 * three, so two writes of one index differ whenever their serials do.
 */
export function entryCommand(
  index: number,
  term: number,
  serial: number,
  size: number,
): Uint8Array {
  const bytes = new Prng(index * 2654435761 + term * 40503 + serial * 9973 + size).bytes(size);
  if (size >= 12) {
    const view = new DataView(bytes.buffer);
    view.setUint32(0, index, true);
    view.setUint32(4, term, true);
    view.setUint32(8, serial, true);
  }
  return bytes;
}

/** Entries `lo` … `hi - 1` in `term`, each with a command of `size` bytes (serial 0). */
export function makeEntries(lo: number, hi: number, term: number, size = 16): RaftEntry[] {
  const out: RaftEntry[] = [];
  for (let index = lo; index < hi; index++) {
    out.push({ index, term, command: entryCommand(index, term, 0, size) });
  }
  return out;
}

/** A stream of `data` cut into chunks of `chunkSize` bytes (copies, so the source stays). */
export function chunkedStream(data: Uint8Array, chunkSize: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= data.length) {
        controller.close();
        return;
      }
      controller.enqueue(data.slice(offset, offset + chunkSize));
      offset += chunkSize;
    },
  });
}

/** Reads a whole stream into one array. */
export async function readStream(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of stream) {
    chunks.push(chunk);
    length += chunk.length;
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** The names of the record-log segment files in `names`, sorted. */
export function segmentNames(names: readonly string[]): string[] {
  return names.filter((name) => /^\d{6,}\.log$/.test(name)).sort();
}
