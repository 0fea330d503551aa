// A write batch: puts and deletes applied together, all or nothing, in one commit.

import { Kind } from "./_internal_key.ts";
import { type Bytes, keyBytes, MAX_BATCH_SIZE, valueBytes } from "./_keys.ts";
import { type EntryBytes, entrySize, writeEntry } from "./_wal_record.ts";

/** Options of a write: see {@linkcode WriteBatch.commit}. */
export interface WriteOptions {
  /**
   * Resolve only once the write is durable in the WAL (fsynced). Default: the database's
   * `sync` option, itself `true` by default.
   */
  sync?: boolean;
}

/** Commits batches; set by `Db.batch()`. */
type Committer = (batch: WriteBatch, options: WriteOptions) => Promise<void>;

const committers = new WeakMap<WriteBatch, Committer>();
// Set by WriteBatch's static block: reads the private entries for the engine.
let readEntries: (batch: WriteBatch) => EntryBytes;
const EMPTY: Uint8Array = new Uint8Array(0);

/**
 * Puts and deletes that a database applies together: after a crash either all of them
 * are there or none is. Keys and values are bytes or strings (stored as UTF-8); the batch
 * encodes them as they are added, so the caller may reuse its arrays. Later operations on
 * the same key win.
 *
 * @example Moving a value from one key to another
 * ```ts
 * import { Db } from "@cairn/cairn/lsm";
 * import { MemVfs } from "@cairn/cairn/vfs";
 * import assert from "node:assert/strict";
 *
 * const db = await Db.open("/db", { vfs: new MemVfs() });
 * await db.put("a", "1");
 * await db.batch().delete("a").put("b", "1").commit();
 * assert.equal(await db.get("a"), undefined);
 * assert.deepEqual(await db.get("b"), new TextEncoder().encode("1"));
 * await db.close();
 * ```
 */
export class WriteBatch {
  #bytes: Uint8Array = EMPTY;
  #length = 0;
  #count = 0;
  #size = 0;

  /**
   * Adds a put of `value` at `key`.
   *
   * @returns This batch, to chain calls.
   * @throws {TypeError} When the key or value is neither a Uint8Array nor a string.
   * @throws {RangeError} When the key, the value or the whole batch is too large.
   */
  put(key: Bytes, value: Bytes): this {
    this.#add(Kind.PUT, keyBytes(key), valueBytes(value));
    return this;
  }

  /**
   * Adds a delete of `key`.
   *
   * @returns This batch, to chain calls.
   * @throws {TypeError} When the key is neither a Uint8Array nor a string.
   * @throws {RangeError} When the key or the whole batch is too large.
   */
  delete(key: Bytes): this {
    this.#add(Kind.DELETE, keyBytes(key), EMPTY);
    return this;
  }

  /** How many operations the batch holds. */
  get count(): number {
    return this.#count;
  }

  /** The bytes of all keys and values in the batch. */
  get byteSize(): number {
    return this.#size;
  }

  /**
   * Applies the batch to the database that made it (`Db.batch()`), all or nothing.
   *
   * @param options `sync`: resolve only once the batch is durable.
   * @throws {TypeError} When the batch was not made by `Db.batch()`.
   */
  commit(options: WriteOptions = {}): Promise<void> {
    const committer = committers.get(this);
    if (committer === undefined) {
      return Promise.reject(
        new TypeError("Only a batch made by Db.batch() can commit itself; use Db.write()"),
      );
    }
    return committer(this, options);
  }

  /** Appends the entry in WAL format; bytes already written never change (views stay). */
  #add(kind: Kind, key: Uint8Array, value: Uint8Array): void {
    const size = this.#size + key.length + value.length;
    if (size > MAX_BATCH_SIZE) {
      throw new RangeError(`Batch would hold ${size} bytes, over the maximum of ${MAX_BATCH_SIZE}`);
    }
    const needed = this.#length + entrySize(kind, key, value);
    if (needed > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(needed, this.#bytes.length * 2, 128));
      grown.set(this.#bytes.subarray(0, this.#length));
      this.#bytes = grown;
    }
    this.#length = writeEntry(this.#bytes, this.#length, kind, key, value);
    this.#count++;
    this.#size = size;
  }

  static {
    readEntries = (batch) => ({
      bytes: batch.#bytes.subarray(0, batch.#length),
      count: batch.#count,
    });
  }
}

/**
 * The batch's entries as encoded so far, in WAL entry format. Later additions to the batch
 * leave these bytes unchanged. For the engine; not part of the package's API.
 */
export function batchEntries(batch: WriteBatch): EntryBytes {
  return readEntries(batch);
}

/** Makes `batch.commit()` call `committer`. For the engine; not part of the package's API. */
export function bindBatch(batch: WriteBatch, committer: Committer): WriteBatch {
  committers.set(batch, committer);
  return batch;
}
