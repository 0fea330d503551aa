// The main thread's side of the background worker: starts the worker thread on first use,
// sends it flushes (a memtable as a sorted run, moved, not copied) and compaction merges,
// and turns its replies back into tables or errors (a CorruptionError keeps its file and
// offset). Used only for databases on the real disk: a worker cannot share a MemVfs or any
// other in-memory Vfs with the main thread.
//
// A web Worker, not a `node:worker_threads` one: Deno passes a 4 MiB array to the latter in
// about a second, transferred or shared, against 7 ms here. A web Worker keeps the process
// alive while it exists, so an idle one is stopped after IDLE_MILLIS (an unreferenced timer)
// and started again by the next task: a program that forgets close() still ends.

import { CorruptionError, StoreFailedError } from "../errors.ts";
import type { MergeJob } from "./_compaction_merge.ts";
import type { SortedRun } from "./_sorted_run.ts";
import type { FileMeta } from "./_version_edit.ts";

/** How the worker writes tables: the database's settings that shape them. */
export interface TableShape {
  blockSize: number;
  bloomBitsPerKey: number;
  targetFileSize: number;
}

/** What the worker writes: one table from a flushed memtable, or a compaction's tables. */
export type WorkerTask =
  | { kind: "flush"; run: SortedRun }
  | { kind: "compaction"; merge: MergeJob };

/** A task sent to the worker. */
export interface WorkerRequest {
  id: number;
  dir: string;
  task: WorkerTask;
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
export type WorkerReply =
  | { id: number; files: FileMeta[] }
  | { id: number; error: WorkerError };

interface Waiter {
  resolve: (files: FileMeta[]) => void;
  reject: (error: unknown) => void;
}

/** An idle worker is stopped after this long. */
const IDLE_MILLIS = 1000;

/** The background thread of one database. Legal order: `run`…, then `close`. */
export class BackgroundWorker {
  readonly #dir: string;
  readonly #shape: TableShape;
  readonly #waiters = new Map<number, Waiter>();
  #worker: Worker | undefined;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #nextId = 1;

  constructor(dir: string, shape: TableShape) {
    this.#dir = dir;
    this.#shape = shape;
  }

  /**
   * Runs `task` on the worker thread, writing outputs under `numbers`. A flush's run is
   * moved to the worker: its buffer is unusable here afterwards.
   *
   * @returns The tables written, synced, their directory synced.
   * @throws {CorruptionError} When an input table is damaged.
   */
  run(task: WorkerTask, numbers: number[]): Promise<FileMeta[]> {
    clearTimeout(this.#idleTimer);
    const worker = this.#worker ??= this.#start();
    const id = this.#nextId++;
    const request: WorkerRequest = { id, dir: this.#dir, task, numbers, shape: this.#shape };
    return new Promise((resolve, reject) => {
      this.#waiters.set(id, { resolve, reject });
      const moved = task.kind === "flush" ? [task.run.bytes.buffer as ArrayBuffer] : [];
      worker.postMessage(request, moved);
    });
  }

  /** Stops the thread. REQUIRES: no task is running. */
  close(): void {
    clearTimeout(this.#idleTimer);
    this.#worker?.terminate();
    this.#worker = undefined;
  }

  #start(): Worker {
    const worker = new Worker(new URL("./_background_worker.ts", import.meta.url), {
      type: "module",
    });
    worker.onmessage = (event: MessageEvent<WorkerReply>) => {
      const reply = event.data;
      const waiter = this.#waiters.get(reply.id);
      this.#waiters.delete(reply.id);
      if (this.#waiters.size === 0) {
        const timer = setTimeout(() => this.close(), IDLE_MILLIS);
        Deno.unrefTimer(timer);
        this.#idleTimer = timer;
      }
      if ("files" in reply) waiter?.resolve(reply.files);
      else waiter?.reject(toError(reply.error));
    };
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      const error = new StoreFailedError(`Background worker failed: ${event.message}`);
      for (const waiter of this.#waiters.values()) waiter.reject(error);
      this.#waiters.clear();
      this.close();
    };
    return worker;
  }
}

/** The error a worker reply stands for. */
function toError(error: WorkerError): Error {
  if (error.corruption !== undefined) {
    const { file, offset, detail } = error.corruption;
    return new CorruptionError(file, offset, detail);
  }
  return new StoreFailedError(
    `Background task failed in the worker: ${error.name}: ${error.message}`,
  );
}
