// LedgerWriter: the quorum client's writing side. Entry e goes to Qw stores of the
// current ensemble starting at position e mod E; it is acknowledged once Qa of them
// hold it and every lower entry is acknowledged. A store that fails or stalls is
// replaced by a spare: the ensemble change is recorded in the ledger's metadata by
// compare-and-set, and the unacknowledged entries are sent to the replacement.

import { ClosedError } from "../errors.ts";
import { checkLedgerId, checkPayload } from "./_checks.ts";
import { storesFor } from "./_quorum.ts";
import { checkTimeout } from "./_timeout.ts";
import { StorePool } from "./_store_pool.ts";
import {
  EntryConflictError,
  LedgerClosedError,
  LedgerFencedError,
  LedgerMetadataVersionError,
  NotEnoughStoresError,
} from "./errors.ts";
import type { LedgerMetadata, LedgerMetadataStore } from "./metadata.ts";
import { checkMetadata, copyMetadata } from "./_metadata_rules.ts";
import type { LedgerStoreClient } from "./store_client.ts";

/** Options of {@linkcode LedgerWriter.create}. */
export interface LedgerWriterOptions {
  /** The new ledger's id; it must have no metadata yet. */
  ledgerId: number;
  /** Where the ledger's metadata lives. */
  metadataStore: LedgerMetadataStore;
  /** The stores to use: the first E form the ensemble, the rest are spares. */
  stores: readonly LedgerStoreClient[];
  /** E. Default 3. */
  ensembleSize?: number;
  /** Qw. Default E. */
  writeQuorum?: number;
  /** Qa. Default a majority of Qw. */
  ackQuorum?: number;
  /** A store that has not answered an add within this many ms is replaced. Default 10,000. */
  addTimeoutMs?: number;
  /** The largest payload accepted; keep it within the stores' `maxEntrySize`. Default 4 MiB. */
  maxEntrySize?: number;
  /**
   * When set, this many ms after an acknowledgement that no later add carried, the LAC
   * is sent to the stores on its own (BookKeeper's explicit LAC), so that readers of the
   * open ledger see the last entries. Default 0: off (the LAC rides on the next add).
   */
  explicitLacMs?: number;
}

interface PendingAdd {
  entryId: number;
  payload: Uint8Array;
  /** Names of the stores that hold it. */
  acks: Set<string>;
  sent: boolean;
  resolve: (entryId: number) => void;
  reject: (error: unknown) => void;
}

/**
 * Writes a ledger to an ensemble of stores with write quorum Qw and ack quorum Qa
 * (E ≥ Qw ≥ Qa). `addEntry` assigns ids 0, 1, 2, … in call order and resolves in that
 * order, each once Qa stores of its write set hold it durably. A failed or stalled store
 * is replaced by a spare (an ensemble change in the metadata); when a recovery has
 * fenced the ledger, adds reject with `LedgerFencedError` and the writer stops.
 *
 * @example Three stores, each entry on all three, acknowledged by two
 * ```ts
 * import {
 *   LedgerReader,
 *   LedgerStore,
 *   LedgerWriter,
 *   LocalStoreClient,
 *   MemoryLedgerMetadataStore,
 * } from "@cairn/cairn/ledger";
 * import { MemVfs } from "@cairn/cairn/vfs";
 * import assert from "node:assert/strict";
 *
 * const vfs = new MemVfs();
 * const stores = await Promise.all(["a", "b", "c"].map(async (name) =>
 *   new LocalStoreClient(name, await LedgerStore.open(`/${name}`, { vfs }))
 * ));
 * const metadataStore = new MemoryLedgerMetadataStore();
 * const writer = await LedgerWriter.create({
 *   ledgerId: 1,
 *   metadataStore,
 *   stores,
 *   ensembleSize: 3,
 *   writeQuorum: 3,
 *   ackQuorum: 2,
 * });
 * await writer.addEntry(new TextEncoder().encode("first"));
 * await writer.addEntry(new TextEncoder().encode("second"));
 * await writer.close();
 *
 * const reader = await LedgerReader.open({ ledgerId: 1, metadataStore, stores });
 * assert.equal(reader.lastAddConfirmed, 1);
 * assert.equal(new TextDecoder().decode(await reader.readEntry(1)), "second");
 * for (const client of stores) await client.store.close();
 * ```
 */
