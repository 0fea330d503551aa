// The durable queue: a persistent FIFO of items in segment files, with random reads by
// index, durable deletes, named consumers and use across processes. Format:
// docs/queue_format.md.

import { ClosedError, LockedError, StoreFailedError } from "../errors.ts";
import { DenoVfs } from "../vfs/deno_vfs.ts";
import { ensureDir } from "../vfs/_ensure_dir.ts";
import { basename, joinPath } from "../vfs/_path.ts";
import type { Vfs, VfsLock } from "../vfs/vfs.ts";
import { QueueNaming, StateType } from "./_format.ts";
import { ItemReader } from "./_item_reader.ts";
import { QueueLoader } from "./_loader.ts";
import { checkQueueOptions, type DurableQueueOptions, type QueueSettings } from "./_options.ts";
import { QueueMetrics } from "./_queue_metrics.ts";
import { QueueState } from "./_queue_state.ts";
import type { Segment } from "./_segment.ts";
import { QueueWriter, type StateWrite } from "./_writer.ts";
import { takeOpenLocks } from "./_append_lock.ts";
import type { DurableQueueStats } from "./durable_queue_stats.ts";
import { type ConsumerOptions, QueueConsumer } from "./queue_consumer.ts";

export type { DurableQueueOptions, DurableQueueStats };

/** An item: a byte array, or a string stored as UTF-8. */
export type QueueItem = Uint8Array | string;

/**
 * A persistent FIFO queue whose items live in checksummed segment files on disk and are
 * read back by index without loading them all into memory.
 *
 * Every item gets an index, one higher than the last, never given again (a crash never
 * makes the queue reuse an index of an item it acknowledged). Deletes and consumers'
 * acknowledgements are durable and never undone by a reopen; a segment's files are removed
 * as soon as all its items are settled. With `fileLocking`, several processes share the
 * directory: appends are serialized with a lock file and each process reads what the
 * others append.
 *
 * @example Writing, reading and deleting
 * ```ts
 * import { DurableQueue } from "@cairn/cairn/queue";
 * import { MemVfs } from "@cairn/cairn/vfs";
 * import assert from "node:assert/strict";
 *
 * const q = await DurableQueue.open("/queue", { vfs: new MemVfs() });
 * const [first, last] = await q.write("a", "b", "c");
 * assert.equal(last - first, 2);
 * assert.equal(new TextDecoder().decode(await q.read()), "a");
 * assert.equal(new TextDecoder().decode(await q.read(last)), "c");
 * await q.delete();
 * assert.equal(q.length, 2);
 * await q.close();
 * ```
 */
export class DurableQueue {
  readonly #vfs: Vfs;
  readonly #dir: string;
  readonly #settings: QueueSettings;
  readonly #naming: QueueNaming;
  readonly #state: QueueState;
  readonly #loader: QueueLoader;
  readonly #writer: QueueWriter;
  readonly #items: ItemReader;
  readonly #locks: VfsLock[];
  readonly #listeners = new Set<() => void>();
  readonly #consumers = new Map<string, QueueConsumer>();
  readonly #metrics: QueueMetrics;
  #lastRefresh = 0;
  #state_: "open" | "closing" | "closed" = "open";
  #closing: Promise<void> | null = null;

