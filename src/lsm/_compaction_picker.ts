// Choosing the next compaction, LevelDB-style: every level has a score (level 0 its table
// count against the trigger, deeper levels their bytes against their budget, which grows by
// the size ratio per level); the highest score at or above 1 is compacted. Level 0
// compacts all its tables (they overlap); a deeper level compacts one table, taking turns
// through its key range.

import { compareBytes } from "../encoding/bytes.ts";
import type { DbSettings } from "./_db_options.ts";
import type { FileMeta } from "./_version_edit.ts";
import type { Version } from "./_version.ts";

/** Tables of `level` to merge with the tables of `level + 1` they overlap. */
export interface Compaction {
  level: number;
  inputs: readonly FileMeta[];
  next: readonly FileMeta[];
  smallest: Uint8Array;
  largest: Uint8Array;
}

/**
 * Roughly how many bytes compaction must still rewrite to bring every level within its
 * budget (RocksDB's estimate): level 0 past its trigger merges with level 1; a level over
 * budget pushes its excess down, rewriting about `levelSizeRatio + 1` bytes per byte moved.
 */
export function pendingCompactionBytes(version: Version, settings: DbSettings): number {
  const levels = version.levels;
  let pending = 0;
  let incoming = 0;
  if (levels[0]!.length >= settings.level0CompactionTrigger) {
    incoming = version.levelBytes(0);
    pending += incoming + version.levelBytes(1);
  }
  for (let level = 1; level < levels.length - 1; level++) {
    const excess = version.levelBytes(level) + incoming - levelMaxBytes(settings, level);
    incoming = Math.max(0, excess);
    pending += incoming * (settings.levelSizeRatio + 1);
  }
  return pending;
}

/** The byte budget of `level` (1 and deeper). */
export function levelMaxBytes(settings: DbSettings, level: number): number {
  return settings.level1MaxBytes * settings.levelSizeRatio ** (level - 1);
}

/**
 * The most urgent compaction, or undefined when every level is within its budget.
 *
 * @param pointers Per level, the largest key of the last table compacted from it.
 */
export function pickCompaction(
  version: Version,
  settings: DbSettings,
  pointers: readonly (Uint8Array | undefined)[],
): Compaction | undefined {
  const levels = version.levels;
  let best = -1;
  let bestScore = 1;
  for (let level = 0; level < levels.length - 1; level++) {
    const score = level === 0
      ? levels[0]!.length / settings.level0CompactionTrigger
      : version.levelBytes(level) / levelMaxBytes(settings, level);
    if (score >= bestScore && (best < 0 || score > bestScore)) {
      best = level;
      bestScore = score;
    }
  }
  if (best < 0) return undefined;
  const files = levels[best]!;
  let inputs: readonly FileMeta[];
  if (best === 0) {
    // The oldest table alone, when it overlaps no other level-0 table and nothing in level 1,
    // moves down without a rewrite (as after writes in key order); otherwise all of them.
    const oldest = files[files.length - 1]!;
    const alone = files.every((file) => file === oldest || !overlaps(file, oldest)) &&
      version.overlapping(1, oldest.smallestKey, oldest.largestKey).length === 0;
    inputs = alone ? [oldest] : files;
  } else {
    const after = pointers[best];
    inputs = [
      files.find((file) => after === undefined || compareBytes(file.largestKey, after) > 0) ??
        files[0]!,
    ];
  }
  return compactionOf(version, best, inputs);
}

/**
 * The compaction of `level`'s tables that overlap `[lower, upper)` (ends open when
 * undefined; every level-0 table when one does) with the tables of `level + 1` they
 * overlap, or undefined when none does.
 */
export function rangeCompaction(
  version: Version,
  level: number,
  lower: Uint8Array | undefined,
  upper: Uint8Array | undefined,
): Compaction | undefined {
  const files = version.levels[level]!;
  const touched = files.filter((file) =>
    (lower === undefined || compareBytes(file.largestKey, lower) >= 0) &&
    (upper === undefined || compareBytes(file.smallestKey, upper) < 0)
  );
  if (touched.length === 0) return undefined;
  // Level-0 tables may hold older versions of one another's keys: they go down together.
  return compactionOf(version, level, level === 0 ? files : touched);
}

/** The compaction of `inputs` (tables of `level`, at least one) with what they overlap below. */
function compactionOf(version: Version, level: number, inputs: readonly FileMeta[]): Compaction {
  let smallest = inputs[0]!.smallestKey;
  let largest = inputs[0]!.largestKey;
  for (const file of inputs) {
    if (compareBytes(file.smallestKey, smallest) < 0) smallest = file.smallestKey;
    if (compareBytes(file.largestKey, largest) > 0) largest = file.largestKey;
  }
  return {
    level,
    inputs,
    next: version.overlapping(level + 1, smallest, largest),
    smallest,
    largest,
  };
}

function overlaps(a: FileMeta, b: FileMeta): boolean {
  return compareBytes(a.largestKey, b.smallestKey) >= 0 &&
    compareBytes(a.smallestKey, b.largestKey) <= 0;
}

/** Whether any table deeper than `level + 1` overlaps the compaction's key range. */
export function overlapsDeeper(version: Version, compaction: Compaction): boolean {
  return version.levels.slice(compaction.level + 2).some((files) =>
    files.some((file) =>
      compareBytes(file.largestKey, compaction.smallest) >= 0 &&
      compareBytes(file.smallestKey, compaction.largest) <= 0
    )
  );
}
