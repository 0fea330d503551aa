// Runs the database's background work in two lanes, each one task at a time: flushes, and
// compactions (range compactions asked for with `Db.compact()` first, then the one the
// levels need most). The lanes run side by side, so a flush never waits for a long
// compaction (which may be merging on the worker thread meanwhile); the manifest applies
// their edits one after another. It signals progress after each task (stalled writers wait
// on it) and remembers the first failure, which stops both lanes and fails the database.

import { StoreFailedError } from "../errors.ts";
import {
  type BackgroundCounters,
  type BackgroundHost,
  compactOnce,
  compactRange,
  flushOldest,
} from "./_background.ts";
import { pickCompaction } from "./_compaction_picker.ts";

/** A range compaction asked for with `Db.compact()`. */
interface RangeRequest {
  lower: Uint8Array | undefined;
  upper: Uint8Array | undefined;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** The background task loop of one database. */
export class BackgroundRunner {
  readonly counters: BackgroundCounters = {
    flushes: 0,
    compactions: 0,
    compactedBytes: 0,
    workerCompactions: 0,
    workerFlushes: 0,
    tableBytesWritten: 0,
    backgroundMillis: 0,
  };
  readonly #host: BackgroundHost;
  readonly #isOpen: () => boolean;
  readonly #requests: RangeRequest[] = [];
  /** Per level, the largest key of the last table compacted from it (round robin). */
  readonly #pointers: (Uint8Array | undefined)[] = [];
  #flushing: Promise<void> | undefined;
  #compacting: Promise<void> | undefined;
  #failure: unknown = undefined;
  #progress = newSignal();

  /** `isOpen` tells whether the database still takes work. */
  constructor(host: BackgroundHost, isOpen: () => boolean) {
    this.#host = host;
    this.#isOpen = isOpen;
  }

  /** The first failure of a background task, or undefined. */
  get failure(): unknown {
    return this.#failure;
  }

  /** Resolves after the next task ends (or the loop stops). */
  get progress(): Promise<void> {
    return this.#progress.promise;
  }

  /** Starts each lane that has work and is not running, unless a task has failed. */
  schedule(): void {
    if (this.#failure !== undefined || !this.#isOpen()) return;
    if (this.#flushing === undefined && this.#host.pool.immutables.length > 0) {
      this.#flushing = this.#lane(() => this.#flushStep()).finally(() => {
        this.#flushing = undefined;
        // Work that arrived after the lane found none, but before this ran, was refused.
        this.schedule();
      });
    }
    if (this.#compacting === undefined && this.#compactionDue()) {
      this.#compacting = this.#lane(() => this.#compactionStep()).finally(() => {
        this.#compacting = undefined;
        this.schedule();
      });
    }
  }

  /** Queues a range compaction; resolves once it ran. */
  compactRange(lower: Uint8Array | undefined, upper: Uint8Array | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#requests.push({ lower, upper, resolve, reject });
      this.schedule();
    });
  }

  /** Waits for the running tasks; then rejects the range compactions still queued. */
  async stop(cause: unknown): Promise<void> {
    while (this.#flushing !== undefined || this.#compacting !== undefined) {
      await Promise.all([this.#flushing, this.#compacting]);
    }
    this.#abandon(cause);
  }

  /** Whether the compaction lane has work: a range request or a level over its budget. */
  #compactionDue(): boolean {
    if (this.#requests.length > 0) return true;
    const version = this.#host.pin();
    try {
      return pickCompaction(version, this.#host.settings, this.#pointers) !== undefined;
    } finally {
      this.#host.unpin(version);
    }
  }

  /**
   * Runs `step` until it finds no work, the database closes or a task fails; after each
   * task signals progress and starts the other lane if the task made work for it.
   */
  async #lane(step: () => Promise<boolean>): Promise<void> {
    // A lane starts on a later turn, so that schedule() returns before any work runs.
    await Promise.resolve();
    try {
      while (this.#isOpen() && this.#failure === undefined && await step()) {
        this.#signal();
        this.schedule();
      }
    } catch (error) {
      this.#failure ??= error;
      this.#abandon(error);
    } finally {
      this.#signal();
    }
  }

  async #flushStep(): Promise<boolean> {
    if (this.#host.pool.immutables.length === 0) return false;
    await flushOldest(this.#host, this.counters);
    return true;
  }

  async #compactionStep(): Promise<boolean> {
    const request = this.#requests[0];
    if (request !== undefined) {
      await this.#runRequest(request);
      return true;
    }
    return await compactOnce(this.#host, this.counters, this.#pointers);
  }

  async #runRequest(request: RangeRequest): Promise<void> {
    try {
      await compactRange(this.#host, this.counters, request.lower, request.upper);
      this.#requests.shift();
      request.resolve();
    } catch (error) {
      this.#requests.shift();
      request.reject(error);
      throw error;
    }
  }

  #abandon(cause: unknown): void {
    for (const request of this.#requests.splice(0)) {
      request.reject(new StoreFailedError("Range compaction did not run", { cause }));
    }
  }

  #signal(): void {
    const done = this.#progress;
    this.#progress = newSignal();
    done.resolve();
  }
}

function newSignal(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => {};
  const promise = new Promise<void>((done) => resolve = done);
  return { promise, resolve };
}
