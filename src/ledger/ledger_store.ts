// LedgerStore: one "bookie". A journal (a record log with group commit) takes every
// change first; each ledger has a private workspace (memtable, entry log, index) that the
// change applies to once durable. Checkpoints sync the workspaces and trim the journal.
// Format: docs/ledger_format.md.

import { MetricsRegistry } from "../metrics/registry.ts";
import { DenoVfs } from "../vfs/deno_vfs.ts";
import { ensureDir } from "../vfs/_ensure_dir.ts";
import { joinPath } from "../vfs/_path.ts";
import type { VfsLock } from "../vfs/vfs.ts";
import {
  checkAddOptions,
  checkEntryId,
  checkFlag,
  checkLedgerId,
  checkOptionsObject,
  checkPayload,
  checkWaitOptions,
} from "./_checks.ts";
import { infoOf } from "./_ledger_table.ts";
import { longPoll } from "./_long_poll.ts";
import { StoreCore } from "./_store_core.ts";
import { checkStoreOptions, type LedgerStoreOptions } from "./_store_options.ts";
import { LEDGERS_DIR, recoverStore } from "./_store_recovery.ts";
import { CLOSED, FENCED } from "./_workspace.ts";
import { NoSuchEntryError } from "./errors.ts";
import type {
  AddEntryOptions,
  FenceOptions,
  LedgerInfo,
  LedgerStoreStats,
  WaitForEntryOptions,
} from "./types.ts";

export type { LedgerStoreOptions };

/**
 * One ledger store (a "bookie"): ledgers of entries with client-assigned ids, each in a
 * private workspace, behind one journal with group commit. An add resolves once its
 * journal record is durable; concurrent adds on any ledgers share one fsync. Entries
 * are then readable from the ledger's memtable and, once flushed in the background,
 * from its entry log through its index. Checkpoints sync the workspaces and remove the
 * journal segments they cover; recovery replays the journal from the last checkpoint.
 *
 * A store holds the entries it is sent, which for a striped ledger is a subset with
 * gaps. Adds are idempotent: the same id with the same bytes succeeds again, with other
 * bytes rejects with `EntryConflictError`. `fence` (used by recovery) and `closeLedger`
 * are durable and irreversible. After a failed write or sync the store is poisoned:
 * writes reject with `StoreFailedError`, reads go on.
 *
 * @example Adding, reading and fencing
 * ```ts
 * import { LedgerStore } from "@cairn/cairn/ledger";
 * import { MemVfs } from "@cairn/cairn/vfs";
 * import assert from "node:assert/strict";
 *
 * const store = await LedgerStore.open("/bookie", { vfs: new MemVfs() });
 * await store.createLedger(1);
 * await store.addEntry(1, 0, new TextEncoder().encode("a"));
 * await store.addEntry(1, 1, new TextEncoder().encode("b"), { lac: 0 });
 * assert.equal(new TextDecoder().decode(store.readEntry(1, 1)), "b");
 * assert.equal(store.readLac(1), 0);
 * await store.fence(1);
 * await assert.rejects(store.addEntry(1, 2, new Uint8Array(1)), { name: "LedgerFencedError" });
 * await store.close();
 * ```
 */
export class LedgerStore {
  readonly #core: StoreCore;
  readonly #lock: VfsLock;
  readonly #replayed: number;
  #closing: Promise<void> | undefined;

  private constructor(core: StoreCore, lock: VfsLock, replayed: number) {
    this.#core = core;
    this.#lock = lock;
    this.#replayed = replayed;
  }

