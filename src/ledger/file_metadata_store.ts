// Ledger metadata on disk: one small file per ledger, replaced atomically on every
// change (temporary file, sync, rename, directory sync) and checked whole (CRC32C) on
// every read. Format: docs/ledger_format.md.

import { DenoVfs } from "../vfs/deno_vfs.ts";
import { ensureDir } from "../vfs/_ensure_dir.ts";
import { joinPath } from "../vfs/_path.ts";
import type { Vfs, VfsLock } from "../vfs/vfs.ts";
import { ClosedError } from "../errors.ts";
import { checkLedgerId } from "./_checks.ts";
import { decodeMetadata, encodeMetadata } from "./_metadata_codec.ts";
import { readSmallFile, replaceSmallFile } from "./_small_file.ts";
import { LedgerExistsError, LedgerMetadataVersionError, NoSuchLedgerError } from "./errors.ts";
import type { LedgerMetadata, LedgerMetadataStore, VersionedLedgerMetadata } from "./metadata.ts";
import { checkMetadata } from "./_metadata_rules.ts";

const SUFFIX = ".meta";
const TEMP_SUFFIX = ".meta.tmp";

/**
 * Ledger metadata in files, one per ledger (`<id>.meta`), each replaced atomically and
 * checksummed. One process owns the directory (a second opener gets `LockedError`);
 * compare-and-set is exact within it.
 *
 * @example Metadata that outlives the process
 * ```ts
 * import { FileLedgerMetadataStore } from "@cairn/cairn/ledger";
 * import { MemVfs } from "@cairn/cairn/vfs";
 * import assert from "node:assert/strict";
 *
 * const vfs = new MemVfs();
 * const metadataStore = await FileLedgerMetadataStore.open("/meta", { vfs });
 * await metadataStore.create({
 *   ledgerId: 1,
 *   ensembleSize: 1,
 *   writeQuorum: 1,
 *   ackQuorum: 1,
 *   state: "open",
 *   lastEntryId: -1,
 *   ensembles: [{ firstEntryId: 0, stores: ["a"] }],
 * });
 * metadataStore.close();
 * vfs.crash();
 *
 * const reopened = await FileLedgerMetadataStore.open("/meta", { vfs });
 * assert.equal((await reopened.read(1))?.version, 1);
 * reopened.close();
 * ```
 */
