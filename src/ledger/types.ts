// The public value types of a ledger store.

import type { RecordLogStats } from "../record/record_log.ts";

/**
 * A ledger's state on one store: `"open"` accepts adds; `"fenced"` accepts only
 * recovery adds (a recovery has started); `"closed"` accepts none.
 */
export type LedgerState = "open" | "fenced" | "closed";

/** What a store knows of one ledger, from {@linkcode LedgerStore.ledgerInfo}. */
export interface LedgerInfo {
  /** The ledger's id. */
  ledgerId: number;
  /** Its state on this store. */
  state: LedgerState;
  /** The highest last-add-confirmed any add carried, -1 when none. */
  lac: number;
  /** The highest entry id this store holds, -1 when none. */
  lastEntryId: number;
  /** How many entries this store holds (a subset when entries are striped). */
  entries: number;
}

/** Options of {@linkcode LedgerStore.addEntry}. */
export interface AddEntryOptions {
  /** The writer's last add confirmed, carried on every add (-1: none). Default -1. */
  lac?: number;
  /** A recovery add: accepted by a fenced ledger (not by a closed one). Default false. */
  recovery?: boolean;
  /** Create the ledger when this store does not have it, in the same durable write. */
  create?: boolean;
}

/** Options of {@linkcode LedgerStore.fence}. */
export interface FenceOptions {
  /** Create the ledger, fenced, when this store does not have it. Default false. */
  create?: boolean;
}

/** Options of {@linkcode LedgerStore.waitForEntry}. */
export interface WaitForEntryOptions {
  /** Aborting it rejects the wait with the signal's reason. */
  signal?: AbortSignal;
  /** Resolve with the current state after this many milliseconds. Default: no limit. */
  timeoutMs?: number;
}

/** Counters of a {@linkcode LedgerStore}, from {@linkcode LedgerStore.stats}. */
export interface LedgerStoreStats {
  /** Live ledgers. */
  ledgers: number;
  /** Ledgers whose files are open now (at most `maxOpenLedgers`, unless syncs hold more). */
  openLedgers: number;
  /** Adds that stored a new entry since open (idempotent repeats not counted). */
  entriesAdded: number;
  /** Payload bytes of those adds. */
  bytesAdded: number;
  /** Entries read since open. */
  entriesRead: number;
  /** Bytes held in memtables now. */
  memtableBytes: number;
  /** Memtable flushes to entry logs since open. */
  flushes: number;
  /** Payload bytes flushed since open. */
  flushedBytes: number;
  /** Checkpoints written since open. */
  checkpoints: number;
  /** Adds that waited for memtables to drain (back-pressure) since open. */
  backPressureWaits: number;
  /** Journal records replayed at open. */
  replayedRecords: number;
  /** Whether a failed write or sync has poisoned the store. */
  failed: boolean;
  /** The journal's counters. */
  journal: RecordLogStats;
}
