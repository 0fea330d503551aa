// The options of a durable queue, checked once at open.

import { MetricsRegistry } from "../metrics/registry.ts";
import type { Vfs } from "../vfs/vfs.ts";

/** Options of `DurableQueue.open`. */
export interface DurableQueueOptions {
  /** Where the files live. Default: the real disk (`DenoVfs`). */
  vfs?: Vfs;
  /** The most segment files (each an items file and its state file). Default 1024. */
  maxFiles?: number;
  /** A segment's items file rolls once it holds this many bytes. Default 64 MiB; at least 4 KiB. */
  maxFileSize?: number;
  /**
   * Bytes of items held in memory (recently written or read items, for reads without
   * I/O). A negative number means unlimited, 0 holds nothing. Default 4 MiB.
   */
  maxChunk?: number;
  /** Put before every file name, to keep several queues in one directory. Default `""`. */
  filePrefix?: string;
  /**
   * Share the directory with other processes: appends are serialized with a lock file,
   * and each process reads what the others append. Without it (the default) the queue
   * holds the directory's `LOCK` and a second opener gets `LockedError`.
   */
  fileLocking?: boolean;
  /** Writes, deletes and acknowledgements resolve only once durable (fdatasync). Default `true`. */
  sync?: boolean;
  /** What `write` does when the queue is full: `"wait"` (default) for room, or `"error"`. */
  whenFull?: "wait" | "error";
  /** With `fileLocking`: how often a waiting reader looks for new items. Default 5 ms. */
  pollIntervalMs?: number;
  /** A registry to feed `cairn_queue_*` metrics into, labelled `queue` with the directory's name. */
  metrics?: MetricsRegistry;
}

/** The checked options, defaults filled in. */
export interface QueueSettings {
  maxFiles: number;
  maxFileSize: number;
  maxChunk: number;
  filePrefix: string;
  fileLocking: boolean;
  sync: boolean;
  whenFull: "wait" | "error";
  pollIntervalMs: number;
  metrics: MetricsRegistry | undefined;
}

/**
 * Checks the options and fills in the defaults.
 *
 * @throws {TypeError} When an option has the wrong type.
 * @throws {RangeError} When a number is out of range.
 */
export function checkQueueOptions(options: DurableQueueOptions): QueueSettings {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("Options must be an object");
  }
  const vfs = options.vfs;
  if (
    vfs !== undefined && (typeof vfs !== "object" || vfs === null || typeof vfs.open !== "function")
  ) {
    throw new TypeError("Option vfs must be a Vfs");
  }
  const filePrefix = options.filePrefix ?? "";
  if (typeof filePrefix !== "string" || !/^[A-Za-z0-9_-]{0,32}$/.test(filePrefix)) {
    throw new TypeError(
      `Option filePrefix must be up to 32 letters, digits, - or _, got ${filePrefix}`,
    );
  }
  if (options.metrics !== undefined && !(options.metrics instanceof MetricsRegistry)) {
    throw new TypeError("Option metrics must be a MetricsRegistry");
  }
  const whenFull = options.whenFull ?? "wait";
  if (whenFull !== "wait" && whenFull !== "error") {
    throw new TypeError(`Option whenFull must be "wait" or "error", got ${String(whenFull)}`);
  }
  return {
    maxFiles: integer("maxFiles", options.maxFiles, 1024, 2),
    maxFileSize: integer("maxFileSize", options.maxFileSize, 64 * 1024 * 1024, 4096),
    maxChunk: integer("maxChunk", options.maxChunk, 4 * 1024 * 1024, -Infinity),
    filePrefix,
    fileLocking: flag("fileLocking", options.fileLocking, false),
    sync: flag("sync", options.sync, true),
    whenFull,
    pollIntervalMs: integer("pollIntervalMs", options.pollIntervalMs, 5, 1),
    metrics: options.metrics,
  };
}

/**
 * A whole-number option.
 *
 * @throws {TypeError} When it is not a number.
 * @throws {RangeError} When it is not a safe integer of at least `min`.
 */
export function integer(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number") throw new TypeError(`Option ${name} must be a number`);
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(
      `Option ${name} must be an integer${
        min > -Infinity ? ` of at least ${min}` : ""
      }, got ${value}`,
    );
  }
  return value;
}

function flag(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw new TypeError(`Option ${name} must be a boolean`);
  return value;
}
