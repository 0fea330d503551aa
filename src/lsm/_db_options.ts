// The options of a database, checked once at open.

import type { Vfs } from "../vfs/vfs.ts";

/** Options of `Db.open`. */
export interface DbOptions {
  /** Where the files live. Default: the real disk (`DenoVfs`). */
  vfs?: Vfs;
  /** Whether a write resolves only once durable in the WAL (fsynced). Default `true`. */
  sync?: boolean;
  /** The active memtable is frozen and flushed once it holds this many bytes. Default 4 MiB. */
  memtableSize?: number;
  /** How many frozen memtables may wait for their flush before writes wait. Default 2. */
  maxImmutableMemtables?: number;
  /** The target size of a table's data block before compression. Default 4 KiB. */
  blockSize?: number;
  /** The byte budget of the block cache shared by all tables. Default 8 MiB; 0 disables it. */
  blockCacheSize?: number;
  /** Bloom filter bits per key; 0 writes no filters. Default 10 (about 1 % false positives). */
  bloomBitsPerKey?: number;
  /** The size at which compaction cuts its output tables. Default 2 MiB. */
  targetFileSize?: number;
  /** Level 0 is compacted once it holds this many tables. Default 4. */
  level0CompactionTrigger?: number;
  /**
   * While level 0 holds this many tables, every write first gives background work a turn of
   * the event loop (a slowdown, counted in `stats()`). Default 8.
   */
  level0SlowdownWritesTrigger?: number;
  /** Writes wait while level 0 holds this many tables. Default 12. */
  level0StopWritesTrigger?: number;
  /**
   * While compaction has about this many bytes to rewrite before every level is within its
   * budget, every write first gives background work a turn (a slowdown). Default 256 MiB.
   */
  pendingCompactionSlowdownBytes?: number;
  /** Writes wait while compaction has this many bytes to rewrite. Default 1 GiB. */
  pendingCompactionStopBytes?: number;
  /** Level 1 is compacted into level 2 once it holds this many bytes. Default 10 MiB. */
  level1MaxBytes?: number;
  /** Each deeper level may hold this many times the bytes of the one above. Default 10. */
  levelSizeRatio?: number;
  /**
   * Build tables (flushes and compactions) on a worker thread, so that they never hold the
   * main thread. Only on the real disk (the default `DenoVfs`): a worker cannot share an
   * in-memory or wrapping Vfs, and background work on those runs on the main thread in 1 ms
   * slices. Default `true`.
   */
  backgroundWorker?: boolean;
}

/** The checked options, defaults filled in. */
export type DbSettings = Required<Omit<DbOptions, "vfs">>;

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * Checks the options and fills in the defaults.
 *
 * @throws {TypeError} When an option has the wrong type.
 * @throws {RangeError} When a number is out of range.
 */
export function checkDbOptions(options: DbOptions): DbSettings {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("Options must be an object");
  }
  if (options.vfs !== undefined && !isVfs(options.vfs)) {
    throw new TypeError("Option vfs must be a Vfs (DenoVfs, MemVfs, FaultVfs or your own)");
  }
  const sync = options.sync === undefined ? true : options.sync;
  if (typeof sync !== "boolean") throw new TypeError("Option sync must be a boolean");
  const backgroundWorker = options.backgroundWorker ?? true;
  if (typeof backgroundWorker !== "boolean") {
    throw new TypeError("Option backgroundWorker must be a boolean");
  }
  const level0CompactionTrigger = integer(options, "level0CompactionTrigger", 4, 2, 1000);
  const level0StopWritesTrigger = integer(
    options,
    "level0StopWritesTrigger",
    Math.max(12, numberOr(options.level0SlowdownWritesTrigger, level0CompactionTrigger) + 1),
    level0CompactionTrigger + 1,
    10_000,
  );
  const level0SlowdownWritesTrigger = integer(
    options,
    "level0SlowdownWritesTrigger",
    Math.max(level0CompactionTrigger, Math.min(8, level0StopWritesTrigger - 1)),
    level0CompactionTrigger,
    level0StopWritesTrigger - 1,
  );
  const pendingCompactionStopBytes = integer(
    options,
    "pendingCompactionStopBytes",
    1024 * MiB,
    1 * MiB,
    2 ** 50,
  );
  const pendingCompactionSlowdownBytes = integer(
    options,
    "pendingCompactionSlowdownBytes",
    Math.min(256 * MiB, pendingCompactionStopBytes),
    1 * MiB,
    pendingCompactionStopBytes,
  );
  return {
    sync,
    backgroundWorker,
    pendingCompactionSlowdownBytes,
    pendingCompactionStopBytes,
    memtableSize: integer(options, "memtableSize", 4 * MiB, 64 * KiB, 1024 * MiB),
    maxImmutableMemtables: integer(options, "maxImmutableMemtables", 2, 1, 64),
    blockSize: integer(options, "blockSize", 4 * KiB, 256, 1 * MiB),
    blockCacheSize: integer(options, "blockCacheSize", 8 * MiB, 0, 2 ** 40),
    bloomBitsPerKey: integer(options, "bloomBitsPerKey", 10, 0, 64),
    targetFileSize: integer(options, "targetFileSize", 2 * MiB, 64 * KiB, 4096 * MiB),
    level0CompactionTrigger,
    level1MaxBytes: integer(options, "level1MaxBytes", 10 * MiB, 64 * KiB, 2 ** 45),
    levelSizeRatio: integer(options, "levelSizeRatio", 10, 2, 100),
    level0SlowdownWritesTrigger,
    level0StopWritesTrigger,
  };
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isSafeInteger(value) ? value : fallback;
}

function isVfs(value: unknown): value is Vfs {
  return typeof value === "object" && value !== null && typeof (value as Vfs).open === "function" &&
    typeof (value as Vfs).tryLock === "function";
}

function integer(
  options: DbOptions,
  name: keyof DbOptions,
  fallback: number,
  min: number,
  max: number,
): number {
  const value = options[name] === undefined ? fallback : options[name];
  if (typeof value !== "number") throw new TypeError(`Option ${name} must be a number`);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`Option ${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}