  /**
   * Opens (or creates) the store in `path`: takes its lock, loads the checkpoint and the
   * workspaces it names, and replays the journal from it (cutting a torn tail).
   *
   * @param path The store's directory.
   * @param options See {@linkcode LedgerStoreOptions}.
   * @returns The open store.
   * @throws {TypeError} When the path or an option has the wrong type.
   * @throws {RangeError} When an option is out of range.
   * @throws {LockedError} At once, when another owner has the directory open.
   * @throws {CorruptionError} When the journal (other than a torn tail), the checkpoint, an
   * entry log or an index is damaged.
   */
  static async open(path: string, options: LedgerStoreOptions = {}): Promise<LedgerStore> {
    if (typeof path !== "string" || path === "") {
      throw new TypeError("Ledger store path must be a non-empty string");
    }
    const settings = checkStoreOptions(options);
    const vfs = options.vfs ?? new DenoVfs();
    await ensureDir(vfs, joinPath(path, LEDGERS_DIR));
    const lock = vfs.tryLock(joinPath(path, "LOCK"));
    try {
      const registry = settings.metrics ?? new MetricsRegistry();
      const recovered = await recoverStore(vfs, path, settings, registry);
      const core = new StoreCore({ ...recovered, vfs, dir: path, settings, registry });
      const store = new LedgerStore(core, lock, recovered.replayed);
      if (recovered.table.deleting.size > 0) {
        await store.checkpoint().catch(async (error) => {
          await store.close().catch(() => {});
          throw error;
        });
      }
      return store;
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /**
   * Creates an empty, open ledger; resolves once durable.
   *
   * @param ledgerId An integer from 0 to 2^53 - 1.
   * @throws {TypeError} When the id is not a number.
   * @throws {RangeError} When the id is out of range.
   * @throws {LedgerExistsError} When the ledger exists or is being deleted.
   * @throws {ClosedError} After `close()`.
   * @throws {StoreFailedError} After a failed write or sync.
   */
  async createLedger(ledgerId: number): Promise<void> {
    checkLedgerId(ledgerId);
    await this.#core.create(ledgerId);
  }

  /**
   * Adds an entry with an id the client chose; resolves once its journal record is
   * durable. Ids may arrive in any order and with gaps. Adding an id again with the same
   * bytes succeeds (once the first add is durable); with other bytes it rejects.
   *
   * @param ledgerId The ledger.
   * @param entryId An integer from 0 to 2^53 - 2.
   * @param payload The entry's bytes (up to `maxEntrySize`); copied before the call returns.
   * @param options `lac`: the writer's last add confirmed; `recovery`: accepted by a
   * fenced ledger; `create`: create the ledger if this store lacks it.
   * @throws {TypeError} When an argument has the wrong type.
   * @throws {RangeError} When an id is out of range or the payload too large.
   * @throws {NoSuchLedgerError} When the ledger does not exist (and `create` is not set).
   * @throws {LedgerFencedError} When the ledger is fenced and this is not a recovery add.
   * @throws {LedgerClosedError} When the ledger is closed.
   * @throws {EntryConflictError} When the id is held with other bytes.
   * @throws {ClosedError} After `close()`.
   * @throws {StoreFailedError} After a failed write or sync.
   */
  addEntry(
    ledgerId: number,
    entryId: number,
    payload: Uint8Array,
    options: AddEntryOptions = {},
  ): Promise<void> {
    try {
      checkLedgerId(ledgerId);
      checkEntryId(entryId);
      checkPayload(payload, this.#core.settings.maxEntrySize);
      return this.#core.add(ledgerId, entryId, payload, checkAddOptions(options));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Reads an entry this store holds: from the memtable, else with one positional read
   * of the entry log.
   *
   * @param ledgerId The ledger.
   * @param entryId The entry.
   * @returns The entry's bytes, owned by the caller.
   * @throws {TypeError} When an id is not a number.
   * @throws {RangeError} When an id is out of range.
   * @throws {NoSuchLedgerError} When the ledger does not exist here.
   * @throws {NoSuchEntryError} When this store does not hold the entry.
   * @throws {CorruptionError} When the stored record fails its checks.
   * @throws {ClosedError} After `close()`.
   */
  readEntry(ledgerId: number, entryId: number): Uint8Array {
    checkLedgerId(ledgerId);
    checkEntryId(entryId);
    const payload = this.#core.readable(ledgerId).read(entryId);
    if (payload === undefined) throw new NoSuchEntryError(ledgerId, entryId);
    this.#core.metrics.reads.add();
    return payload;
  }

  /**
   * The highest last-add-confirmed any durable add to the ledger carried.
   *
   * @param ledgerId The ledger.
   * @returns The LAC, -1 when no add carried one.
   * @throws {NoSuchLedgerError} When the ledger does not exist here.
   * @throws {ClosedError} After `close()`.
   */
  readLac(ledgerId: number): number {
    checkLedgerId(ledgerId);
    return this.#core.readable(ledgerId).lac;
  }

  /**
   * What this store knows of a ledger: state, LAC, last entry held, entry count.
   *
   * @param ledgerId The ledger.
   * @returns A fresh {@linkcode LedgerInfo}.
   * @throws {NoSuchLedgerError} When the ledger does not exist here.
   * @throws {ClosedError} After `close()`.
   */
  ledgerInfo(ledgerId: number): LedgerInfo {
    checkLedgerId(ledgerId);
    return infoOf(this.#core.readable(ledgerId));
  }

  /**
   * Long poll: resolves once the store holds an entry above `afterEntryId`, or the
   * ledger's state or LAC changes, or `timeoutMs` passes (with the state as it is then).
   *
   * @param ledgerId The ledger.
   * @param afterEntryId The last entry id the caller has seen (-1: none).
   * @param options `signal` to abort; `timeoutMs`, default no limit.
   * @returns The ledger's {@linkcode LedgerInfo}.
   * @throws {RangeError} When an id or the timeout is out of range.
   * @throws {NoSuchLedgerError} When the ledger does not exist or is deleted meanwhile.
   * @throws {ClosedError} When the store is or gets closed.
   */
  waitForEntry(
    ledgerId: number,
    afterEntryId: number,
    options: WaitForEntryOptions = {},
  ): Promise<LedgerInfo> {
    try {
      checkLedgerId(ledgerId);
      checkEntryId(afterEntryId, "afterEntryId", true);
      const { timeout, signal } = checkWaitOptions(options);
      const workspace = this.#core.readable(ledgerId);
      if (workspace.lastEntryId > afterEntryId) return Promise.resolve(infoOf(workspace));
      return longPoll(
        workspace,
        afterEntryId,
        timeout,
        signal,
        () => this.#core.pollEnd(workspace),
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Fences a ledger, durably and irreversibly: later adds reject with
   * `LedgerFencedError`, except recovery adds. Every add acknowledged before is applied
   * when it resolves, so the returned LAC and last entry cover them.
   *
   * @param ledgerId The ledger.
   * @param options `create`: create the ledger, fenced, when this store lacks it.
   * @returns The ledger's {@linkcode LedgerInfo} once the fence is durable.
   * @throws {NoSuchLedgerError} When the ledger does not exist (and `create` is not set).
   * @throws {ClosedError} After `close()`.
   * @throws {StoreFailedError} After a failed write or sync.
   */
  async fence(ledgerId: number, options: FenceOptions = {}): Promise<LedgerInfo> {
    checkLedgerId(ledgerId);
    checkOptionsObject(options);
    return await this.#core.setFlag(ledgerId, FENCED, checkFlag(options.create, "create"));
  }

  /**
   * Records a writer's last add confirmed without an entry (BookKeeper's explicit LAC), so
   * that readers of an open ledger see its last entries before the next add. The LAC only
   * grows; any state accepts it.
   *
   * @param ledgerId The ledger.
   * @param lac The writer's last add confirmed.
   * @returns The ledger's {@linkcode LedgerInfo} once the LAC is durable.
   * @throws {RangeError} When an id is out of range.
   * @throws {NoSuchLedgerError} When the ledger does not exist.
   * @throws {ClosedError} After `close()`.
   * @throws {StoreFailedError} After a failed write or sync.
   */
  async updateLac(ledgerId: number, lac: number): Promise<LedgerInfo> {
    checkLedgerId(ledgerId);
    checkEntryId(lac, "LAC", true);
    return await this.#core.updateLac(ledgerId, lac);
  }

  /**
   * Closes a ledger on this store, durably: later adds reject with `LedgerClosedError`.
   *
   * @param ledgerId The ledger.
   * @returns The ledger's {@linkcode LedgerInfo} once the close is durable.
   * @throws {NoSuchLedgerError} When the ledger does not exist.
   * @throws {ClosedError} After `close()`.
   * @throws {StoreFailedError} After a failed write or sync.
   */
  async closeLedger(ledgerId: number): Promise<LedgerInfo> {
    checkLedgerId(ledgerId);
    return await this.#core.setFlag(ledgerId, CLOSED, false);
  }

  /**
   * Deletes a ledger: a durable journal record, then a checkpoint that no longer names
   * it, then the removal of its files. Resolves once the files are gone.
   *
   * @param ledgerId The ledger.
   * @throws {NoSuchLedgerError} When the ledger does not exist.
   * @throws {ClosedError} After `close()`.
   * @throws {StoreFailedError} After a failed write or sync.
   */
  async deleteLedger(ledgerId: number): Promise<void> {
    checkLedgerId(ledgerId);
    await this.#core.delete(ledgerId);
  }

  /**
   * The ids of the ledgers on this store, ascending.
   *
   * @returns The ids of the live ledgers whose creation is durable.
   * @throws {ClosedError} After `close()`.
   */
  ledgers(): number[] {
    this.#core.checkOpen();
    return [...this.#core.table.live.values()]
      .filter((workspace) => workspace.created)
      .map((workspace) => workspace.ledgerId)
      .sort((a, b) => a - b);
  }

  /**
   * Takes a checkpoint now: flushes every memtable, syncs every workspace, records the
   * journal position they cover and removes the journal segments before it. Runs on its
   * own every `checkpointBytes` of journal, and at `close()`.
   *
   * @throws {ClosedError} After `close()`.
   * @throws {StoreFailedError} When a write or sync fails (the store is then poisoned).
   */
  checkpoint(): Promise<void> {
    try {
      this.#core.checkWritable();
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#core.checkpoint();
  }

  /**
   * Counters of the store and its journal.
   *
   * @returns A fresh {@linkcode LedgerStoreStats}.
   */
  stats(): LedgerStoreStats {
    const { metrics, table, journal } = this.#core;
    return {
      ledgers: table.live.size,
      openLedgers: table.handles.size,
      entriesAdded: metrics.adds.value,
      bytesAdded: metrics.addedBytes.value,
      entriesRead: metrics.reads.value,
      memtableBytes: table.memtableBytes,
      flushes: metrics.flushes.value,
      flushedBytes: metrics.flushedBytes.value,
      checkpoints: metrics.checkpointSeconds.count,
      backPressureWaits: metrics.backPressureWaits.value,
      replayedRecords: this.#replayed,
      failed: this.#core.failureCause() !== undefined,
      journal: journal.stats(),
    };
  }

  /**
   * Waits for in-flight writes, takes a final checkpoint (so the next open replays
   * nothing), closes every file and releases the lock. Closing twice is harmless.
   *
   * @throws {StoreFailedError} When the store had failed or the final checkpoint fails;
   * the files are closed anyway.
   */
  close(): Promise<void> {
    this.#closing ??= this.#core.close().finally(() => this.#lock.release());
    return this.#closing;
  }

  /** Closes the store; see {@linkcode LedgerStore.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
