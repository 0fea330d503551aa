/**
 * The errors Cairn raises for storage states. Bad arguments raise the built-in
 * `TypeError` or `RangeError`; everything else is a subclass of {@linkcode CairnError}.
 *
 * @module
 */

/**
 * The base class of every storage-state error Cairn raises.
 *
 * @example Telling Cairn's errors apart from others
 * ```ts
 * import { CairnError, LockedError } from "@cairn/cairn";
 * import assert from "node:assert/strict";
 *
 * const error: unknown = new LockedError("/data/LOCK");
 * assert.ok(error instanceof CairnError);
 * ```
 */
export class CairnError extends Error {
  /**
   * Makes an error with a message and an optional cause.
   *
   * @param message What went wrong, in sentence case.
   * @param options `cause`: the error underneath, if any.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * Stored bytes failed a check (checksum, magic, length, sequence) somewhere other than a
 * torn tail. Names the file and the byte offset where the damage was found; the damaged
 * bytes are never returned as data.
 *
 * @example Reporting where the damage is
 * ```ts
 * import { CorruptionError } from "@cairn/cairn";
 * import assert from "node:assert/strict";
 *
 * const error = new CorruptionError("/data/000001.log", 4096, "checksum mismatch");
 * assert.equal(error.file, "/data/000001.log");
 * assert.equal(error.offset, 4096);
 * assert.match(error.message, /000001\.log at offset 4096/);
 * ```
 */
export class CorruptionError extends CairnError {
  /** The path of the damaged file. */
  readonly file: string;
  /** The byte offset in {@linkcode CorruptionError.file} where the damage was found. */
  readonly offset: number;

  /**
   * Makes a corruption error.
   *
   * @param file The path of the damaged file.
   * @param offset The byte offset where the damage was found.
   * @param detail What check failed, e.g. `"checksum mismatch"`.
   * @param options `cause`: the error underneath, if any.
   */
  constructor(file: string, offset: number, detail: string, options?: ErrorOptions) {
    super(`Corruption in ${file} at offset ${offset}: ${detail}`, options);
    this.file = file;
    this.offset = offset;
  }
}

/**
 * Another owner holds the lock on a store's directory.
 *
 * @example
 * ```ts
 * import { LockedError, MemVfs } from "@cairn/cairn";
 * import assert from "node:assert/strict";
 *
 * const vfs = new MemVfs();
 * const lock = vfs.tryLock("/LOCK");
 * assert.throws(() => vfs.tryLock("/LOCK"), LockedError);
 * lock.release();
 * ```
 */
export class LockedError extends CairnError {
  /** The path of the lock file that is held. */
  readonly path: string;

  /**
   * Makes a locked error.
   *
   * @param path The path of the lock file that is held.
   * @param options `cause`: the error underneath, if any.
   */
  constructor(path: string, options?: ErrorOptions) {
    super(`Lock ${path} is held by another owner`, options);
    this.path = path;
  }
}

/**
 * An object was used after it was closed (or after a simulated crash invalidated it).
 *
 * @example
 * ```ts
 * import { ClosedError } from "@cairn/cairn";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new ClosedError("Record log is closed").name, "ClosedError");
 * ```
 */
export class ClosedError extends CairnError {}

/**
 * A store refuses writes because an earlier write or fsync failed: after a failed fsync
 * the kernel may have dropped the dirty pages, so nothing written since the last good
 * sync can be trusted to reach the disk. `cause` holds the original failure. Reads still
 * work; reopening the store re-reads what is on disk.
 *
 * @example
 * ```ts
 * import { StoreFailedError } from "@cairn/cairn";
 * import assert from "node:assert/strict";
 *
 * const original = new Error("EIO");
 * const error = new StoreFailedError("Record log failed", { cause: original });
 * assert.equal(error.cause, original);
 * ```
 */
export class StoreFailedError extends CairnError {}

/**
 * A read asked for a log entry that was compacted away (below the first index; its data
 * now lives in a snapshot).
 *
 * @example
 * ```ts
 * import { CompactedError } from "@cairn/cairn";
 * import assert from "node:assert/strict";
 *
 * const error = new CompactedError(5, 10);
 * assert.equal(error.index, 5);
 * assert.match(error.message, /below the first index 10/);
 * ```
 */
export class CompactedError extends CairnError {
  /** The index asked for. */
  readonly index: number;

  /**
   * Makes a compacted error.
   *
   * @param index The index asked for.
   * @param firstIndex The first index the log still holds.
   */
  constructor(index: number, firstIndex: number) {
    super(`Entry ${index} is compacted: it lies below the first index ${firstIndex}`);
    this.index = index;
  }
}

/**
 * A read asked for a log entry that does not exist yet (above the last index).
 *
 * @example
 * ```ts
 * import { UnavailableError } from "@cairn/cairn";
 * import assert from "node:assert/strict";
 *
 * const error = new UnavailableError(11, 10);
 * assert.equal(error.index, 11);
 * ```
 */
export class UnavailableError extends CairnError {
  /** The index asked for. */
  readonly index: number;

  /**
   * Makes an unavailable error.
   *
   * @param index The index asked for.
   * @param lastIndex The last index the log holds.
   */
  constructor(index: number, lastIndex: number) {
    super(`Entry ${index} is unavailable: it lies above the last index ${lastIndex}`);
    this.index = index;
  }
}
