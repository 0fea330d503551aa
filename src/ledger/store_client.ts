// How the quorum client reaches a ledger store: an interface, so the same client works
// with stores in this process now and remote ones later, and tests can inject faults.

import type { LedgerStore } from "./ledger_store.ts";
import type { AddEntryOptions, LedgerInfo, WaitForEntryOptions } from "./types.ts";

/**
 * One ledger store as the quorum client sees it. Every call may fail (the store is
 * down, slow or broken); the client tells the typed errors of the ledger module
 * (`LedgerFencedError`, `NoSuchEntryError`, `NoSuchLedgerError`, …) from other failures.
 */
export interface LedgerStoreClient {
  /** The store's name, as ensembles in ledger metadata name it. */
  readonly name: string;
  /** Adds an entry durably; see {@linkcode LedgerStore.addEntry}. */
  addEntry(
    ledgerId: number,
    entryId: number,
    payload: Uint8Array,
    options: AddEntryOptions,
  ): Promise<void>;
  /** Reads an entry; rejects with `NoSuchEntryError` or `NoSuchLedgerError` when absent. */
  readEntry(ledgerId: number, entryId: number): Promise<Uint8Array>;
  /** The store's view of a ledger; rejects with `NoSuchLedgerError` when absent. */
  ledgerInfo(ledgerId: number): Promise<LedgerInfo>;
  /** Records the writer's LAC without an entry; see {@linkcode LedgerStore.updateLac}. */
  updateLac(ledgerId: number, lac: number): Promise<void>;
  /** Fences a ledger durably, creating it fenced when absent; resolves with its info. */
  fence(ledgerId: number): Promise<LedgerInfo>;
  /** Long poll; see {@linkcode LedgerStore.waitForEntry}. */
  waitForEntry(
    ledgerId: number,
    afterEntryId: number,
    options: WaitForEntryOptions,
  ): Promise<LedgerInfo>;
}

/**
 * A {@linkcode LedgerStoreClient} over a {@linkcode LedgerStore} in this process.
 *
 * @example Wrapping a store for the quorum client
 * ```ts
 * import { LedgerStore, LocalStoreClient } from "@cairn/cairn/ledger";
 * import { MemVfs } from "@cairn/cairn/vfs";
 * import assert from "node:assert/strict";
 *
 * const store = await LedgerStore.open("/bookie-1", { vfs: new MemVfs() });
 * const client = new LocalStoreClient("bookie-1", store);
 * await client.addEntry(5, 0, new Uint8Array([1]), { create: true });
 * assert.deepEqual(await client.readEntry(5, 0), new Uint8Array([1]));
 * await store.close();
 * ```
 */
export class LocalStoreClient implements LedgerStoreClient {
  /** The store's name. */
  readonly name: string;
  /** The store calls go to. */
  readonly store: LedgerStore;

  /**
   * Wraps a store.
   *
   * @param name The name ensembles use for it.
   * @param store The open store.
   */
  constructor(name: string, store: LedgerStore) {
    this.name = name;
    this.store = store;
  }

  /**
   * Adds an entry; see {@linkcode LedgerStore.addEntry}.
   *
   * @param ledgerId The ledger.
   * @param entryId The entry.
   * @param payload The entry's bytes.
   * @param options `lac`, `recovery`, `create`.
   */
  addEntry(
    ledgerId: number,
    entryId: number,
    payload: Uint8Array,
    options: AddEntryOptions,
  ): Promise<void> {
    return this.store.addEntry(ledgerId, entryId, payload, options);
  }

  /**
   * Reads an entry; see {@linkcode LedgerStore.readEntry}.
   *
   * @param ledgerId The ledger.
   * @param entryId The entry.
   * @returns The entry's bytes.
   */
  readEntry(ledgerId: number, entryId: number): Promise<Uint8Array> {
    return this.#call(() => this.store.readEntry(ledgerId, entryId));
  }

  /**
   * The store's view of a ledger; see {@linkcode LedgerStore.ledgerInfo}.
   *
   * @param ledgerId The ledger.
   * @returns Its state, LAC and last entry on this store.
   */
  ledgerInfo(ledgerId: number): Promise<LedgerInfo> {
    return this.#call(() => this.store.ledgerInfo(ledgerId));
  }

  /**
   * Records the writer's LAC; see {@linkcode LedgerStore.updateLac}.
   *
   * @param ledgerId The ledger.
   * @param lac The writer's last add confirmed.
   */
  async updateLac(ledgerId: number, lac: number): Promise<void> {
    await this.store.updateLac(ledgerId, lac);
  }

  /**
   * Fences a ledger, creating it fenced when absent; see {@linkcode LedgerStore.fence}.
   *
   * @param ledgerId The ledger.
   * @returns Its info once the fence is durable.
   */
  fence(ledgerId: number): Promise<LedgerInfo> {
    return this.store.fence(ledgerId, { create: true });
  }

  /**
   * Long poll; see {@linkcode LedgerStore.waitForEntry}.
   *
   * @param ledgerId The ledger.
   * @param afterEntryId The last entry id seen.
   * @param options `signal`, `timeoutMs`.
   * @returns The ledger's info.
   */
  waitForEntry(
    ledgerId: number,
    afterEntryId: number,
    options: WaitForEntryOptions,
  ): Promise<LedgerInfo> {
    return this.store.waitForEntry(ledgerId, afterEntryId, options);
  }

  #call<T>(read: () => T): Promise<T> {
    try {
      return Promise.resolve(read());
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