export class FileLedgerMetadataStore implements LedgerMetadataStore {
  readonly #vfs: Vfs;
  readonly #dir: string;
  readonly #lock: VfsLock;
  /** Changes run one at a time, so each compare sees the previous set. */
  #changes: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(vfs: Vfs, dir: string, lock: VfsLock) {
    this.#vfs = vfs;
    this.#dir = dir;
    this.#lock = lock;
  }

  /**
   * Opens (or creates) the store in `dir` and takes its lock; removes temporary files a
   * crash left behind.
   *
   * @param dir The directory of the metadata files.
   * @param options `vfs`: where the files live (default: the real disk).
   * @returns The open store.
   * @throws {TypeError} When `dir` is not a non-empty string.
   * @throws {LockedError} When another owner has the directory open.
   */
  static async open(dir: string, options: { vfs?: Vfs } = {}): Promise<FileLedgerMetadataStore> {
    if (typeof dir !== "string" || dir === "") {
      throw new TypeError("Metadata directory must be a non-empty string");
    }
    const vfs = options.vfs ?? new DenoVfs();
    await ensureDir(vfs, dir);
    const lock = vfs.tryLock(joinPath(dir, "LOCK"));
    try {
      for (const name of vfs.list(dir)) {
        if (name.endsWith(TEMP_SUFFIX)) vfs.remove(joinPath(dir, name));
      }
    } catch (error) {
      lock.release();
      throw error;
    }
    return new FileLedgerMetadataStore(vfs, dir, lock);
  }

  /**
   * Stores the metadata of a new ledger at version 1, durably.
   *
   * @param metadata The new ledger's metadata.
   * @returns 1.
   * @throws {LedgerExistsError} When the ledger has metadata already.
   * @throws {TypeError} When the metadata is malformed.
   * @throws {RangeError} When the metadata is out of range.
   */
  create(metadata: LedgerMetadata): Promise<number> {
    return this.#change(async () => {
      checkMetadata(metadata);
      if (this.#vfs.exists(this.#path(metadata.ledgerId))) {
        throw new LedgerExistsError(metadata.ledgerId);
      }
      await this.#write(metadata, 1);
      return 1;
    });
  }

  /**
   * Reads a ledger's metadata from its file, checking it whole.
   *
   * @param ledgerId The ledger.
   * @returns The metadata and its version, or undefined when there is none.
   * @throws {CorruptionError} When the file fails its checks.
   */
  read(ledgerId: number): Promise<VersionedLedgerMetadata | undefined> {
    try {
      this.#checkOpen();
      checkLedgerId(ledgerId);
      return Promise.resolve(this.#read(ledgerId));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Replaces the metadata, durably, if it is at `expectedVersion`.
   *
   * @param metadata The new metadata.
   * @param expectedVersion The version the caller read.
   * @returns The new version.
   * @throws {LedgerMetadataVersionError} When it is at another version.
   * @throws {NoSuchLedgerError} When the ledger has no metadata.
   * @throws {CorruptionError} When the stored file fails its checks.
   */
  update(metadata: LedgerMetadata, expectedVersion: number): Promise<number> {
    return this.#change(async () => {
      checkMetadata(metadata);
      const version = this.#expect(metadata.ledgerId, expectedVersion) + 1;
      await this.#write(metadata, version);
      return version;
    });
  }

  /**
   * Removes the metadata, durably, if it is at `expectedVersion`.
   *
   * @param ledgerId The ledger.
   * @param expectedVersion The version the caller read.
   * @throws {LedgerMetadataVersionError} When it is at another version.
   * @throws {NoSuchLedgerError} When the ledger has no metadata.
   */
  delete(ledgerId: number, expectedVersion: number): Promise<void> {
    return this.#change(async () => {
      checkLedgerId(ledgerId);
      this.#expect(ledgerId, expectedVersion);
      this.#vfs.remove(this.#path(ledgerId));
      await this.#vfs.syncDir(this.#dir);
    });
  }

  /** Releases the lock. Later calls throw `ClosedError`. Closing twice is harmless. */
  close(): void {
    this.#closed = true;
    this.#lock.release();
  }

  #change<T>(body: () => Promise<T>): Promise<T> {
    const run = this.#changes.then(() => {
      this.#checkOpen();
      return body();
    });
    this.#changes = run.catch(() => {});
    return run;
  }

  #expect(ledgerId: number, expectedVersion: number): number {
    const found = this.#read(ledgerId);
    if (found === undefined) throw new NoSuchLedgerError(ledgerId);
    if (found.version !== expectedVersion) {
      throw new LedgerMetadataVersionError(ledgerId, expectedVersion, found.version);
    }
    return found.version;
  }

  #read(ledgerId: number): VersionedLedgerMetadata | undefined {
    const path = this.#path(ledgerId);
    const bytes = readSmallFile(this.#vfs, path);
    return bytes === undefined ? undefined : decodeMetadata(path, bytes);
  }

  #write(metadata: LedgerMetadata, version: number): Promise<void> {
    const temp = joinPath(this.#dir, `${metadata.ledgerId}${TEMP_SUFFIX}`);
    const bytes = encodeMetadata(metadata, version);
    return replaceSmallFile(this.#vfs, this.#path(metadata.ledgerId), temp, bytes);
  }

  #path(ledgerId: number): string {
    return joinPath(this.#dir, `${ledgerId}${SUFFIX}`);
  }

  #checkOpen(): void {
    if (this.#closed) throw new ClosedError("Ledger metadata store is closed");
  }
}