export class LedgerWriter {
  /** The ledger's id. */
  readonly ledgerId: number;
  readonly #metadataStore: LedgerMetadataStore;
  readonly #pool: StorePool;
  readonly #maxEntrySize: number;
  readonly #explicitLacMs: number;
  readonly #bad = new Set<string>();
  readonly #replacing = new Set<string>();
  readonly #pending = new Map<number, PendingAdd>();
  #metadata: LedgerMetadata;
  #version: number;
  #next = 0;
  #lac = -1;
  /** The highest LAC sent to stores, on an add or on its own. */
  #lacSent = -1;
  #lacTimer: ReturnType<typeof setTimeout> | undefined;
  #changing = 0;
  #changes: Promise<void> = Promise.resolve();
  #drainWaiters: (() => void)[] = [];
  #failure: unknown;
  #closing: Promise<LedgerMetadata> | undefined;

  private constructor(
    metadataStore: LedgerMetadataStore,
    pool: StorePool,
    metadata: LedgerMetadata,
    version: number,
    limits: { maxEntrySize: number; explicitLacMs: number },
  ) {
    this.ledgerId = metadata.ledgerId;
    this.#maxEntrySize = limits.maxEntrySize;
    this.#explicitLacMs = limits.explicitLacMs;
    this.#metadataStore = metadataStore;
    this.#pool = pool;
    this.#metadata = metadata;
    this.#version = version;
  }

  /**
   * Creates a ledger: its metadata (open, the first E stores as the ensemble), then a
   * writer for it. The stores learn of the ledger with its first entries.
   *
   * @param options See {@linkcode LedgerWriterOptions}.
   * @returns The writer.
   * @throws {TypeError} When an option has the wrong type.
   * @throws {RangeError} When the quorums do not satisfy E ≥ Qw ≥ Qa ≥ 1 or there are
   * fewer than E stores.
   * @throws {LedgerExistsError} When the ledger has metadata already.
   */
  static async create(options: LedgerWriterOptions): Promise<LedgerWriter> {
    if (typeof options !== "object" || options === null) {
      throw new TypeError("Options must be an object");
    }
    checkLedgerId(options.ledgerId);
    const timeout = checkTimeout(options.addTimeoutMs, "addTimeoutMs", 10_000);
    const explicitLacMs = options.explicitLacMs ?? 0;
    if (typeof explicitLacMs !== "number") {
      throw new TypeError("Option explicitLacMs must be a number");
    }
    if (!Number.isFinite(explicitLacMs) || explicitLacMs < 0) {
      throw new RangeError(`Option explicitLacMs must be at least 0, got ${explicitLacMs}`);
    }
    const maxEntrySize = options.maxEntrySize ?? 4 * 1024 * 1024;
    if (typeof maxEntrySize !== "number") {
      throw new TypeError("Option maxEntrySize must be a number");
    }
    if (!Number.isSafeInteger(maxEntrySize) || maxEntrySize < 0) {
      throw new RangeError(
        `Option maxEntrySize must be a non-negative integer, got ${maxEntrySize}`,
      );
    }
    const pool = new StorePool(options.stores, timeout);
    const ensembleSize = options.ensembleSize ?? 3;
    const writeQuorum = options.writeQuorum ?? ensembleSize;
    const ackQuorum = options.ackQuorum ?? Math.floor(writeQuorum / 2) + 1;
    const names = pool.names();
    if (names.length < ensembleSize) {
      throw new RangeError(
        `An ensemble of ${ensembleSize} needs as many stores, got ${names.length}`,
      );
    }
    const metadata: LedgerMetadata = {
      ledgerId: options.ledgerId,
      ensembleSize,
      writeQuorum,
      ackQuorum,
      state: "open",
      lastEntryId: -1,
      ensembles: [{ firstEntryId: 0, stores: names.slice(0, ensembleSize) }],
    };
    checkMetadata(metadata);
    const version = await options.metadataStore.create(metadata);
    return new LedgerWriter(options.metadataStore, pool, metadata, version, {
      maxEntrySize,
      explicitLacMs,
    });
  }

