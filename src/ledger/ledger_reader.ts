// LedgerReader: the quorum client's reading side. Reads an entry from any store of its
// write set that holds it, and never past the last add confirmed: the closed ledger's
// last entry, or for an open ledger the highest LAC its stores report.

import { checkEntryId, checkLedgerId } from "./_checks.ts";
import { storesFor } from "./_quorum.ts";
import { checkTimeout } from "./_timeout.ts";
import { NoSuchEntryError, NoSuchLedgerError, NotEnoughStoresError } from "./errors.ts";
import { readFromReplicas } from "./_speculative_read.ts";
import { StorePool } from "./_store_pool.ts";
import type { LedgerMetadata, LedgerMetadataStore } from "./metadata.ts";
import { copyMetadata } from "./_metadata_rules.ts";
import { recoverLedger } from "./recover_ledger.ts";
import type { LedgerStoreClient } from "./store_client.ts";
import type { WaitForEntryOptions } from "./types.ts";

/** Options of {@linkcode LedgerReader.open}. */
export interface LedgerReaderOptions {
  /** The ledger to read. */
  ledgerId: number;
  /** Where its metadata lives. */
  metadataStore: LedgerMetadataStore;
  /** The stores, by the names its ensembles use. */
  stores: readonly LedgerStoreClient[];
  /** Recover (fence and close) an open ledger first; see {@linkcode recoverLedger}. */
  recover?: boolean;
  /** A store that has not answered within this many ms counts as unreachable. Default 10,000. */
  timeoutMs?: number;
  /**
   * A read asks the next replica of the entry when the previous one has not answered
   * within this many ms (it keeps waiting for both). Default 200.
   */
  speculativeReadMs?: number;
}

/**
 * Reads a ledger written by a {@linkcode LedgerWriter}, from whichever store of each
 * entry's write set answers, up to the last add confirmed. A closed ledger's end is
 * fixed; an open one's advances as its writer goes on ({@linkcode
 * LedgerReader.readLastAddConfirmed}, {@linkcode LedgerReader.waitForEntry}).
 *
 * @example Tailing a ledger while it is written
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
 * const writer = await LedgerWriter.create({ ledgerId: 3, metadataStore, stores });
 * const reader = await LedgerReader.open({ ledgerId: 3, metadataStore, stores });
 * for (let i = 0; i < 3; i++) await writer.addEntry(new Uint8Array([i]));
 * // Stores learn an entry is confirmed from the next add's LAC: entry 1 is visible.
 * assert.equal(await reader.waitForEntry(0, { timeoutMs: 1000 }), 1);
 * assert.deepEqual(await reader.readEntry(1), new Uint8Array([1]));
 * await writer.close();
 * for (const client of stores) await client.store.close();
 * ```
 */
export class LedgerReader {
  /** The ledger's id. */
  readonly ledgerId: number;
  readonly #metadataStore: LedgerMetadataStore;
  readonly #pool: StorePool;
  readonly #speculativeMs: number;
  #metadata: LedgerMetadata;
  #lac = -1;

  private constructor(
    metadataStore: LedgerMetadataStore,
    pool: StorePool,
    metadata: LedgerMetadata,
    speculativeMs: number,
  ) {
    this.#speculativeMs = speculativeMs;
    this.ledgerId = metadata.ledgerId;
    this.#metadataStore = metadataStore;
    this.#pool = pool;
    this.#metadata = metadata;
  }

  /**
   * Opens a reader: reads the metadata (recovering an open ledger first with
   * `recover`), and the last add confirmed.
   *
   * @param options See {@linkcode LedgerReaderOptions}.
   * @returns The reader.
   * @throws {NoSuchLedgerError} When the ledger has no metadata.
   * @throws {NotEnoughStoresError} When `recover` is set and the recovery cannot finish.
   */
  static async open(options: LedgerReaderOptions): Promise<LedgerReader> {
    if (typeof options !== "object" || options === null) {
      throw new TypeError("Options must be an object");
    }
    checkLedgerId(options.ledgerId);
    const timeout = checkTimeout(options.timeoutMs, "timeoutMs", 10_000);
    const speculativeMs = checkTimeout(options.speculativeReadMs, "speculativeReadMs", 200);
    const pool = new StorePool(options.stores, timeout);
    let metadata = (await options.metadataStore.read(options.ledgerId))?.metadata;
    if (metadata === undefined) throw new NoSuchLedgerError(options.ledgerId);
    if (options.recover === true && metadata.state !== "closed") {
      metadata = await recoverLedger({ ...options, timeoutMs: timeout });
    }
    const reader = new LedgerReader(options.metadataStore, pool, metadata, speculativeMs);
    await reader.readLastAddConfirmed();
    return reader;
  }

  /** The last entry this reader may read (-1: none yet). */
  get lastAddConfirmed(): number {
    return this.#lac;
  }

  /** Whether the ledger is closed: its last entry is fixed. */
  get closed(): boolean {
    return this.#metadata.state === "closed";
  }

