// Recovery of a ledger whose writer died, as BookKeeper does it: mark the metadata
// in recovery, fence enough stores of the last ensemble that no write set can reach its
// ack quorum any more, read forward from the highest LAC they report, write what is found
// again to its whole write set, and close the ledger at the last entry found.

import { checkLedgerId } from "./_checks.ts";
import { coversEveryWriteSet, storesFor } from "./_quorum.ts";
import { checkTimeout } from "./_timeout.ts";
import {
  LedgerMetadataVersionError,
  NoSuchEntryError,
  NoSuchLedgerError,
  NotEnoughStoresError,
} from "./errors.ts";
import type { LedgerMetadata, LedgerMetadataStore } from "./metadata.ts";
import type { LedgerStoreClient } from "./store_client.ts";
import { StorePool } from "./_store_pool.ts";
import type { LedgerInfo } from "./types.ts";

/** Options of {@linkcode recoverLedger}. */
export interface RecoverLedgerOptions {
  /** The ledger to recover. */
  ledgerId: number;
  /** Where its metadata lives. */
  metadataStore: LedgerMetadataStore;
  /** The stores, by the names its ensembles use. */
  stores: readonly LedgerStoreClient[];
  /** A store that has not answered within this many ms counts as unreachable. Default 10,000. */
  timeoutMs?: number;
}

/** Re-replicated entries in flight at once. */
const REPLICATION_BATCH = 64;
/** Compare-and-set races lost before giving up. */
const ATTEMPTS = 5;

/**
 * Recovers and closes a ledger whose writer may have died. Every entry the writer had
 * acknowledged stays readable, and the ledger is closed at the last entry that may have
 * been acknowledged (entries beyond the writer's LAC that some store holds are kept and
 * written again to their whole write set). After it the old writer's adds reject with
 * `LedgerFencedError`. Recovering a closed ledger returns its metadata at once; two
 * recoveries racing end with the same result.
 *
 * @param options See {@linkcode RecoverLedgerOptions}.
 * @returns The closed ledger's metadata.
 * @throws {NoSuchLedgerError} When the ledger has no metadata.
 * @throws {NotEnoughStoresError} When too few stores answer to fence, to tell whether an
 * entry was acknowledged, or to take the re-replicated entries; retry once they are back.
 * @throws {LedgerMetadataVersionError} When the metadata kept changing under it.
 *
 * @example Closing the ledger of a writer that went away
 * ```ts
 * import {
 *   LedgerStore,
 *   LedgerWriter,
 *   LocalStoreClient,
 *   MemoryLedgerMetadataStore,
 *   recoverLedger,
 * } from "@cairn/cairn/ledger";
 * import { MemVfs } from "@cairn/cairn/vfs";
 * import assert from "node:assert/strict";
 *
 * const vfs = new MemVfs();
 * const stores = await Promise.all(["a", "b", "c"].map(async (name) =>
 *   new LocalStoreClient(name, await LedgerStore.open(`/${name}`, { vfs }))
 * ));
 * const metadataStore = new MemoryLedgerMetadataStore();
 * const writer = await LedgerWriter.create({ ledgerId: 9, metadataStore, stores });
 * for (let i = 0; i < 5; i++) await writer.addEntry(new Uint8Array([i]));
 *
 * const closed = await recoverLedger({ ledgerId: 9, metadataStore, stores });
 * assert.equal(closed.state, "closed");
 * assert.equal(closed.lastEntryId, 4);
 * await assert.rejects(writer.addEntry(new Uint8Array(1)), { name: "LedgerFencedError" });
 * for (const client of stores) await client.store.close();
 * ```
 */
export async function recoverLedger(options: RecoverLedgerOptions): Promise<LedgerMetadata> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("Options must be an object");
  }
  checkLedgerId(options.ledgerId);
  const timeout = checkTimeout(options.timeoutMs, "timeoutMs", 10_000);
  const pool = new StorePool(options.stores, timeout);
  const { ledgerId, metadataStore } = options;
  let lost: unknown;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const found = await metadataStore.read(ledgerId);
    if (found === undefined) throw new NoSuchLedgerError(ledgerId);
    let { metadata, version } = found;
    if (metadata.state === "closed") return metadata;
    try {
      if (metadata.state === "open") {
        const marked: LedgerMetadata = { ...metadata, state: "in_recovery" };
        version = await metadataStore.update(marked, version);
        metadata = marked;
      }
      const recovery = new Recovery(metadata, pool);
      const lastEntryId = await recovery.run();
      const closed: LedgerMetadata = { ...metadata, state: "closed", lastEntryId };
      await metadataStore.update(closed, version);
      return closed;
    } catch (error) {
      if (!(error instanceof LedgerMetadataVersionError)) throw error;
      lost = error;
    }
  }
  throw lost;
}

