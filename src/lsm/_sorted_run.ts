// A memtable's entries as one flat buffer, in order: what a flush hands to the background
// worker, which cannot read the main thread's memtable. Encoding costs a copy per entry;
// building the table (blocks, bloom filter, checksums) is left to the worker.
//
//   count x [ kind u8 | seq u64 | key length varint | key | value length varint | value ]

import { readU64LE, writeU64LE } from "../encoding/fixed.ts";
import { readVarint, varintLength, writeVarint } from "../encoding/varint.ts";
import type { InternalIterator } from "./_iterator.ts";
import { TimeSlices } from "./_time_slices.ts";

/** Entries in internal-key order, encoded as above. */
export interface SortedRun {
  bytes: Uint8Array;
  count: number;
}

/**
 * Encodes every entry of `source` (walked from its first), then closes it, giving the
 * event loop a turn every millisecond (a 4 MiB memtable takes about 20 ms here).
 * REQUIRES: `capacity` bounds the encoded size, as a memtable's `approximateBytes` does
 * (it charges 64 bytes per entry beyond key and value; an entry's header takes at most 16).
 */
export async function encodeRun(source: InternalIterator, capacity: number): Promise<SortedRun> {
  try {
    const bytes = new Uint8Array(capacity);
    let at = 0;
    let count = 0;
    const slices = new TimeSlices();
    for (source.seekToFirst(); source.valid(); source.next()) {
      bytes[at] = source.kind();
      writeU64LE(bytes, at + 1, source.seq());
      at = writeBytes(bytes, at + 9, source.key());
      at = writeBytes(bytes, at, source.value());
      count++;
      if (slices.due()) await slices.yield();
    }
    return { bytes: bytes.subarray(0, at), count };
  } finally {
    source.close();
  }
}

function writeBytes(out: Uint8Array, at: number, bytes: Uint8Array): number {
  at = writeVarint(out, at, bytes.length);
  out.set(bytes, at);
  return at + bytes.length;
}

/** Walks a sorted run forward (the table output's only need): seekToFirst, then next. */
export class SortedRunIterator implements InternalIterator {
  readonly #bytes: Uint8Array;
  #next = 0;
  #valid = false;
  #kind = 0;
  #seq = 0;
  #key: Uint8Array = new Uint8Array(0);
  #value: Uint8Array = new Uint8Array(0);

  constructor(run: SortedRun) {
    this.#bytes = run.bytes;
  }

  valid(): boolean {
    return this.#valid;
  }

  seekToFirst(): void {
    this.#next = 0;
    this.next();
  }

  next(): void {
    const bytes = this.#bytes;
    let at = this.#next;
    this.#valid = at < bytes.length;
    if (!this.#valid) return;
    this.#kind = bytes[at]!;
    this.#seq = readU64LE(bytes, at + 1);
    at += 9;
    const keyLength = readVarint(bytes, at);
    at += varintLength(keyLength);
    this.#key = bytes.subarray(at, at + keyLength);
    at += keyLength;
    const valueLength = readVarint(bytes, at);
    at += varintLength(valueLength);
    this.#value = bytes.subarray(at, at + valueLength);
    this.#next = at + valueLength;
  }

  key(): Uint8Array {
    return this.#key;
  }

  seq(): number {
    return this.#seq;
  }

  kind(): number {
    return this.#kind;
  }

  value(): Uint8Array {
    return this.#value;
  }

  close(): void {
    this.#valid = false;
  }

  seekToLast(): never {
    throw new TypeError("A sorted run is read forward only");
  }

  seek(): never {
    throw new TypeError("A sorted run is read forward only");
  }

  seekForPrev(): never {
    throw new TypeError("A sorted run is read forward only");
  }

  prev(): never {
    throw new TypeError("A sorted run is read forward only");
  }
}