  /** A copy of the ledger's metadata as last read. */
  get metadata(): LedgerMetadata {
    return copyMetadata(this.#metadata);
  }

  /**
   * Reads the metadata again and, for an open ledger, the LAC its stores report.
   *
   * @returns The new last add confirmed (it never goes back).
   */
  async readLastAddConfirmed(): Promise<number> {
    const found = await this.#metadataStore.read(this.ledgerId);
    if (found === undefined) throw new NoSuchLedgerError(this.ledgerId);
    this.#metadata = found.metadata;
    if (this.closed) {
      this.#lac = this.#metadata.lastEntryId;
      return this.#lac;
    }
    const { stores } = this.#metadata.ensembles.at(-1)!;
    const answers = await Promise.allSettled(
      stores.map((name) => this.#pool.call(name, (client) => client.ledgerInfo(this.ledgerId))),
    );
    for (const answer of answers) {
      if (answer.status === "fulfilled") this.#lac = Math.max(this.#lac, answer.value.lac);
    }
    return this.#lac;
  }

  /**
   * Reads one entry from the first store of its write set that answers with it: the
   * stores are asked in write-set order, the next one as soon as the previous fails or has
   * not answered within `speculativeReadMs`.
   *
   * @param entryId An entry at or below the last add confirmed.
   * @returns Its bytes, owned by the caller.
   * @throws {RangeError} When the id is out of range.
   * @throws {NoSuchEntryError} When it lies beyond the last add confirmed, or no store of
   * its write set holds it.
   * @throws {NotEnoughStoresError} When no store that may hold it answers.
   */
  async readEntry(entryId: number): Promise<Uint8Array> {
    checkEntryId(entryId);
    if (entryId > this.#lac) {
      throw new NoSuchEntryError(
        this.ledgerId,
        entryId,
        `lies beyond the last add confirmed ${this.#lac}`,
      );
    }
    const names = storesFor(this.#metadata, entryId);
    const read = await readFromReplicas(
      names,
      (name) => this.#pool.call(name, (client) => client.readEntry(this.ledgerId, entryId)),
      this.#speculativeMs,
    );
    if (read.found) return read.payload;
    if (read.missing === names.length) throw new NoSuchEntryError(this.ledgerId, entryId);
    throw new NotEnoughStoresError(
      `No store holding entry ${entryId} of ledger ${this.ledgerId} answered`,
      { cause: read.cause },
    );
  }

  /**
   * Reads the entries from `from` to `to` (default: the last add confirmed), in order.
   *
   * @param from The first entry. Default 0.
   * @param to The last entry, at most the last add confirmed.
   * @returns An async generator of entry ids and bytes.
   * @throws {NoSuchEntryError} When `to` lies beyond the last add confirmed.
   */
  async *entries(
    from = 0,
    to: number = this.#lac,
  ): AsyncGenerator<{ entryId: number; payload: Uint8Array }> {
    for (let entryId = from; entryId <= to; entryId++) {
      yield { entryId, payload: await this.readEntry(entryId) };
    }
  }

  /**
   * Long poll: resolves once the last add confirmed passes `afterEntryId`, the ledger is
   * closed, or `timeoutMs` passes. Stores learn that an entry is confirmed from the LAC
   * the writer's next add carries.
   *
   * @param afterEntryId The last entry the caller has read (-1: none).
   * @param options `signal` to abort; `timeoutMs`, default no limit.
   * @returns The last add confirmed then.
   */
  async waitForEntry(afterEntryId: number, options: WaitForEntryOptions = {}): Promise<number> {
    checkEntryId(afterEntryId, "afterEntryId", true);
    const deadline = performance.now() + (options.timeoutMs ?? Infinity);
    for (;;) {
      if ((await this.readLastAddConfirmed()) > afterEntryId || this.closed) return this.#lac;
      const remaining = deadline - performance.now();
      if (remaining <= 0) return this.#lac;
      options.signal?.throwIfAborted();
      await this.#waitForAnyStore(remaining, options.signal);
    }
  }

  /**
   * Waits until a store of the last ensemble holds an entry it did not hold before, or
   * `ms` pass; while no store has the ledger yet, waits 10 ms. The waits left over are
   * aborted.
   */
  async #waitForAnyStore(ms: number, signal: AbortSignal | undefined): Promise<void> {
    const round = new AbortController();
    const abort = signal === undefined ? round.signal : AbortSignal.any([signal, round.signal]);
    const { stores } = this.#metadata.ensembles.at(-1)!;
    const waits = stores.map(async (name) => {
      const info = await this.#pool.call(name, (client) => client.ledgerInfo(this.ledgerId));
      const options = { timeoutMs: ms, signal: abort };
      await this.#pool.call(
        name,
        (client) => client.waitForEntry(this.ledgerId, info.lastEntryId, options),
        Infinity,
      );
    });
    try {
      await Promise.any(waits);
    } catch {
      signal?.throwIfAborted();
      await new Promise((resolve) => setTimeout(resolve, Math.min(ms, 10)));
    } finally {
      round.abort();
      await Promise.allSettled(waits);
    }
  }
}
