// The options of a ledger store, checked once at open.

import { MetricsRegistry } from "../metrics/registry.ts";
import type { Vfs } from "../vfs/vfs.ts";
import { ADD_HEADER_SIZE } from "./_journal_records.ts";

/** Options of {@linkcode LedgerStore.open}. */
export interface LedgerStoreOptions {
  /** Where the files live. Default: the real disk (`DenoVfs`). */
  vfs?: Vfs;
  /** The largest payload accepted. Default 4 MiB; at most 64 MiB - 26 bytes. */
  maxEntrySize?: number;
  /**
   * Bytes the memtables of all ledgers may hold; adds wait while they are full
   * (back-pressure). Default 64 MiB; at least 64 KiB.
   */
  maxMemtableBytes?: number;
  /** A ledger's memtable is written to its entry log once it holds this many bytes. Default 256 KiB. */
  flushBytes?: number;
  /** A checkpoint is taken each time the journal grows by this much. Default 64 MiB; at least 64 KiB. */
  checkpointBytes?: number;
  /** The journal's segment size. Default 16 MiB; at least 64 KiB. */
  journalSegmentSize?: number;
  /**
   * Ledgers whose two files stay open; the least recently used others are closed and
   * reopened on use. Default 1000; at least 1.
   */
  maxOpenLedgers?: number;
  /** A registry to feed (`cairn_ledger_*` and the journal's `cairn_log_*` metrics). */
  metrics?: MetricsRegistry;
}

/** The checked options. */
export interface StoreSettings {
  maxEntrySize: number;
  maxMemtableBytes: number;
  flushBytes: number;
  checkpointBytes: number;
  journalSegmentSize: number;
  maxOpenLedgers: number;
  metrics: MetricsRegistry | undefined;
}

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * Checks the options and fills in the defaults.
 *
 * @throws {TypeError} When an option has the wrong type.
 * @throws {RangeError} When a size is out of range.
 */
export function checkStoreOptions(options: LedgerStoreOptions): StoreSettings {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("Options must be an object");
  }
  if (
    options.vfs !== undefined &&
    (typeof options.vfs !== "object" || options.vfs === null ||
      typeof options.vfs.open !== "function")
  ) {
    throw new TypeError("Option vfs must be a Vfs");
  }
  if (options.metrics !== undefined && !(options.metrics instanceof MetricsRegistry)) {
    throw new TypeError("Option metrics must be a MetricsRegistry");
  }
  return {
    maxEntrySize: size(
      "maxEntrySize",
      options.maxEntrySize,
      4 * MiB,
      0,
      64 * MiB - ADD_HEADER_SIZE,
    ),
    maxMemtableBytes: size("maxMemtableBytes", options.maxMemtableBytes, 64 * MiB, 64 * KiB),
    flushBytes: size("flushBytes", options.flushBytes, 256 * KiB, 1),
    checkpointBytes: size("checkpointBytes", options.checkpointBytes, 64 * MiB, 64 * KiB),
    journalSegmentSize: size("journalSegmentSize", options.journalSegmentSize, 16 * MiB, 64 * KiB),
    maxOpenLedgers: size("maxOpenLedgers", options.maxOpenLedgers, 1000, 1),
    metrics: options.metrics,
  };
}

function size(
  name: string,
  value: unknown,
  fallback: number,
  min: number,
  max = 2 ** 40,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number") throw new TypeError(`Option ${name} must be a number`);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`Option ${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}