/** One pass of recovery over the last ensemble of `metadata`. */
class Recovery {
  readonly #metadata: LedgerMetadata;
  readonly #pool: StorePool;
  /** Names of the stores that answered the fence: their answers are final. */
  readonly #fenced = new Set<string>();

  constructor(metadata: LedgerMetadata, pool: StorePool) {
    this.#metadata = metadata;
    this.#pool = pool;
  }

  /** Fences, reads forward, re-replicates. @returns The last entry id of the ledger. */
  async run(): Promise<number> {
    let lac = await this.#fence();
    const found: [number, Uint8Array][] = [];
    for (let entryId = lac + 1;; entryId++) {
      const payload = await this.#readForward(entryId);
      if (payload === undefined) break;
      found.push([entryId, payload]);
    }
    for (let at = 0; at < found.length; at += REPLICATION_BATCH) {
      const batch = found.slice(at, at + REPLICATION_BATCH);
      await Promise.all(batch.map(([entryId, payload]) => this.#replicate(entryId, payload)));
    }
    if (found.length > 0) lac = found.at(-1)![0];
    return lac;
  }

  /** Fences the last ensemble. @returns The highest entry known to be acknowledged. */
  async #fence(): Promise<number> {
    const metadata = this.#metadata;
    const last = metadata.ensembles.at(-1)!;
    const answers = await Promise.allSettled(
      last.stores.map((name) => this.#pool.call(name, (client) => client.fence(metadata.ledgerId))),
    );
    const answered = new Set<number>();
    let lac = last.firstEntryId - 1;
    let cause: unknown;
    for (const [position, answer] of answers.entries()) {
      if (answer.status === "rejected") {
        cause ??= answer.reason;
        continue;
      }
      answered.add(position);
      this.#fenced.add(last.stores[position]!);
      lac = Math.max(lac, (answer.value as LedgerInfo).lac);
    }
    if (!coversEveryWriteSet(metadata, answered)) {
      throw new NotEnoughStoresError(
        `Fenced ${answered.size} of ${last.stores.length} stores of ledger ${metadata.ledgerId}: ` +
          `too few to stop its writer`,
        { cause },
      );
    }
    return lac;
  }

  /**
   * Reads an entry past the LAC from its write set.
   *
   * @returns Its bytes, or undefined when enough fenced stores lack it that it can never
   * have been acknowledged.
   */
  async #readForward(entryId: number): Promise<Uint8Array | undefined> {
    const metadata = this.#metadata;
    const names = storesFor(metadata, entryId);
    const answers = await Promise.allSettled(
      names.map((name) =>
        this.#pool.call(name, (client) => client.readEntry(metadata.ledgerId, entryId))
      ),
    );
    let absent = 0;
    let cause: unknown;
    for (const [i, answer] of answers.entries()) {
      if (answer.status === "fulfilled") return answer.value;
      const missing = answer.reason instanceof NoSuchEntryError ||
        answer.reason instanceof NoSuchLedgerError;
      if (missing && this.#fenced.has(names[i]!)) absent++;
      else cause ??= answer.reason;
    }
    if (absent >= metadata.writeQuorum - metadata.ackQuorum + 1) return undefined;
    throw new NotEnoughStoresError(
      `Cannot tell whether entry ${entryId} of ledger ${metadata.ledgerId} was acknowledged`,
      { cause },
    );
  }

  /** Writes a recovered entry to its whole write set; at least Qa must take it. */
  async #replicate(entryId: number, payload: Uint8Array): Promise<void> {
    const metadata = this.#metadata;
    const options = { lac: entryId - 1, recovery: true, create: true };
    const answers = await Promise.allSettled(
      storesFor(metadata, entryId).map((name) =>
        this.#pool.call(
          name,
          (client) => client.addEntry(metadata.ledgerId, entryId, payload, options),
        )
      ),
    );
    const taken = answers.filter((answer) => answer.status === "fulfilled").length;
    if (taken < metadata.ackQuorum) {
      const failed = answers.find((answer) => answer.status === "rejected");
      throw new NotEnoughStoresError(
        `Only ${taken} stores took recovered entry ${entryId} of ledger ${metadata.ledgerId}`,
        { cause: failed?.status === "rejected" ? failed.reason : undefined },
      );
    }
  }
}
