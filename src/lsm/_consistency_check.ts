// Db.check(): a scrub of everything a read could consult. It reads every live table from
// its first block to its last (so every block checksum is verified) and checks the
// invariants the engine relies on:
//
// 1. Files of a level below 0 are ordered by key and no two share a user key.
// 2. Entries inside a source (memtable or table) are in strictly increasing internal order.
// 3. A table's first and last entries are the bounds its manifest record names.
// 4. Across sources, newer versions of a key sit above older ones: walking the sources from
//    the top (memtables, level-0 files newest first, then level 1, 2, ...) a key's
//    sequence numbers only fall, and no version appears twice.
//
// A checksum or format failure inside a table is reported as a problem naming the file and
// offset, and the scrub goes on with the next table.

import { compareBytes } from "../encoding/bytes.ts";
import { CorruptionError } from "../errors.ts";
import { compareInternal } from "./_internal_key.ts";
import type { InternalIterator } from "./_iterator.ts";
import { LevelIterator } from "./_level_iterator.ts";
import { MergingIterator } from "./_merging_iterator.ts";
import type { FileMeta } from "./_version_edit.ts";
import { TimeSlices } from "./_time_slices.ts";
import type { Version } from "./_version.ts";

/** What {@linkcode Db.check} found. */
export interface DbCheckReport {
  /** Tables read, every block of each. */
  tables: number;
  /** Entries read from memtables and tables in the per-source pass. */
  entries: number;
  /** Each broken invariant or damaged place, one sentence each; empty when all is well. */
  problems: string[];
}

/** What the scrub reads: the memtables (newest first) and a pinned version. */
export interface CheckInput {
  /** Fresh iterators over the memtables, newest first; called once per pass. */
  openMemtables(): InternalIterator[];
  version: Version;
  openTable(file: FileMeta): InternalIterator;
}

/** Runs every check; REQUIRES: the version stays pinned and the memtables alive meanwhile. */
export async function checkConsistency(input: CheckInput): Promise<DbCheckReport> {
  const report: DbCheckReport = { tables: 0, entries: 0, problems: [] };
  checkLevelOrder(input.version, report.problems);
  for (const [index, memtable] of input.openMemtables().entries()) {
    await checkSource(memtable, `memtable ${index}`, undefined, report);
  }
  for (const [level, files] of input.version.levels.entries()) {
    for (const file of files) {
      report.tables++;
      await checkSource(input.openTable(file), tableName(level, file), file, report);
    }
  }
  await checkAcrossSources(input, report.problems);
  return report;
}

function tableName(level: number, file: FileMeta): string {
  return `table ${file.number} (level ${level})`;
}

function checkLevelOrder(version: Version, problems: string[]): void {
  for (const [level, files] of version.levels.entries()) {
    if (level === 0) continue;
    for (let i = 1; i < files.length; i++) {
      const [before, after] = [files[i - 1]!, files[i]!];
      if (compareBytes(before.largestKey, after.smallestKey) >= 0) {
        problems.push(
          `Level ${level}: table ${before.number} reaches key ${show(before.largestKey)}, ` +
            `at or past the first key ${show(after.smallestKey)} of table ${after.number}`,
        );
      }
    }
  }
}

/** Walks one source (and closes it); records order and bound violations and damage. */
async function checkSource(
  source: InternalIterator,
  name: string,
  file: FileMeta | undefined,
  report: DbCheckReport,
): Promise<void> {
  let last: { key: Uint8Array; seq: number } | undefined;
  const slices = new TimeSlices();
  try {
    source.seekToFirst();
    for (; source.valid(); source.next()) {
      const key = source.key();
      const seq = source.seq();
      if (last === undefined) {
        const bound = file && compareInternal(key, seq, file.smallestKey, file.smallestSeq);
        if (bound !== undefined && bound !== 0) {
          report.problems.push(`${name} starts at ${show(key)}@${seq}, not at its smallest bound`);
        }
      } else if (compareInternal(last.key, last.seq, key, seq) >= 0) {
        report.problems.push(`${name}: ${show(key)}@${seq} follows ${show(last.key)}@${last.seq}`);
      }
      last = { key: key.slice(), seq };
      report.entries++;
      if (slices.due()) await slices.yield();
    }
    if (file !== undefined) {
      const ends = last !== undefined &&
        compareInternal(last.key, last.seq, file.largestKey, file.largestSeq) === 0;
      if (!ends) report.problems.push(`${name} does not end at its largest bound`);
    }
  } catch (error) {
    if (!(error instanceof CorruptionError)) throw error;
    report.problems.push(`${name}: ${error.message}`);
  } finally {
    source.close();
  }
}

/** Rule 4, over the merged stream of every source, each tagged by its depth. */
async function checkAcrossSources(input: CheckInput, problems: string[]): Promise<void> {
  const children = input.openMemtables();
  const names = children.map((_, index) => `memtable ${index}`);
  for (const file of input.version.levels[0]!) {
    children.push(input.openTable(file));
    names.push(tableName(0, file));
  }
  for (const [level, files] of input.version.levels.entries()) {
    if (level === 0 || files.length === 0) continue;
    children.push(new LevelIterator(files, (file) => input.openTable(file as FileMeta)));
    names.push(`level ${level}`);
  }
  const merged = new MergingIterator(children);
  let previous: { key: Uint8Array; seq: number; source: number } | undefined;
  const slices = new TimeSlices();
  try {
    for (merged.seekToFirst(); merged.valid(); merged.next()) {
      const key = merged.key();
      const seq = merged.seq();
      const source = merged.child();
      if (previous !== undefined && compareBytes(previous.key, key) === 0) {
        if (seq === previous.seq) {
          problems.push(
            `Key ${show(key)}@${seq} is stored twice: in ${names[previous.source]} and ${
              names[source]
            }`,
          );
        } else if (source < previous.source) {
          problems.push(
            `Key ${show(key)}: version ${seq} in ${names[source]} sits above the newer ` +
              `version ${previous.seq} in ${names[previous.source]}`,
          );
        }
      }
      previous = { key: key.slice(), seq, source };
      if (slices.due()) await slices.yield();
    }
  } catch (error) {
    if (!(error instanceof CorruptionError)) throw error;
    problems.push(`Merged walk: ${error.message}`);
  } finally {
    merged.close();
  }
}

function show(key: Uint8Array): string {
  return JSON.stringify(new TextDecoder().decode(key.subarray(0, 64)));
}
