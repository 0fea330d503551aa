// The database's background work: flushing frozen memtables into level-0 tables, and
// compacting a level into the next one when it is over its budget (_compaction_picker.ts).
// One task runs at a time; it gives the event loop back every few milliseconds so that
// reads and writes go on.

import { setImmediate } from "node:timers";
import { equalBytes } from "../encoding/bytes.ts";
import type { RecordLog } from "../record/record_log.ts";
import type { Vfs } from "../vfs/vfs.ts";
import { Kind, MAX_SEQUENCE } from "./_internal_key.ts";
import type { InternalIterator } from "./_iterator.ts";
import { LevelIterator } from "./_level_iterator.ts";
import type { Manifest, ManifestState } from "./_manifest.ts";
import type { MemtablePool } from "./_memtables.ts";
import { MergingIterator } from "./_merging_iterator.ts";
import type { DbSettings } from "./_db_options.ts";
import {
  type Compaction,
  overlapsDeeper,
  pickCompaction,
  rangeCompaction,
} from "./_compaction_picker.ts";
import type { TableCache } from "./_table_cache.ts";
import { TableOutput } from "./_table_output.ts";
import type { FileMeta, VersionEdit } from "./_version_edit.ts";
import type { Version } from "./_version.ts";

/** What background work reads and changes in the database. */
export interface BackgroundHost {
  readonly vfs: Vfs;
  readonly dir: string;
  readonly settings: DbSettings;
  readonly manifest: Manifest;
  readonly tables: TableCache;
  readonly pool: MemtablePool;
  readonly wal: RecordLog;
  /** The sequence of the last applied write. */
  lastSequence(): number;
  /** The oldest sequence a live snapshot reads at, or undefined when none is live. */
  oldestSnapshot(): number | undefined;
  /** Makes `state` the current version and deletes files no version needs. */
  install(state: ManifestState): void;
  /** Pins a version's files against deletion until `unpin`. */
  pin(): Version;
  unpin(version: Version): void;
}

/** Counters of background work, for `stats()`. */
export interface BackgroundCounters {
  flushes: number;
  compactions: number;
  /** Input bytes of compactions that rewrote tables. */
  compactedBytes: number;
  /** Bytes of the tables written by flushes and compactions. */
  tableBytesWritten: number;
  /** Milliseconds spent in flushes and compactions. */
  backgroundMillis: number;
}

/**
 * Background work gives the event loop back after this many milliseconds of work, so that a
 * read or write waits at most about that long behind a flush or compaction.
 */
const SLICE_MILLIS = 1;
/** Entries between two looks at the clock. */
const CLOCK_EVERY = 256;

/**
 * Returns to the event loop (a macrotask, so I/O callbacks run too). `setImmediate`: a chain
 * of `setTimeout(0)` is clamped to about 2 ms a step here, `setImmediate` costs about 7 µs.
 */
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Writes the oldest frozen memtable as a level-0 table and records it. */
export async function flushOldest(
  host: BackgroundHost,
  counters: BackgroundCounters,
): Promise<void> {
  const pooled = host.pool.immutables[0];
  if (pooled === undefined) return;
  const started = performance.now();
  const output = newOutput(host, Infinity);
  const files = await writeAll(output, pooled.memtable.iterator(), (it, out) => {
    out.add(it.key(), it.seq(), it.kind() as Kind, it.value());
  });
  const logPosition = (host.pool.immutables[1] ?? host.pool.active).walStart;
  const state = await host.manifest.logAndApply({
    added: files.map((file) => ({ level: 0, file })),
    logPosition,
    lastSequence: host.lastSequence(),
  });
  host.pool.dropOldest();
  host.install(state);
  await host.wal.removeBefore(logPosition);
  counters.flushes++;
  counters.tableBytesWritten += files.reduce((sum, file) => sum + file.size, 0);
  counters.backgroundMillis += performance.now() - started;
}

/**
 * Runs the most urgent compaction, if any: merges its tables into new tables of the next
 * level, dropping versions no snapshot can see and deletes that no deeper level needs. A
 * table that overlaps nothing in the next level is moved there without a rewrite.
 *
 * @returns Whether there was a compaction to run.
 */
export async function compactOnce(
  host: BackgroundHost,
  counters: BackgroundCounters,
  pointers: (Uint8Array | undefined)[],
): Promise<boolean> {
  const version = host.pin();
  try {
    const compaction = pickCompaction(version, host.settings, pointers);
    if (compaction === undefined) return false;
    pointers[compaction.level] = compaction.largest;
    await runCompaction(host, counters, version, compaction);
    return true;
  } finally {
    host.unpin(version);
  }
}

