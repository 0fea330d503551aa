// The merge at the heart of flushes and compactions, shared by the main thread (which runs
// it in slices) and the compaction worker (which runs it on a thread of its own): feeds a
// sorted source into table outputs, and for a compaction drops what no reader can see.

import { Kind, MAX_SEQUENCE } from "./_internal_key.ts";
import type { InternalIterator } from "./_iterator.ts";
import { LevelIterator } from "./_level_iterator.ts";
import { MergingIterator } from "./_merging_iterator.ts";
import type { TableOutput } from "./_table_output.ts";
import { TimeSlices } from "./_time_slices.ts";
import type { FileMeta } from "./_version_edit.ts";

/** What a compaction merges, decided on the main thread. */
export interface MergeJob {
  /** The level the inputs come from; the outputs go one level down. */
  level: number;
  /** The tables taken from `level` (newest first for level 0, else in key order). */
  inputs: readonly FileMeta[];
  /** The overlapping tables of the next level, in key order. */
  next: readonly FileMeta[];
  /** Whether a level below the output may hold the inputs' keys (deletes must stay). */
  deeper: boolean;
  /** The oldest sequence a reader may still read at: older hidden versions go. */
  horizon: number;
}

/**
 * Merges a compaction's tables into `output`: keeps, per user key, every version some
 * reader at or above `horizon` can see, drops a delete at or below it that no deeper level
 * needs, and finishes the output (its tables synced); in slices with `sliced`.
 *
 * @returns The tables written, in key order.
 */
export function mergeCompaction(
  job: MergeJob,
  open: (file: FileMeta) => InternalIterator,
  output: TableOutput,
  sliced: boolean,
): Promise<FileMeta[]> {
  const { level, inputs, next, deeper, horizon } = job;
  const children: InternalIterator[] = level === 0
    ? inputs.map(open)
    : [new LevelIterator(inputs, (file) => open(file as FileMeta))];
  children.push(new LevelIterator(next, (file) => open(file as FileMeta)));
  // The last user key seen, in a buffer reused from key to key (no copy per entry).
  let last = new Uint8Array(64);
  let lastLength = -1;
  let newerSeq = MAX_SEQUENCE + 1;
  return writeAll(output, new MergingIterator(children), (it, out) => {
    const key = it.key();
    if (!startsWith(last, lastLength, key)) {
      if (key.length > last.length) last = new Uint8Array(key.length * 2);
      last.set(key);
      lastLength = key.length;
      newerSeq = MAX_SEQUENCE + 1;
    }
    const seq = it.seq();
    const hidden = newerSeq <= horizon;
    const deadDelete = it.kind() === Kind.DELETE && seq <= horizon && !deeper;
    newerSeq = seq;
    if (!hidden && !deadDelete) out.add(key, seq, it.kind() as Kind, it.value());
  }, sliced);
}

/** Whether `buffer[0..length)` equals `key`. */
function startsWith(buffer: Uint8Array, length: number, key: Uint8Array): boolean {
  if (length !== key.length) return false;
  for (let i = 0; i < length; i++) if (buffer[i] !== key[i]) return false;
  return true;
}

/**
 * Feeds every entry of `source` to `take`, closes `source` and finishes `output`. With
 * `sliced` (on the main thread) it gives the event loop back every millisecond; a worker
 * thread runs it whole (there a turn of the event loop costs far more than a millisecond's
 * work: a flush took 9 times as long in slices).
 */
export async function writeAll(
  output: TableOutput,
  source: InternalIterator,
  take: (it: InternalIterator, out: TableOutput) => void,
  sliced: boolean,
): Promise<FileMeta[]> {
  try {
    source.seekToFirst();
    const slices = new TimeSlices();
    while (source.valid()) {
      take(source, output);
      source.next();
      if (sliced && slices.due()) await slices.yield();
    }
    return await output.finish();
  } catch (error) {
    output.abandon();
    throw error;
  } finally {
    source.close();
  }
}
