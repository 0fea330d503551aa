// The database's background work: flushing frozen memtables into level-0 tables, and
// compacting a level into the next one when it is over its budget (_compaction_picker.ts).
// Flushes and compactions run in two lanes (_background_runner.ts). On the real disk each
// lane builds its tables on a worker thread of its own (_background_worker.ts), so that a
// flush never queues behind a long merge, while the main thread goes on; otherwise here,
// giving the event loop back every millisecond.

import type { RecordLog } from "../record/record_log.ts";
import type { Vfs } from "../vfs/vfs.ts";
import type { Kind } from "./_internal_key.ts";
import type { Manifest, ManifestState } from "./_manifest.ts";
import type { MemtablePool } from "./_memtables.ts";
import type { BackgroundWorker } from "./_background_worker_client.ts";
import { mergeCompaction, type MergeJob, writeAll } from "./_compaction_merge.ts";
import { encodeRun } from "./_sorted_run.ts";
import type { DbSettings } from "./_db_options.ts";
import type { DbStats } from "./db.ts";
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
  /** The threads flushes and compactions run on, or undefined to run them here in slices. */
  readonly workers: { flush: BackgroundWorker; compaction: BackgroundWorker } | undefined;
  /** Pins a version's files against deletion until `unpin`. */
  pin(): Version;
  unpin(version: Version): void;
}

/** The counters background work moves; `stats()` shows them as they are. */
export type BackgroundCounters = Pick<
  DbStats,
  | "flushes"
  | "compactions"
  | "compactedBytes"
  | "workerCompactions"
  | "workerFlushes"
  | "tableBytesWritten"
  | "backgroundMillis"
>;

/** Writes the oldest frozen memtable as a level-0 table and records it. */
export async function flushOldest(
  host: BackgroundHost,
  counters: BackgroundCounters,
): Promise<void> {
  const pooled = host.pool.immutables[0];
  if (pooled === undefined) return;
  const started = performance.now();
  const worker = host.workers?.flush;
  const files = worker === undefined
    ? await writeAll(newOutput(host, Infinity), pooled.memtable.iterator(), (it, out) => {
      out.add(it.key(), it.seq(), it.kind() as Kind, it.value());
    }, true)
    : await worker.run({
      kind: "flush",
      run: await encodeRun(pooled.memtable.iterator(), pooled.memtable.approximateBytes),
    }, [host.manifest.newFileNumber()]);
  if (worker !== undefined) counters.workerFlushes++;
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
    const job: MergeJob = {
      level,
      inputs,
      next,
      deeper: overlapsDeeper(version, compaction),
      horizon: host.oldestSnapshot() ?? host.lastSequence(),
    };
    const worker = host.workers?.compaction;
    const files = worker === undefined
      ? await mergeCompaction(
        job,
        (file) => host.tables.reader(file.number).iterator(),
        newOutput(host, host.settings.targetFileSize),
        true,
      )
      : await worker.run(
        { kind: "compaction", merge: job },
        reserveNumbers(host, [...inputs, ...next]),
      );
    if (worker !== undefined) counters.workerCompactions++;
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

/**
 * File numbers for a compaction's outputs, taken ahead: the outputs are at most about as
 * large as the inputs, and every output but the last reaches the target size, so twice
 * the bound plus two never runs out. Numbers left over are skipped, never reused.
 */
function reserveNumbers(host: BackgroundHost, tables: readonly FileMeta[]): number[] {
  const bytes = tables.reduce((sum, file) => sum + file.size, 0);
  const count = 2 * Math.ceil(bytes / host.settings.targetFileSize) + 2;
  return Array.from({ length: count }, () => host.manifest.newFileNumber());
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