/**
 * Compacts every table that overlaps `[lower, upper)` (either end open when undefined) down
 * to the deepest level that holds tables (at least level 1), level by level.
 *
 * @returns How many compactions ran.
 */
export async function compactRange(
  host: BackgroundHost,
  counters: BackgroundCounters,
  lower: Uint8Array | undefined,
  upper: Uint8Array | undefined,
): Promise<number> {
  let runs = 0;
  for (let level = 0;; level++) {
    const version = host.pin();
    try {
      const levels = version.levels;
      const deepest = Math.max(1, levels.findLastIndex((files) => files.length > 0));
      if (level >= deepest) return runs;
      const compaction = rangeCompaction(version, level, lower, upper);
      if (compaction === undefined) continue;
      await runCompaction(host, counters, version, compaction);
      runs++;
    } finally {
      host.unpin(version);
    }
  }
}

/**
 * Merges a compaction's tables into new tables of the next level, dropping versions no
 * snapshot can see and deletes that no deeper level needs; a lone table that overlaps
 * nothing in the next level is moved there without a rewrite. REQUIRES: `version` is
 * pinned.
 */
async function runCompaction(
  host: BackgroundHost,
  counters: BackgroundCounters,
  version: Version,
  compaction: Compaction,
): Promise<void> {
  const started = performance.now();
  try {
    const { level, inputs, next } = compaction;
    const target = level + 1;
    const removed = [
      ...inputs.map((file) => ({ level, number: file.number })),
      ...next.map((file) => ({ level: target, number: file.number })),
    ];
    if (next.length === 0 && inputs.length === 1) {
      const file = inputs[0]!;
      host.install(await host.manifest.logAndApply({ removed, added: [{ level: target, file }] }));
      counters.compactions++;
      return;
    }
    const deeper = overlapsDeeper(version, compaction);
    const open = (file: FileMeta): InternalIterator => host.tables.reader(file.number).iterator();
    const children: InternalIterator[] = level === 0
      ? inputs.map(open)
      : [new LevelIterator(inputs, (file) => open(file as FileMeta))];
    children.push(new LevelIterator(next, (file) => open(file as FileMeta)));
    const horizon = host.oldestSnapshot() ?? host.lastSequence();
    const output = newOutput(host, host.settings.targetFileSize);
    let lastKey: Uint8Array | undefined;
    let newerSeq = MAX_SEQUENCE + 1;
    const files = await writeAll(output, new MergingIterator(children), (it, out) => {
      const key = it.key();
      if (lastKey === undefined || !equalBytes(key, lastKey)) {
        lastKey = key.slice();
        newerSeq = MAX_SEQUENCE + 1;
      }
      const seq = it.seq();
      const hidden = newerSeq <= horizon;
      const deadDelete = it.kind() === Kind.DELETE && seq <= horizon && !deeper;
      newerSeq = seq;
      if (!hidden && !deadDelete) out.add(key, seq, it.kind() as Kind, it.value());
    });
    const edit: VersionEdit = {
      removed,
      added: files.map((file) => ({ level: target, file })),
    };
    host.install(await host.manifest.logAndApply(edit));
    counters.compactions++;
    counters.compactedBytes += [...inputs, ...next].reduce((sum, file) => sum + file.size, 0);
    counters.tableBytesWritten += files.reduce((sum, file) => sum + file.size, 0);
  } finally {
    counters.backgroundMillis += performance.now() - started;
  }
}

function newOutput(host: BackgroundHost, targetFileSize: number): TableOutput {
  return new TableOutput({
    vfs: host.vfs,
    dir: host.dir,
    newFileNumber: () => host.manifest.newFileNumber(),
    blockSize: host.settings.blockSize,
    bloomBitsPerKey: host.settings.bloomBitsPerKey,
    targetFileSize,
  });
}

/** Feeds every entry of `source` to `take`, in slices; closes `source`; finishes `output`. */
async function writeAll(
  output: TableOutput,
  source: InternalIterator,
  take: (it: InternalIterator, out: TableOutput) => void,
): Promise<FileMeta[]> {
  try {
    source.seekToFirst();
    let count = 0;
    let sliceStart = performance.now();
    while (source.valid()) {
      take(source, output);
      source.next();
      if (++count % CLOCK_EVERY === 0 && performance.now() - sliceStart >= SLICE_MILLIS) {
        await tick();
        sliceStart = performance.now();
      }
    }
    return await output.finish();
  } catch (error) {
    output.abandon();
    throw error;
  } finally {
    source.close();
  }
}