  private constructor(vfs: Vfs, dir: string, settings: QueueSettings, locks: VfsLock[]) {
    this.#vfs = vfs;
    this.#dir = dir;
    this.#settings = settings;
    this.#locks = locks;
    this.#naming = new QueueNaming(settings.filePrefix);
    this.#metrics = new QueueMetrics(settings.metrics, basename(dir) + settings.filePrefix);
    this.#state = new QueueState();
    this.#items = new ItemReader(settings.maxChunk);
    this.#state.onSettled = (index) => this.#items.cache.delete(index);
    this.#loader = new QueueLoader(vfs, dir, this.#naming, this.#state, settings.maxFileSize);
    this.#writer = new QueueWriter({
      vfs,
      dir,
      naming: this.#naming,
      state: this.#state,
      loader: this.#loader,
      settings,
      onWritten: (index, data) => this.#items.cache.put(index, data),
      onGroup: () => this.#notify(),
      metrics: this.#metrics,
    });
  }

  /**
   * Opens the queue in `path`, creating the directory and its files when missing, and
   * repairs what a crash left (a torn tail, an interrupted segment creation or removal).
   *
   * @param path The queue's directory.
   * @param options See {@linkcode DurableQueueOptions}.
   * @returns The open queue.
   * @throws {TypeError} When `path` or an option has the wrong type.
   * @throws {RangeError} When a number option is out of range.
   * @throws {LockedError} Without `fileLocking`, when another owner holds the directory.
   * @throws {CorruptionError} When a file fails a check other than a torn tail.
   */
  static async open(path: string, options: DurableQueueOptions = {}): Promise<DurableQueue> {
    if (typeof path !== "string" || path === "") {
      throw new TypeError("Queue directory must be a non-empty string");
    }
    const settings = checkQueueOptions(options);
    const vfs = options.vfs ?? new DenoVfs();
    await ensureDir(vfs, path);
    const naming = new QueueNaming(settings.filePrefix);
    const locks = await takeOpenLocks(vfs, path, naming, settings.fileLocking);
    const queue = new DurableQueue(vfs, path, settings, locks);
    try {
      await queue.#init();
    } catch (error) {
      queue.#release();
      throw error;
    }
    return queue;
  }

  async #init(): Promise<void> {
    // With file locking the first group takes the append lock and reads (and repairs)
    // everything; either way it creates the first segment, or one above a lost tail.
    if (!this.#settings.fileLocking) await this.#loader.load(this.#writer.repairs);
    await this.#writer.refresh();
  }

  /**
   * Appends items at the tail, in order, as one group: all are stored or none.
   *
   * @param items Byte arrays (copied before the call returns) or strings (stored as UTF-8).
   * @returns The indices of the first and last item, once written (and durable, with `sync`).
   * @throws {TypeError} When no item is given or an item is neither bytes nor a string.
   * @throws {QueueFullError} When the queue is full and `whenFull` is `"error"`.
   * @throws {ClosedError} After `close()`.
   * @throws {StoreFailedError} After a failed write or sync.
   */
  write(...items: QueueItem[]): Promise<[number, number]> {
    if (items.length === 0) return Promise.reject(new TypeError("Write needs at least one item"));
    const encoded: Uint8Array[] = [];
    for (const item of items) {
      if (typeof item === "string") encoded.push(new TextEncoder().encode(item));
      else if (item instanceof Uint8Array) encoded.push(item.slice());
      else return Promise.reject(new TypeError("Item must be a Uint8Array or a string"));
    }
    const refusal = this.#refusal();
    if (refusal !== undefined) return Promise.reject(refusal);
    return this.#writer.writeItems(encoded, this.#settings.sync);
  }

  /**
   * Reads an item: the oldest live one, or the one at `index`.
   *
   * @param index The index of the item; default the oldest live item.
   * @returns The item's bytes (a copy), or undefined when the queue is empty or the item
   * at `index` was never written, is deleted or is acknowledged by every consumer.
   * @throws {RangeError} When `index` is not a positive safe integer.
   * @throws {CorruptionError} When the stored item fails a check.
   * @throws {ClosedError} After `close()`.
   */
  async read(index?: number): Promise<Uint8Array | undefined> {
    if (index !== undefined) checkIndex(index);
    this.#checkOpen();
    await this.#refreshIfShared();
    const target = index ?? this.#state.oldestLive();
    if (target === undefined) return undefined;
    const segment = this.#state.segmentOf(target);
    if (segment === undefined || this.#state.settled(segment, target)) return undefined;
    return this.#items.read(segment, target);
  }

  /**
   * Deletes items from the queue, durably (for every consumer too): the oldest live item,
   * or the items at the given indices. Items already settled are passed over.
   *
   * @param indices The indices to delete; none: the oldest live item.
   * @returns How many items were deleted.
   * @throws {RangeError} When an index is not a positive safe integer.
   * @throws {ClosedError} After `close()`.
   * @throws {StoreFailedError} After a failed write or sync.
   */
  async delete(...indices: number[]): Promise<number> {
    for (const index of indices) checkIndex(index);
    const refusal = this.#refusal();
    if (refusal !== undefined) throw refusal;
    await this.#refreshIfShared();
    if (indices.length === 0) {
      const oldest = this.#state.oldestLive();
      if (oldest === undefined) return 0;
      indices = [oldest];
    }
    const bySegment = new Map<Segment, number[]>();
    for (const index of new Set(indices)) {
      const segment = this.#state.segmentOf(index);
      if (segment === undefined || this.#state.settled(segment, index)) continue;
      bySegment.set(segment, [...bySegment.get(segment) ?? [], index]);
    }
    const writes: StateWrite[] = [...bySegment.values()].map((list) => ({
      index: list[0]!,
      record: { type: StateType.DELETE, indices: list },
    }));
    if (writes.length === 0) return 0;
    await this.#writer.writeState(writes, this.#settings.sync);
    return writes.reduce(
      (sum, write) =>
        sum + (write.record.type === StateType.DELETE ? write.record.indices.length : 0),
      0,
    );
  }

  /** Live items: written, not deleted, and not acknowledged by every consumer owed them. */
  get length(): number {
    return this.#state.length;
  }

  /** Bytes of the queue's files on disk (items, state and meta files). */
  get size(): number {
    let size = this.#loader.metaEnd;
    for (const segment of this.#state.segments) size += segment.itemsEnd + segment.stateEnd;
    return size;
  }

  /**
   * The named consumer. The first call for a name registers it, durably, as owed every
   * item from the oldest live one on; it receives each until it acknowledges it. With
   * `fileLocking`, one process at a time serves a name (it holds `consumer-<name>.lock`).
   *
   * @param name 1 to 64 letters, digits, `-` or `_`.
   * @param options Leases, retries and dead letters; see {@linkcode ConsumerOptions}.
   * @returns The consumer.
   * @throws {TypeError} When `name` is not such a string.
   * @throws {RangeError} When an option is out of range.
   * @throws {LockedError} When the name is served already (by this queue or another process).
   * @throws {ClosedError} After `close()`.
   */
  consumer(name: string, options: ConsumerOptions = {}): QueueConsumer {
    if (typeof name !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
      throw new TypeError(`Consumer name must be 1 to 64 letters, digits, - or _, got ${name}`);
    }
    this.#checkOpen();
    const lockPath = joinPath(this.#dir, this.#naming.consumerLock(name));
    if (this.#consumers.has(name)) throw new LockedError(lockPath);
    const lock = this.#settings.fileLocking ? this.#vfs.tryLock(lockPath) : undefined;
    try {
      const consumer = new QueueConsumer(name, options, {
        state: this.#state,
        writer: this.#writer,
        sync: this.#settings.sync,
        pollIntervalMs: this.#settings.fileLocking ? this.#settings.pollIntervalMs : undefined,
        read: (segment, index) => this.#items.read(segment, index),
        refresh: () => this.#refreshIfShared(),
        listen: (listener) => {
          this.#listeners.add(listener);
          return () => this.#listeners.delete(listener);
        },
        release: () => {
          lock?.release();
          this.#consumers.delete(name);
        },
        refusal: () => this.#refusal(),
        metrics: this.#metrics,
      });
      this.#consumers.set(name, consumer);
      return consumer;
    } catch (error) {
      lock?.release();
      throw error;
    }
  }

  /**
   * With `fileLocking`: reads what other processes appended since the last look (reads,
   * deletes and `receive` do it on their own). Without it there is nothing to do.
   *
   * @throws {CorruptionError} When a file fails a check.
   * @throws {ClosedError} After `close()`.
   */
  async refresh(): Promise<void> {
    this.#checkOpen();
    if (this.#settings.fileLocking) {
      await this.#loader.load(undefined);
      this.#lastRefresh = performance.now();
      this.#notify();
    }
  }

  /** Counters and sizes; a fresh object each call. */
  stats(): DurableQueueStats {
    return {
      ...this.#metrics.counts,
      length: this.length,
      size: this.size,
      segments: this.#state.segments.length,
      nextIndex: this.#state.nextIndex,
      cachedBytes: this.#items.cache.bytes,
      cacheHits: this.#items.hits,
      diskReads: this.#items.diskReads,
    };
  }

  /**
   * Closes the queue and removes every file of it from the directory: its items, state,
   * meta and lock files. Destructive: the items are gone and a queue opened here later
   * starts again at index 1. REQUIRES: no other process has the queue open.
   *
   * @throws {StoreFailedError} When the queue has failed.
   */
  async prune(): Promise<void> {
    await this.close();
    const names = this.#vfs.list(this.#dir).filter((name) =>
      this.#naming.parse(name) !== undefined || name === this.#naming.meta ||
      name === this.#naming.appendLock || name === this.#naming.ownerLock ||
      (name.startsWith(`${this.#naming.prefix}consumer-`) && name.endsWith(".lock"))
    );
    for (const name of names.sort().reverse()) this.#vfs.remove(joinPath(this.#dir, name));
    await this.#vfs.syncDir(this.#dir);
  }

  /**
   * Waits for writes in flight, syncs, and closes every file and consumer. Closing twice is
   * harmless.
   *
   * @throws {StoreFailedError} When the queue failed on a write or sync: not everything
   * written is durable. The files are closed anyway.
   */
  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing.catch(() => {});
    this.#closing = this.#close();
    return this.#closing;
  }

  /** Closes the queue; see {@linkcode DurableQueue.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #close(): Promise<void> {
    this.#state_ = "closing";
    for (const consumer of [...this.#consumers.values()]) consumer.close();
    try {
      await this.#writer.idle;
      if (this.#writer.failure === undefined) await this.#writer.syncAll();
    } catch (error) {
      this.#release();
      throw new StoreFailedError("Queue failed to sync on close", { cause: error });
    }
    this.#release();
    if (this.#writer.failure !== undefined) {
      throw new StoreFailedError("Queue failed on an earlier write or sync", {
        cause: this.#writer.failure,
      });
    }
  }

  #release(): void {
    this.#state_ = "closed";
    this.#writer.close();
    this.#loader.close();
    for (const segment of this.#state.segments) segment.close();
    for (const lock of this.#locks) lock.release();
  }

  async #refreshIfShared(): Promise<void> {
    if (!this.#settings.fileLocking) return;
    if (performance.now() - this.#lastRefresh < this.#settings.pollIntervalMs) return;
    await this.refresh();
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  #refusal(): Error | undefined {
    if (this.#state_ !== "open") return new ClosedError("Queue is closed");
    if (this.#writer.failure !== undefined) {
      return new StoreFailedError("Queue failed on an earlier write or sync", {
        cause: this.#writer.failure,
      });
    }
    return undefined;
  }

  #checkOpen(): void {
    if (this.#state_ !== "open") throw new ClosedError("Queue is closed");
  }
}

function checkIndex(index: unknown): void {
  if (typeof index !== "number" || !Number.isSafeInteger(index) || index < 1) {
    throw new RangeError(`Index must be a positive safe integer, got ${String(index)}`);
  }
}
