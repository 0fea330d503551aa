// Ledger metadata (ensembles, quorums, state, last entry) and the compare-and-set store
// interface the quorum client keeps it behind, with an in-memory implementation.

import { checkMetadata, copyMetadata } from "./_metadata_rules.ts";
import { LedgerExistsError, LedgerMetadataVersionError, NoSuchLedgerError } from "./errors.ts";

/**
 * A ledger's state in its metadata: `"open"` while its writer adds, `"in_recovery"` once
 * a recovery has started (the writer may no longer change the metadata), `"closed"` once
 * its last entry is fixed.
 */
export type LedgerMetadataState = "open" | "in_recovery" | "closed";

/** The stores that hold the entries from `firstEntryId` on (until the next ensemble). */
export interface Ensemble {
  /** The first entry this ensemble holds. */
  firstEntryId: number;
  /** The names of the ensemble's stores; entry e goes to positions e mod E, e + 1 mod E, … */
  stores: readonly string[];
}

/** What the metadata store keeps of one ledger. */
export interface LedgerMetadata {
  /** The ledger's id. */
  ledgerId: number;
  /** E: the stores each ensemble holds. */
  ensembleSize: number;
  /** Qw: the stores each entry is written to. */
  writeQuorum: number;
  /** Qa: the stores that must acknowledge an entry. */
  ackQuorum: number;
  /** See {@linkcode LedgerMetadataState}. */
  state: LedgerMetadataState;
  /** The last entry of a closed ledger; -1 otherwise (or when it closed empty). */
  lastEntryId: number;
  /** The ensembles in entry order, the first starting at entry 0. */
  ensembles: readonly Ensemble[];
}

/** Metadata with its version, for compare-and-set. */
export interface VersionedLedgerMetadata {
  /** The metadata. */
  metadata: LedgerMetadata;
  /** Its version: 1 when created, one more on each update. */
  version: number;
}

/**
 * Where ledger metadata lives: a compare-and-set store, so that a writer and a recovery
 * (or two recoveries) never overwrite each other's changes.
 */
export interface LedgerMetadataStore {
  /**
   * Stores the metadata of a new ledger at version 1.
   *
   * @throws {LedgerExistsError} When the ledger has metadata already.
   */
  create(metadata: LedgerMetadata): Promise<number>;
  /** The metadata and its version, or undefined when the ledger has none. */
  read(ledgerId: number): Promise<VersionedLedgerMetadata | undefined>;
  /**
   * Replaces the metadata if it is still at `expectedVersion`.
   *
   * @returns The new version.
   * @throws {LedgerMetadataVersionError} When it is at another version.
   * @throws {NoSuchLedgerError} When the ledger has no metadata.
   */
  update(metadata: LedgerMetadata, expectedVersion: number): Promise<number>;
  /**
   * Removes the metadata if it is still at `expectedVersion`.
   *
   * @throws {LedgerMetadataVersionError} When it is at another version.
   * @throws {NoSuchLedgerError} When the ledger has no metadata.
   */
  delete(ledgerId: number, expectedVersion: number): Promise<void>;
}

/**
 * Ledger metadata in memory, for tests and single-process use.
 *
 * @example Compare-and-set
 * ```ts
 * import { MemoryLedgerMetadataStore } from "@cairn/cairn/ledger";
 * import assert from "node:assert/strict";
 *
 * const metadataStore = new MemoryLedgerMetadataStore();
 * const metadata = {
 *   ledgerId: 1,
 *   ensembleSize: 1,
 *   writeQuorum: 1,
 *   ackQuorum: 1,
 *   state: "open" as const,
 *   lastEntryId: -1,
 *   ensembles: [{ firstEntryId: 0, stores: ["a"] }],
 * };
 * const version = await metadataStore.create(metadata);
 * await metadataStore.update({ ...metadata, state: "closed" }, version);
 * await assert.rejects(metadataStore.update(metadata, version), {
 *   name: "LedgerMetadataVersionError",
 * });
 * ```
 */
export class MemoryLedgerMetadataStore implements LedgerMetadataStore {
  readonly #ledgers = new Map<number, VersionedLedgerMetadata>();

  /**
   * Stores the metadata of a new ledger at version 1.
   *
   * @param metadata The new ledger's metadata.
   * @returns 1.
   * @throws {LedgerExistsError} When the ledger has metadata already.
   * @throws {TypeError} When the metadata is malformed.
   * @throws {RangeError} When the metadata is out of range.
   */
  create(metadata: LedgerMetadata): Promise<number> {
    try {
      checkMetadata(metadata);
      if (this.#ledgers.has(metadata.ledgerId)) throw new LedgerExistsError(metadata.ledgerId);
      this.#ledgers.set(metadata.ledgerId, { metadata: copyMetadata(metadata), version: 1 });
      return Promise.resolve(1);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Reads a ledger's metadata.
   *
   * @param ledgerId The ledger.
   * @returns A copy with its version, or undefined when there is none.
   */
  read(ledgerId: number): Promise<VersionedLedgerMetadata | undefined> {
    const found = this.#ledgers.get(ledgerId);
    if (found === undefined) return Promise.resolve(undefined);
    return Promise.resolve({ metadata: copyMetadata(found.metadata), version: found.version });
  }

  /**
   * Replaces the metadata if it is at `expectedVersion`.
   *
   * @param metadata The new metadata.
   * @param expectedVersion The version the caller read.
   * @returns The new version.
   * @throws {LedgerMetadataVersionError} When it is at another version.
   * @throws {NoSuchLedgerError} When the ledger has no metadata.
   */
  update(metadata: LedgerMetadata, expectedVersion: number): Promise<number> {
    try {
      checkMetadata(metadata);
      const version = this.#expect(metadata.ledgerId, expectedVersion) + 1;
      this.#ledgers.set(metadata.ledgerId, { metadata: copyMetadata(metadata), version });
      return Promise.resolve(version);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Removes the metadata if it is at `expectedVersion`.
   *
   * @param ledgerId The ledger.
   * @param expectedVersion The version the caller read.
   * @throws {LedgerMetadataVersionError} When it is at another version.
   * @throws {NoSuchLedgerError} When the ledger has no metadata.
   */
  delete(ledgerId: number, expectedVersion: number): Promise<void> {
    try {
      this.#expect(ledgerId, expectedVersion);
      this.#ledgers.delete(ledgerId);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #expect(ledgerId: number, expectedVersion: number): number {
    const found = this.#ledgers.get(ledgerId);
    if (found === undefined) throw new NoSuchLedgerError(ledgerId);
    if (found.version !== expectedVersion) {
      throw new LedgerMetadataVersionError(ledgerId, expectedVersion, found.version);
    }
    return found.version;
  }
}
