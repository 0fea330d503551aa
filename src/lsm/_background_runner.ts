// Runs the database's background work, one task at a time: flushes first, then range
// compactions asked for with `Db.compact()`, then the compaction the levels need most. It
// signals progress after each task (stalled writers wait on it) and remembers the first
// failure, which stops it and fails the database for writes.

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
    tableBytesWritten: 0,
    backgroundMillis: 0,
  };
  readonly #host: BackgroundHost;
  readonly #isOpen: () => boolean;
  readonly #requests: RangeRequest[] = [];
  /** Per level, the largest key of the last table compacted from it (round robin). */
  readonly #pointers: (Uint8Array | undefined)[] = [];
  #running: Promise<void> | undefined;
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

  /** Starts the loop unless it runs or has failed. */
  schedule(): void {
    if (this.#running !== undefined || this.#failure !== undefined) return;
    this.#running = this.#run().finally(() => {
      this.#running = undefined;
      this.#signal();
      // Work that arrived after the loop found none, but before this ran, was refused above.
      if (this.#isOpen() && this.#pending()) this.schedule();
    });
  }

  /** Queues a range compaction; resolves once it ran. */
  compactRange(lower: Uint8Array | undefined, upper: Uint8Array | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#requests.push({ lower, upper, resolve, reject });
      this.schedule();
    });
  }

  /** Waits for the running task; then rejects the range compactions still queued. */
  async stop(cause: unknown): Promise<void> {
    while (this.#running !== undefined) await this.#running;
    this.#abandon(cause);
  }

  #pending(): boolean {
    const version = this.#host.pin();
    try {
      return this.#host.pool.immutables.length > 0 || this.#requests.length > 0 ||
        pickCompaction(version, this.#host.settings, this.#pointers) !== undefined;
    } finally {
      this.#host.unpin(version);
    }
  }

  async #run(): Promise<void> {
    try {
      while (this.#isOpen()) {
        const request = this.#requests[0];
        if (this.#host.pool.immutables.length > 0) await flushOldest(this.#host, this.counters);
        else if (request !== undefined) await this.#runRequest(request);
        else if (!(await compactOnce(this.#host, this.counters, this.#pointers))) return;
        this.#signal();
      }
    } catch (error) {
      this.#failure = error;
      this.#abandon(error);
    }
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
