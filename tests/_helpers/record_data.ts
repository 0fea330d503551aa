// Record contents and checks shared by the record log tests.

import assert from "node:assert/strict";
import { SEGMENT_HEADER_SIZE } from "../../src/record/_format.ts";
import { type LogRecord, RecordLog } from "../../src/record/record_log.ts";
import type { Vfs } from "../../src/vfs/vfs.ts";
import { Prng } from "./prng.ts";

/** A record as the test wrote it: where the log put it and what it holds. */
export interface WrittenRecord {
  position: number;
  data: Uint8Array;
}

/**
 * The bytes of test record `index`, `size` long: the index in the first four bytes (when
 * there is room), then bytes drawn from a generator seeded with the index. Any two
 * records of different index differ, and `recordIndex` gives the index back.
 */
export function recordData(index: number, size: number): Uint8Array {
  const bytes = new Prng(index * 2654435761 + size).bytes(size);
  if (size >= 4) new DataView(bytes.buffer).setUint32(0, index, true);
  return bytes;
}

/** The index stored by {@linkcode recordData} in a record of at least four bytes. */
export function recordIndex(data: Uint8Array): number {
  return new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0, true);
}

/** The path of segment `id` of the log in `dir`. */
export function segmentPath(dir: string, id: number, suffix = ".log"): string {
  return `${dir}/${String(id).padStart(6, "0")}${suffix}`;
}

/** Appends records of the given sizes one after another; returns what was written. */
export async function appendRecords(
  log: RecordLog,
  sizes: readonly number[],
  firstIndex = 0,
): Promise<WrittenRecord[]> {
  const written: WrittenRecord[] = [];
  for (const [offset, size] of sizes.entries()) {
    const data = recordData(firstIndex + offset, size);
    written.push({ position: await log.append(data), data });
  }
  return written;
}

/** Asserts that `actual` holds exactly the records of `expected`, in order, byte for byte. */
export function assertRecords(
  actual: readonly LogRecord[],
  expected: readonly WrittenRecord[],
  message = "",
): void {
  assert.deepEqual(
    actual.map((record) => record.position),
    expected.map((record) => record.position),
    `positions differ ${message}`,
  );
  for (const [index, record] of actual.entries()) {
    assert.deepEqual(
      record.data,
      expected[index]!.data,
      `bytes of the record at ${record.position} differ ${message}`,
    );
  }
}

/** The records of a log written by {@linkcode writeLog}, by segment. */
export interface WrittenLog {
  /** `segments[i]` holds the records of segment `i + 1`. */
  segments: WrittenRecord[][];
  /** `bases[i]` is the base position of segment `i + 1`: its file offset 0. */
  bases: number[];
  /** Every record, in order. */
  all: WrittenRecord[];
}

/**
 * Writes a log in `dir` with one segment per entry of `layout`, each holding records of
 * the given sizes (rolling between them), syncs and closes it. Record indexes count up
 * from 0 across segments.
 */
export async function writeLog(
  vfs: Vfs,
  dir: string,
  layout: readonly (readonly number[])[],
): Promise<WrittenLog> {
  const log = await RecordLog.open(dir, { vfs });
  const segments: WrittenRecord[][] = [];
  const bases: number[] = [];
  let index = 0;
  for (const [id, sizes] of layout.entries()) {
    if (id > 0) bases.push((await log.roll()) - SEGMENT_HEADER_SIZE);
    else bases.push(0);
    segments.push(await appendRecords(log, sizes, index));
    index += sizes.length;
  }
  await log.close();
  return { segments, bases, all: segments.flat() };
}