  /** The highest entry id acknowledged so far, -1 when none. */
  get lastAddConfirmed(): number {
    return this.#lac;
  }

  /** A copy of the ledger's metadata as this writer last wrote it. */
  get metadata(): LedgerMetadata {
    return copyMetadata(this.#metadata);
  }

  /**
   * Adds an entry with the next id.
   *
   * @param payload The entry's bytes; copied before the call returns.
   * @returns The entry's id, once Qa stores hold it and every lower entry is acknowledged.
   * @throws {TypeError} When the payload is not a `Uint8Array`.
   * @throws {RangeError} When the payload is larger than `maxEntrySize`.
   * @throws {LedgerFencedError} When a recovery has fenced the ledger.
   * @throws {NotEnoughStoresError} When a failed store could not be replaced.
   * @throws {ClosedError} After `close()`.
   */
  addEntry(payload: Uint8Array): Promise<number> {
    try {
      checkPayload(payload, this.#maxEntrySize);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#closing !== undefined) {
      return Promise.reject(new ClosedError(`Writer of ledger ${this.ledgerId} is closed`));
    }
    return new Promise<number>((resolve, reject) => {
      const add: PendingAdd = {
        entryId: this.#next++,
        payload: payload.slice(),
        acks: new Set(),
        sent: false,
        resolve,
        reject,
      };
      this.#pending.set(add.entryId, add);
      if (this.#changing === 0) this.#sendToWriteSet(add);
    });
  }

  /**
   * Waits for every pending add, then closes the ledger in its metadata with the last
   * acknowledged entry. Closing twice returns the same result.
   *
   * @returns The closed ledger's metadata.
   * @throws {LedgerFencedError} When a recovery fenced the ledger meanwhile (the recovery
   * closes it).
   * @throws {NotEnoughStoresError} When pending adds failed for want of stores.
   */
  close(): Promise<LedgerMetadata> {
    this.#closing ??= (async () => {
      while (this.#pending.size > 0 && this.#failure === undefined) {
        await new Promise<void>((resolve) => this.#drainWaiters.push(resolve));
      }
      await this.#changes;
      clearTimeout(this.#lacTimer);
      if (this.#failure !== undefined) throw this.#failure;
      const closed = { ...this.#metadata, state: "closed" as const, lastEntryId: this.#lac };
      this.#version = await this.#casMetadata(closed);
      this.#metadata = closed;
      return copyMetadata(closed);
    })();
    return this.#closing;
  }

  #sendToWriteSet(add: PendingAdd): void {
    add.sent = true;
    for (const name of storesFor(this.#metadata, add.entryId)) this.#send(add, name);
  }

  #send(add: PendingAdd, name: string): void {
    const options = { lac: this.#lac, create: true };
    this.#lacSent = Math.max(this.#lacSent, this.#lac);
    this.#pool.call(
      name,
      (client) => client.addEntry(this.ledgerId, add.entryId, add.payload, options),
    ).then(
      () => {
        if (this.#pending.get(add.entryId) !== add) return;
        add.acks.add(name);
        this.#complete();
      },
      (error) => {
        if (error instanceof LedgerFencedError || error instanceof LedgerClosedError) {
          this.#fail(new LedgerFencedError(this.ledgerId, { cause: error }));
        } else if (
          error instanceof EntryConflictError || error instanceof RangeError ||
          error instanceof TypeError
        ) {
          // Not the store's fault: another writer wrote this id, or the store refuses the
          // entry itself. Replacing the store would not help.
          this.#fail(error);
        } else {
          this.#replace(name, error);
        }
      },
    );
  }

  /** Acknowledges, in id order, every entry that has Qa acks from its write set. */
  #complete(): void {
    if (this.#changing > 0 || this.#failure !== undefined) return;
    for (;;) {
      const add = this.#pending.get(this.#lac + 1);
      if (add === undefined) break;
      const acked = storesFor(this.#metadata, add.entryId).filter((name) => add.acks.has(name));
      if (acked.length < this.#metadata.ackQuorum) break;
      this.#pending.delete(add.entryId);
      this.#lac = add.entryId;
      add.resolve(add.entryId);
    }
    if (this.#explicitLacMs > 0 && this.#lacTimer === undefined && this.#lac > this.#lacSent) {
      this.#lacTimer = setTimeout(() => this.#sendLac(), this.#explicitLacMs);
    }
    if (this.#pending.size === 0) { for (const wake of this.#drainWaiters.splice(0)) wake(); }
  }

  /** Sends the LAC on its own to the last ensemble, unless an add carried it meanwhile. */
  #sendLac(): void {
    this.#lacTimer = undefined;
    const lac = this.#lac;
    if (this.#failure !== undefined || lac <= this.#lacSent) return;
    this.#lacSent = lac;
    for (const name of this.#metadata.ensembles.at(-1)!.stores) {
      this.#pool.call(name, (client) => client.updateLac(this.ledgerId, lac)).catch(() => {});
    }
  }

  /** Queues the replacement of a failed store of the current ensemble. */
  #replace(name: string, cause: unknown): void {
    this.#bad.add(name);
    if (this.#failure !== undefined || this.#replacing.has(name)) return;
    if (this.#closing !== undefined && this.#pending.size === 0) return;
    if (!this.#metadata.ensembles.at(-1)!.stores.includes(name)) return;
    this.#replacing.add(name);
    this.#changing++;
    this.#changes = this.#changes
      .then(() => this.#changeEnsemble(name, cause))
      .catch((error) => this.#fail(error))
      .finally(() => {
        this.#changing--;
        this.#replacing.delete(name);
        if (this.#changing > 0 || this.#failure !== undefined) return;
        for (const add of this.#pending.values()) if (!add.sent) this.#sendToWriteSet(add);
        this.#complete();
      });
  }

  async #changeEnsemble(name: string, cause: unknown): Promise<void> {
    if (this.#failure !== undefined) return;
    const last = this.#metadata.ensembles.at(-1)!;
    const position = last.stores.indexOf(name);
    if (position < 0) return;
    const stored = await this.#metadataStore.read(this.ledgerId);
    if (stored?.version !== this.#version) {
      throw new LedgerFencedError(this.ledgerId, {
        cause: new LedgerMetadataVersionError(this.ledgerId, this.#version, stored?.version ?? -1),
      });
    }
    const replacement = this.#pool.names().find((candidate) =>
      !last.stores.includes(candidate) && !this.#bad.has(candidate)
    );
    if (replacement === undefined) {
      throw new NotEnoughStoresError(
        `No spare store to replace ${name} in the ensemble of ledger ${this.ledgerId}`,
        { cause },
      );
    }
    const stores = [...last.stores];
    stores[position] = replacement;
    const firstEntryId = this.#lac + 1;
    const kept = this.#metadata.ensembles.filter((ensemble) =>
      ensemble.firstEntryId < firstEntryId
    );
    const updated = { ...this.#metadata, ensembles: [...kept, { firstEntryId, stores }] };
    this.#version = await this.#casMetadata(updated);
    this.#metadata = updated;
    for (const add of this.#pending.values()) {
      add.acks.delete(name);
      if (add.sent && storesFor(updated, add.entryId).includes(replacement)) {
        this.#send(add, replacement);
      }
    }
  }

  /** Writes the metadata by compare-and-set; a lost race means a recovery took over. */
  async #casMetadata(metadata: LedgerMetadata): Promise<number> {
    try {
      return await this.#metadataStore.update(metadata, this.#version);
    } catch (error) {
      if (error instanceof LedgerMetadataVersionError) {
        throw new LedgerFencedError(this.ledgerId, { cause: error });
      }
      throw error;
    }
  }

  #fail(error: unknown): void {
    this.#failure ??= error;
    clearTimeout(this.#lacTimer);
    for (const add of this.#pending.values()) add.reject(this.#failure);
    this.#pending.clear();
    for (const wake of this.#drainWaiters.splice(0)) wake();
  }
}
