// The options of a record log, checked once at open.

import type { CorruptionError } from "../errors.ts";
import { MetricsRegistry } from "../metrics/registry.ts";
import type { Vfs } from "../vfs/vfs.ts";
import type { SegmentNaming } from "./_format.ts";

/** Options of {@linkcode RecordLog.open}. */
export interface RecordLogOptions {
  /** Where the files live. Default: the real disk (`DenoVfs`). */
  vfs?: Vfs;
  /**
   * Segment files are named `prefix`, the segment id in six or more digits, `suffix`:
   * `000001.log` by default. Both are up to 16 letters, digits, `-` or `_`, the suffix
   * after a dot; the prefix may be empty (the default), the suffix only when the prefix is
   * not. A log owns every file of its directory whose name fits.
   */
  prefix?: string;
  /** See `prefix`. Default `".log"`. */
  suffix?: string;
  /** A segment rolls once it holds this many bytes. Default 64 MiB; at least 64 KiB. */
  segmentSize?: number;
  /** The largest record accepted. Default 64 MiB; at most 1 GiB. */
  maxRecordSize?: number;
  /** Whether an append resolves only once durable (fdatasync). Default `true`. */
  sync?: boolean;
  /**
   * Keep this many bytes of zeros written (and synced with the next sync) ahead of the last
   * record of the last segment, extending them again whenever the records reach them. An
   * fdatasync then writes data into space the file already has, and need not also make a
   * new file size durable: faster on journaling filesystems (docs/impl.md has the numbers).
   * The zeros are cut off when the segment is finished or the log closed; left by a crash,
   * they are cut off at open as a torn tail. Default 0 (off); at most 64 MiB.
   */
  preallocate?: number;
  /**
   * Take an exclusive lock on `LOCK` in the log's directory, so that a second opener
   * gets `LockedError`. Default `true`; a store that already holds its directory's lock
   * and keeps its log there passes `false`.
   */
  lock?: boolean;
  /**
   * What to do with damage that is not a torn tail: `"strict"` (default) throws
   * `CorruptionError`; `"skip"` reports it to `onCorruption` and reads on past it.
   */
  recovery?: "strict" | "skip";
  /** Called with each damaged place passed over in `"skip"` mode. */
  onCorruption?: (error: CorruptionError) => void;
  /**
   * A registry to feed: appends, bytes, fsyncs, fsync latency, group sizes and failures,
   * as `cairn_log_*` metrics labelled `log` with the directory's name.
   */
  metrics?: MetricsRegistry;
}

/** The checked options, defaults filled in; `vfs` and `metrics` stay optional. */
export type LogSettings =
  & Required<Omit<RecordLogOptions, "vfs" | "metrics" | "prefix" | "suffix">>
  & { naming: SegmentNaming; metrics: MetricsRegistry | undefined };

const MiB = 1024 * 1024;

/**
 * Checks the options and fills in the defaults.
 *
 * @throws {TypeError} When an option has the wrong type.
 * @throws {RangeError} When a size is out of range.
 */
export function checkLogOptions(options: RecordLogOptions): LogSettings {
  const prefix = options.prefix ?? "";
  if (typeof prefix !== "string" || !/^[A-Za-z0-9_-]{0,16}$/.test(prefix)) {
    throw new TypeError(`Prefix must be up to 16 letters, digits, - or _, got ${prefix}`);
  }
  const suffix = options.suffix ?? ".log";
  const suffixPattern = prefix === "" ? /^\.[A-Za-z0-9_-]{1,16}$/ : /^(\.[A-Za-z0-9_-]{1,16})?$/;
  if (typeof suffix !== "string" || !suffixPattern.test(suffix)) {
    throw new TypeError(
      `Suffix must be a dot and 1 to 16 letters, digits, - or _ (or empty after a prefix), got ${suffix}`,
    );
  }
  const segmentSize = checkSize("segmentSize", options.segmentSize ?? 64 * MiB);
  if (segmentSize < 64 * 1024 || segmentSize > 2 ** 40) {
    throw new RangeError(`Segment size must be from 64 KiB to 1 TiB, got ${segmentSize}`);
  }
  const maxRecordSize = checkSize("maxRecordSize", options.maxRecordSize ?? 64 * MiB);
  if (maxRecordSize > 1024 * MiB) {
    throw new RangeError(`Maximum record size must be at most 1 GiB, got ${maxRecordSize}`);
  }
  const preallocate = checkSize("preallocate", options.preallocate ?? 0);
  if (preallocate > 64 * MiB) {
    throw new RangeError(`Option preallocate must be at most 64 MiB, got ${preallocate}`);
  }
  const sync = options.sync ?? true;
  if (typeof sync !== "boolean") throw new TypeError("Option sync must be a boolean");
  const lock = options.lock ?? true;
  if (typeof lock !== "boolean") throw new TypeError("Option lock must be a boolean");
  const recovery = options.recovery ?? "strict";
  if (recovery !== "strict" && recovery !== "skip") {
    throw new TypeError(`Recovery must be "strict" or "skip", got ${String(recovery)}`);
  }
  const onCorruption = options.onCorruption ?? (() => {});
  if (typeof onCorruption !== "function") {
    throw new TypeError("Option onCorruption must be a function");
  }
  const metrics = options.metrics;
  if (metrics !== undefined && !(metrics instanceof MetricsRegistry)) {
    throw new TypeError("Option metrics must be a MetricsRegistry");
  }
  const naming = { prefix, suffix };
  return {
    naming,
    segmentSize,
    maxRecordSize,
    sync,
    preallocate,
    lock,
    recovery,
    onCorruption,
    metrics,
  };
}

function checkSize(name: string, value: unknown): number {
  if (typeof value !== "number") throw new TypeError(`Option ${name} must be a number`);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`Option ${name} must be a non-negative integer, got ${value}`);
  }
  return value;
}
