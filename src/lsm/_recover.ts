// Opening a database: replaying the WAL records the manifest says are not yet in tables
// into memtables, and deleting table files that no version names (left by a flush or a
// compaction that a crash cut short).

import { CorruptionError } from "../errors.ts";
import { SEGMENT_HEADER_SIZE } from "../record/_format.ts";
import type { RecordLog } from "../record/record_log.ts";
import { joinPath } from "../vfs/_path.ts";
import type { Vfs } from "../vfs/vfs.ts";
import type { ManifestState } from "./_manifest.ts";
import type { MemtablePool } from "./_memtables.ts";
import { parseTableFileName, tableFileName } from "./_table_cache.ts";
import type { Version } from "./_version.ts";
import { forEachEntry, GROUP_HEADER_SIZE, groupHeader } from "./_wal_record.ts";

/**
 * Replays the WAL from the pool's active memtable's start into the pool, freezing a
 * memtable whenever it fills.
 *
 * @returns The last sequence number: the manifest's or the WAL's, whichever is higher.
 * @throws {CorruptionError} When a WAL record is damaged or its sequences do not follow, or
 * when the WAL no longer holds the records from the manifest's log position on.
 */
export function replayWal(
  wal: RecordLog,
  state: ManifestState,
  pool: MemtablePool,
  memtableSize: number,
): number {
  const first = wal.stats().firstPosition;
  if (first - SEGMENT_HEADER_SIZE > state.logPosition) {
    // The WAL was cut after a flush whose manifest edit is gone (a damaged last record
    // read as a torn tail): the records from the manifest's position on are lost.
    throw new CorruptionError(
      wal.locate(first).path,
      0,
      `WAL starts at position ${first}, after the manifest's log position ${state.logPosition}`,
    );
  }
  let last = state.lastSequence;
  let expected: number | undefined;
  for (const record of wal.records({ from: pool.active.walStart })) {
    const where = (): { path: string; offset: number } => wal.locate(record.position);
    if (pool.active.memtable.approximateBytes >= memtableSize) pool.rotate(record.position);
    const memtable = pool.active.memtable;
    let seq = 0;
    try {
      const header = groupHeader(record.data);
      if (expected !== undefined && header.firstSeq !== expected) {
        throw new RangeError(`record starts at sequence ${header.firstSeq}, expected ${expected}`);
      }
      seq = header.firstSeq;
      forEachEntry(record.data, GROUP_HEADER_SIZE, header.count, (kind, key, value) => {
        memtable.add(key, seq++, kind, value);
      });
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      const { path, offset } = where();
      throw new CorruptionError(path, offset, `bad WAL record: ${error.message}`);
    }
    expected = seq;
    last = Math.max(last, seq - 1);
  }
  return last;
}

/**
 * Deletes every table file `version` does not name, and checks that every one it names
 * exists.
 *
 * @returns The numbers of the tables the version names.
 * @throws {CorruptionError} When a table the version names is missing.
 */
export function deleteObsoleteTables(vfs: Vfs, dir: string, version: Version): Set<number> {
  const live = new Set(version.fileNumbers());
  const present = new Set<number>();
  const obsolete: string[] = [];
  for (const name of vfs.list(dir)) {
    const number = parseTableFileName(name);
    if (number === undefined) continue;
    if (live.has(number)) present.add(number);
    else obsolete.push(name);
  }
  // Check before deleting: a missing table means the manifest lost an edit, and the
  // tables it does not name may be the ones that edit added.
  for (const number of live) {
    if (!present.has(number)) {
      throw new CorruptionError(
        joinPath(dir, tableFileName(number)),
        0,
        "table file named by the manifest is missing",
      );
    }
  }
  for (const name of obsolete) vfs.remove(joinPath(dir, name));
  return live;
}
