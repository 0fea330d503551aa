// The durable queue: a persistent FIFO of items in segment files, with random reads by
// index, durable deletes, named consumers and use across processes. Format:
// docs/queue_format.md.

import { ClosedError, CorruptionError, LockedError, StoreFailedError } from "../errors.ts";
import { readU64LE } from "../encoding/fixed.ts";
import { DenoVfs } from "../vfs/deno_vfs.ts";
import { ensureDir } from "../vfs/_ensure_dir.ts";
import { basename, joinPath } from "../vfs/_path.ts";
import type { Vfs, VfsLock } from "../vfs/vfs.ts";
import { ITEM_INDEX_SIZE, QueueNaming, StateType } from "./_format.ts";
import { readFramedRecord, recordScratch } from "./_framed_file.ts";
import { ItemCache } from "./_item_cache.ts";
import { QueueLoader } from "./_loader.ts";
import { checkQueueOptions, type DurableQueueOptions, type QueueSettings } from "./_options.ts";
import { QueueMetrics } from "./_queue_metrics.ts";
import { QueueState } from "./_queue_state.ts";
import type { Segment } from "./_segment.ts";
import { checkNoOwner, QueueWriter, type StateWrite } from "./_writer.ts";
import { type ConsumerOptions, QueueConsumer } from "./queue_consumer.ts";

export type { DurableQueueOptions };

/** An item: a byte array, or a string stored as UTF-8. */
export type QueueItem = Uint8Array | string;

/** Counters of a {@linkcode DurableQueue}, from {@linkcode DurableQueue.stats}. */
export interface DurableQueueStats {
  /** Items written by this process since open. */
  itemsWritten: number;
  /** Item bytes written by this process since open. */
  writtenBytes: number;
  /** Items deleted (`delete`) by this process since open. */
  deleted: number;
  /** Deliveries (`receive`) by this process since open. */
  deliveries: number;
  /** Items acknowledged by this process's consumers since open. */
  acks: number;
  /** Messages given back (`nack`) by this process's consumers since open. */
  nacks: number;
  /** Items this process's consumers moved to their dead letters since open. */
  deadLetters: number;
  /** Group commits since open (each one lock holding, with `fileLocking`). */
  groups: number;
  /** File syncs since open. */
  syncs: number;
  /** Segments this process started since open. */
  segmentsCreated: number;
  /** Segments this process removed since open. */
  segmentsRemoved: number;
  /** Live items (not deleted, not acknowledged by every consumer owed them). */
  length: number;
  /** Bytes of the queue's files on disk. */
  size: number;
  /** Live segments (each an items file and a state file). */
  segments: number;
  /** The index the next item written gets. */
  nextIndex: number;
  /** Bytes of items held in memory. */
  cachedBytes: number;
  /** Item reads served from memory. */
  cacheHits: number;
  /** Item reads from disk. */
  diskReads: number;
}

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
  readonly #cache: ItemCache;
  readonly #locks: VfsLock[];
  readonly #scratch = recordScratch();
  readonly #listeners = new Set<() => void>();
  readonly #consumers = new Map<string, QueueConsumer>();
  readonly #metrics: QueueMetrics;
  #cacheHits = 0;
  #diskReads = 0;
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
    this.#cache = new ItemCache(settings.maxChunk);
    this.#state.onSettled = (index) => this.#cache.delete(index);
    this.#loader = new QueueLoader(vfs, dir, this.#naming, this.#state, settings.maxFileSize);
    this.#writer = new QueueWriter({
      vfs,
      dir,
      naming: this.#naming,
      state: this.#state,
      loader: this.#loader,
      settings,
      onWritten: (index, data) => this.#cache.put(index, data),
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
    const locks = await takeLocks(vfs, path, naming, settings.fileLocking);
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
    return this.#readItem(segment, target);
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
   * The named consumer: it receives every item from the oldest live one at its first use
   * on, each until it acknowledges it. With `fileLocking`, one process at a time serves a
   * name (it holds `consumer-<name>.lock`).
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
        read: (segment, index) => this.#readItem(segment, index),
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
      cachedBytes: this.#cache.bytes,
      cacheHits: this.#cacheHits,
      diskReads: this.#diskReads,
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

  /** Reads a live item of `segment`. */
  #readItem(segment: Segment, index: number): Uint8Array {
    const cached = this.#cache.get(index);
    if (cached !== undefined) {
      this.#cacheHits++;
      return cached;
    }
    const offset = segment.positions[index - segment.firstIndex]!;
    const record = readFramedRecord(
      segment.reader!,
      segment.items,
      offset,
      segment.itemsEnd,
      this.#scratch,
    );
    this.#diskReads++;
    if (record.length < ITEM_INDEX_SIZE || readU64LE(record, 0) !== index) {
      throw new CorruptionError(segment.items.path, offset, `record does not hold item ${index}`);
    }
    const data = record.subarray(ITEM_INDEX_SIZE);
    this.#cache.put(index, data);
    return data;
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

/**
 * A single owner holds `LOCK` and, throughout, the append lock, so that sharers (with
 * `fileLocking`) cannot append beside it; a sharer checks that no single owner holds
 * `LOCK` (see {@linkcode checkNoOwner}).
 *
 * @throws {LockedError} When the directory is held in the other mode, or by another owner.
 */
async function takeLocks(
  vfs: Vfs,
  dir: string,
  naming: QueueNaming,
  shared: boolean,
): Promise<VfsLock[]> {
  if (shared) {
    await checkNoOwner(vfs, joinPath(dir, naming.ownerLock));
    return [];
  }
  const owner = vfs.tryLock(joinPath(dir, naming.ownerLock));
  try {
    return [owner, vfs.tryLock(joinPath(dir, naming.appendLock))];
  } catch (error) {
    owner.release();
    throw error;
  }
}

function checkIndex(index: unknown): void {
  if (typeof index !== "number" || !Number.isSafeInteger(index) || index < 1) {
    throw new RangeError(`Index must be a positive safe integer, got ${String(index)}`);
  }
}
