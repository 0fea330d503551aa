// A version: the set of live table files, per level. Versions are immutable; an edit
// makes a new one. Readers pin the version they started on so that no file they read is
// deleted under them; a file is obsolete once no pinned or current version holds it.

import { compareBytes } from "../encoding/bytes.ts";
import { compareInternal } from "./_internal_key.ts";
import { type FileMeta, MAX_LEVEL, type VersionEdit } from "./_version_edit.ts";
import type { TableEntry } from "./table/table_reader.ts";

/** Where a point read finds a table's entry by file number (the table cache). */
export interface TableLookup {
  reader(number: number): { get(key: Uint8Array, seq: number): TableEntry | undefined };
}

/**
 * The live files. Level 0 is ordered newest first (its files may overlap); every deeper
 * level is ordered by key and its files do not share a user key.
 */
export class Version {
  readonly levels: readonly (readonly FileMeta[])[];
  /** Pins held by readers; the current version is also held by its VersionSet. */
  refs = 0;

  constructor(levels: readonly (readonly FileMeta[])[]) {
    this.levels = levels;
  }

  /** An empty version. */
  static empty(): Version {
    return new Version(Array.from({ length: MAX_LEVEL + 1 }, () => []));
  }

  /**
   * The newest entry of `key` at or below `seq` in this version's tables, consulting them
   * in the order a read must: level 0 newest first, then at most one table per deeper
   * level (a plain loop: a generator cost a tenth of a cached get).
   *
   * @throws {CorruptionError} When a table read fails its checks.
   */
  get(key: Uint8Array, seq: number, tables: TableLookup): TableEntry | undefined {
    for (const file of this.levels[0]!) {
      if (!covers(file, key)) continue;
      const entry = tables.reader(file.number).get(key, seq);
      if (entry !== undefined) return entry;
    }
    for (let level = 1; level < this.levels.length; level++) {
      const file = findFile(this.levels[level]!, key);
      if (file === undefined) continue;
      const entry = tables.reader(file.number).get(key, seq);
      if (entry !== undefined) return entry;
    }
    return undefined;
  }

  /** The files of `level` whose user-key range meets `[smallest, largest]`. */
  overlapping(level: number, smallest: Uint8Array, largest: Uint8Array): FileMeta[] {
    return this.levels[level]!.filter((file) =>
      compareBytes(file.largestKey, smallest) >= 0 && compareBytes(file.smallestKey, largest) <= 0
    );
  }

  /** The summed size of a level's files, in bytes. */
  levelBytes(level: number): number {
    return this.levels[level]!.reduce((sum, file) => sum + file.size, 0);
  }

  /** Every file number in the version. */
  *fileNumbers(): Generator<number> {
    for (const level of this.levels) for (const file of level) yield file.number;
  }

  /**
   * The version that `edit` makes of this one (of an empty one when the edit resets).
   *
   * @throws {RangeError} When the edit removes a file that is not there, adds one twice,
   * or leaves two files of a deeper level sharing a user key.
   */
  apply(edit: VersionEdit): Version {
    const levels = (edit.reset ? Version.empty() : this).levels.map((files) => [...files]);
    for (const { level, number } of edit.removed ?? []) {
      const files = levels[level]!;
      const index = files.findIndex((file) => file.number === number);
      if (index < 0) throw new RangeError(`Edit removes file ${number}, not in level ${level}`);
      files.splice(index, 1);
    }
    const numbers = new Set(levels.flatMap((files) => files.map((file) => file.number)));
    for (const { level, file } of edit.added ?? []) {
      if (numbers.has(file.number)) throw new RangeError(`Edit adds file ${file.number} twice`);
      numbers.add(file.number);
      levels[level]!.push(file);
    }
    levels[0]!.sort((a, b) => b.largestSeq - a.largestSeq || b.number - a.number);
    for (let level = 1; level < levels.length; level++) {
      const files = levels[level]!;
      files.sort((a, b) =>
        compareInternal(a.smallestKey, a.smallestSeq, b.smallestKey, b.smallestSeq)
      );
      for (let i = 1; i < files.length; i++) {
        if (compareBytes(files[i - 1]!.largestKey, files[i]!.smallestKey) >= 0) {
          throw new RangeError(
            `Files ${files[i - 1]!.number} and ${files[i]!.number} overlap in level ${level}`,
          );
        }
      }
    }
    return new Version(levels);
  }
}

function covers(file: FileMeta, key: Uint8Array): boolean {
  return compareBytes(file.smallestKey, key) <= 0 && compareBytes(key, file.largestKey) <= 0;
}

/** The file of a sorted, non-overlapping level whose range holds `key`, if any. */
function findFile(files: readonly FileMeta[], key: Uint8Array): FileMeta | undefined {
  let low = 0;
  let high = files.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareBytes(files[middle]!.largestKey, key) < 0) low = middle + 1;
    else high = middle;
  }
  const file = files[low];
  return file !== undefined && compareBytes(file.smallestKey, key) <= 0 ? file : undefined;
}
