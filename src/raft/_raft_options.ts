// The options of a raft store, checked once at open.

import { MetricsRegistry } from "../metrics/registry.ts";
import type { Vfs } from "../vfs/vfs.ts";

/** Options of `RaftStorage.open`. */
export interface RaftStorageOptions {
  /** Where the files live. Default: the real disk (`DenoVfs`). */
  vfs?: Vfs;
  /** Whether `append` resolves only once durable. Default `true`; Raft's safety needs it. */
  syncOnAppend?: boolean;
  /** A log segment file rolls at this size. Default 64 MiB; at least 64 KiB. */
  segmentSize?: number;
  /** Entries kept before a snapshot's last index when the log is truncated. Default 1024. */
  retainedLogSize?: number;
  /** Truncate the log's prefix after each snapshot. Default `true`. */
  autoTruncateOnSnapshot?: boolean;
  /** The registry to record metrics in. Default: one of the store's own. */
  metrics?: MetricsRegistry;
}

/** The checked options. */
export interface RaftSettings {
  syncOnAppend: boolean;
  segmentSize: number;
  retainedLogSize: number;
  autoTruncateOnSnapshot: boolean;
}

/**
 * Checks the options and fills in the defaults.
 *
 * @throws {TypeError} When an option has the wrong type.
 * @throws {RangeError} When a number is out of range.
 */
export function checkRaftOptions(options: RaftStorageOptions): RaftSettings {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("Options must be an object");
  }
  if (options.metrics !== undefined && !(options.metrics instanceof MetricsRegistry)) {
    throw new TypeError("Option metrics must be a MetricsRegistry");
  }
  if (
    options.vfs !== undefined &&
    (typeof options.vfs !== "object" || options.vfs === null ||
      typeof options.vfs.open !== "function")
  ) {
    throw new TypeError("Option vfs must be a Vfs");
  }
  const segmentSize = options.segmentSize === undefined ? 64 * 1024 * 1024 : options.segmentSize;
  const retainedLogSize = options.retainedLogSize === undefined ? 1024 : options.retainedLogSize;
  for (
    const [name, value, min] of [["segmentSize", segmentSize, 64 * 1024], [
      "retainedLogSize",
      retainedLogSize,
      0,
    ]] as const
  ) {
    if (typeof value !== "number") throw new TypeError(`Option ${name} must be a number`);
    if (!Number.isSafeInteger(value) || value < min) {
      throw new RangeError(`Option ${name} must be an integer of at least ${min}, got ${value}`);
    }
  }
  return {
    syncOnAppend: flag(options.syncOnAppend, "syncOnAppend"),
    segmentSize,
    retainedLogSize,
    autoTruncateOnSnapshot: flag(options.autoTruncateOnSnapshot, "autoTruncateOnSnapshot"),
  };
}

function flag(value: unknown, name: string): boolean {
  if (value === undefined) return true;
  if (typeof value !== "boolean") throw new TypeError(`Option ${name} must be a boolean`);
  return value;
}
