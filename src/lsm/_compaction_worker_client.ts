// The main thread's side of the compaction worker: starts the worker thread on first use,
// sends it one merge at a time, and turns its replies back into tables or errors (a
// CorruptionError keeps its file and offset). Used only for databases on the real disk: a
// worker cannot share a MemVfs or any other in-memory Vfs with the main thread. A
// `node:worker_threads` Worker, because it can be unreferenced: an idle worker does not keep
// the process alive (a web Worker does, even after the program's last line).

import { Worker } from "node:worker_threads";
import { CorruptionError, StoreFailedError } from "../errors.ts";
import type { MergeJob } from "./_compaction_merge.ts";
import type { FileMeta } from "./_version_edit.ts";

/** How the worker writes tables: the database's settings that shape them. */
export interface TableShape {
  blockSize: number;
  bloomBitsPerKey: number;
  targetFileSize: number;
}

/** A merge sent to the worker. */
export interface MergeRequest {
  id: number;
  dir: string;
  job: MergeJob;
  /** File numbers for the outputs, in order. */
  numbers: number[];
  shape: TableShape;
}

/** An error thrown in the worker, as it crosses back. */
export interface WorkerError {
  name: string;
  message: string;
  /** For a CorruptionError. */
  corruption?: { file: string; offset: number; detail: string };
}

/** The worker's answer to one request. */
export type MergeReply =
  | { id: number; files: FileMeta[] }
  | { id: number; error: WorkerError };

interface Waiter {
  resolve: (files: FileMeta[]) => void;
  reject: (error: unknown) => void;
}

/** A compaction thread of one database. Legal order: `merge`…, then `close`. */
export class CompactionWorker {
  readonly #dir: string;
  readonly #shape: TableShape;
  readonly #waiters = new Map<number, Waiter>();
  #worker: Worker | undefined;
  #nextId = 1;

  constructor(dir: string, shape: TableShape) {
    this.#dir = dir;
    this.#shape = shape;
  }

  /**
   * Runs `job` on the worker thread, writing outputs under `numbers`.
   *
   * @returns The tables written, synced, their directory synced.
   * @throws {CorruptionError} When an input table is damaged.
   */
  merge(job: MergeJob, numbers: number[]): Promise<FileMeta[]> {
    const worker = this.#worker ??= this.#start();
    const id = this.#nextId++;
    const request: MergeRequest = { id, dir: this.#dir, job, numbers, shape: this.#shape };
    // Referenced while a merge runs, so that the process waits for it.
    worker.ref();
    return new Promise((resolve, reject) => {
      this.#waiters.set(id, { resolve, reject });
      worker.postMessage(request);
    });
  }

  /** Stops the thread. REQUIRES: no merge is running. */
  close(): void {
    void this.#worker?.terminate();
    this.#worker = undefined;
  }

  #start(): Worker {
    const worker = new Worker(new URL("./_compaction_worker.ts", import.meta.url));
    worker.on("message", (reply: MergeReply) => {
      const waiter = this.#waiters.get(reply.id);
      this.#waiters.delete(reply.id);
      if (this.#waiters.size === 0) worker.unref();
      if ("files" in reply) waiter?.resolve(reply.files);
      else waiter?.reject(toError(reply.error));
    });
    worker.on("error", (cause: unknown) => {
      const error = new StoreFailedError("Compaction worker failed", { cause });
      for (const waiter of this.#waiters.values()) waiter.reject(error);
      this.#waiters.clear();
      void worker.terminate();
      this.#worker = undefined;
    });
    return worker;
  }
}

/** The error a worker reply stands for. */
function toError(error: WorkerError): Error {
  if (error.corruption !== undefined) {
    const { file, offset, detail } = error.corruption;
    return new CorruptionError(file, offset, detail);
  }
  return new StoreFailedError(`Compaction failed in the worker: ${error.name}: ${error.message}`);
}
