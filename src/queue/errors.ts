/**
 * The errors of the durable queue. Storage states shared with the other stores
 * (`CorruptionError`, `LockedError`, `ClosedError`, `StoreFailedError`) come from the
 * package's common errors.
 *
 * @module
 */

import { CairnError } from "../errors.ts";

/**
 * A write found the queue full: it holds `maxFiles` segment files and the newest one has
 * reached `maxFileSize`, and the queue was opened with `whenFull: "error"`. Nothing of the
 * write was stored; it may be retried once consumers have acknowledged (or the application
 * has deleted) enough items to free a segment file.
 *
 * @example Telling a full queue apart
 * ```ts
 * import { QueueFullError } from "@cairn/cairn/queue";
 * import assert from "node:assert/strict";
 *
 * const error = new QueueFullError(4, 1024);
 * assert.equal(error.maxFiles, 4);
 * assert.match(error.message, /4 files of 1024 bytes/);
 * ```
 */
export class QueueFullError extends CairnError {
  /** The `maxFiles` option of the queue. */
  readonly maxFiles: number;
  /** The `maxFileSize` option of the queue. */
  readonly maxFileSize: number;

  /**
   * Makes a queue-full error.
   *
   * @param maxFiles The queue's `maxFiles` option.
   * @param maxFileSize The queue's `maxFileSize` option.
   */
  constructor(maxFiles: number, maxFileSize: number) {
    super(`Queue is full: it holds ${maxFiles} files of ${maxFileSize} bytes`);
    this.maxFiles = maxFiles;
    this.maxFileSize = maxFileSize;
  }
}
