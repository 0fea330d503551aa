// The database's background work: flushing frozen memtables into level-0 tables, and
// compacting level 0 into level 1 once it holds enough tables. One task runs at a time;
// it gives the event loop back every few thousand entries so that reads and writes go on.

import { compareBytes, equalBytes } from "../encoding/bytes.ts";
import type { RecordLog } from "../record/record_log.ts";
import type { Vfs } from "../vfs/vfs.ts";
import { Kind, MAX_SEQUENCE } from "./_internal_key.ts";
import type { InternalIterator } from "./_iterator.ts";
import { LevelIterator } from "./_level_iterator.ts";
import type { Manifest, ManifestState } from "./_manifest.ts";
import type { MemtablePool } from "./_memtables.ts";
import { MergingIterator } from "./_merging_iterator.ts";
import type { DbSettings } from "./_db_options.ts";
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
  compactedBytes: number;
}

/** Entries processed between two returns to the event loop. */
const SLICE = 4096;

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** Whether level 0 holds enough tables to compact. */
export function needsCompaction(host: BackgroundHost): boolean {
  return host.manifest.state.version.levels[0]!.length >= host.settings.level0CompactionTrigger;
}

/** Writes the oldest frozen memtable as a level-0 table and records it. */
export async function flushOldest(
  host: BackgroundHost,
  counters: BackgroundCounters,
): Promise<void> {
  const pooled = host.pool.immutables[0];
  if (pooled === undefined) return;
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
}

/**
 * Merges every level-0 table with the level-1 tables they overlap into new level-1
 * tables. Drops versions no snapshot can see, and deletes that no deeper level needs.
 */
export async function compactLevel0(
  host: BackgroundHost,
  counters: BackgroundCounters,
): Promise<void> {
  const version = host.pin();
  try {
    const level0 = version.levels[0]!;
    if (level0.length === 0) return;
    let smallest = level0[0]!.smallestKey;
    let largest = level0[0]!.largestKey;
    for (const file of level0) {
      if (compareBytes(file.smallestKey, smallest) < 0) smallest = file.smallestKey;
      if (compareBytes(file.largestKey, largest) > 0) largest = file.largestKey;
    }
    const level1 = version.overlapping(1, smallest, largest);
    const deeper = version.levels.slice(2).some((files) =>
      files.some((file) =>
        compareBytes(file.largestKey, smallest) >= 0 && compareBytes(file.smallestKey, largest) <= 0
      )
    );
    const children: InternalIterator[] = level0.map((file) =>
      host.tables.reader(file.number).iterator()
    );
    children.push(
      new LevelIterator(level1, (file) => host.tables.reader((file as FileMeta).number).iterator()),
    );
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
      removed: [
        ...level0.map((file) => ({ level: 0, number: file.number })),
        ...level1.map((file) => ({ level: 1, number: file.number })),
      ],
      added: files.map((file) => ({ level: 1, file })),
    };
    host.install(await host.manifest.logAndApply(edit));
    counters.compactions++;
    counters.compactedBytes += [...level0, ...level1].reduce((sum, file) => sum + file.size, 0);
  } finally {
    host.unpin(version);
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
    while (source.valid()) {
      take(source, output);
      source.next();
      if (++count % SLICE === 0) await tick();
    }
    return await output.finish();
  } catch (error) {
    output.abandon();
    throw error;
  } finally {
    source.close();
  }
}
