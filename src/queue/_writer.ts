// The queue's single writer per process: a group commit loop that takes every waiting
// operation, holds the append lock (with file locking) and reads what other processes
// appended, frames items and state records, writes each file once, syncs once per file
// when any member asked, and removes segments whose items are all settled.

import { LockedError, StoreFailedError } from "../errors.ts";
import type { Vfs } from "../vfs/vfs.ts";
import { joinPath } from "../vfs/_path.ts";
import {
  encodeItem,
  encodeMetaRecord,
  encodeStateRecord,
  type MetaRecord,
  MetaType,
  type QueueNaming,
  type StateRecord,
  StateType,
} from "./_format.ts";
import { takeAppendLock } from "./_append_lock.ts";
import { FramedAppender } from "./_framed_file.ts";
import type { QueueLoader, Repairs } from "./_loader.ts";
import type { ConsumerState, QueueState } from "./_queue_state.ts";
import { Segment } from "./_segment.ts";
import type { QueueSettings } from "./_options.ts";
import type { QueueMetrics } from "./_queue_metrics.ts";
import { WriteHandles } from "./_write_handles.ts";
import { QueueFullError } from "./errors.ts";

/** A state record to append, for the segment holding `index`. */
export interface StateWrite {
  index: number;
  record: StateRecord;
}

interface ItemsOp {
  items: Uint8Array[];
  sync: boolean;
  resolve: (range: [number, number]) => void;
  reject: (error: unknown) => void;
}

interface StateOp {
  writes: StateWrite[];
  sync: boolean;
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface ConsumerOp {
  name: string;
  resolve: (consumer: ConsumerState) => void;
  reject: (error: unknown) => void;
}

/** Where the writer works. */
export interface WriterSetup {
  vfs: Vfs;
  dir: string;
  naming: QueueNaming;
  state: QueueState;
  loader: QueueLoader;
  settings: QueueSettings;
  /** Called with each item written, to cache it. */
  onWritten: (index: number, data: Uint8Array) => void;
  /** Called after each group, once its changes are applied. */
  onGroup: () => void;
  metrics: QueueMetrics;
}

/** Group commit of every change to the queue's files. */
export class QueueWriter {
  readonly #setup: WriterSetup;
  readonly #files: WriteHandles;
  #itemOps: ItemsOp[] = [];
  #stateOps: StateOp[] = [];
  #consumerOps: ConsumerOp[] = [];
  #inflight: ItemsOp[] = [];
  #pumping = false;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #idle: Promise<void> = Promise.resolve();
  #markIdle: () => void = () => {};
  #failure: unknown = undefined;
  #closed = false;

  constructor(setup: WriterSetup) {
    this.#setup = setup;
    this.#files = new WriteHandles(
      setup.vfs,
      setup.dir,
      (count) => setup.metrics.add("syncs", count),
    );
    this.repairs = this.#files.repairs;
  }

  /** The first write or sync failure, once the writer is poisoned. */
  get failure(): unknown {
    return this.#failure;
  }

  /** Resolves once no group is in progress. */
  get idle(): Promise<void> {
    return this.#idle;
  }

  /** The repairs a load under the lock makes through the writer's handles. */
  readonly repairs: Repairs;

  /** Appends items; resolves with the first and last index once written (and synced). */
  writeItems(items: Uint8Array[], sync: boolean): Promise<[number, number]> {
    return this.#enqueue((resolve, reject) => {
      this.#itemOps.push({ items, sync, resolve, reject });
    });
  }

  /** Appends state records; resolves once written (and synced). */
  writeState(writes: StateWrite[], sync: boolean): Promise<void> {
    return this.#enqueue((resolve, reject) => {
      this.#stateOps.push({ writes, sync, resolve, reject });
    });
  }

  /** Registers a consumer durably (or finds it); resolves with its state. */
  registerConsumer(name: string): Promise<ConsumerState> {
    return this.#enqueue((resolve, reject) => this.#consumerOps.push({ name, resolve, reject }));
  }

  /** Runs one empty group: with file locking, takes the lock and reads what is new. */
  refresh(): Promise<void> {
    return this.writeState([], false);
  }

  /** Closes every handle. REQUIRES: `idle` has resolved. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#retry);
    const error = new StoreFailedError("Queue was closed before the write was stored");
    for (const op of this.#itemOps) op.reject(error);
    this.#itemOps = [];
    this.#files.close();
  }

  /** Syncs every file written since its last sync. */
  syncAll(): Promise<void> {
    return this.#files.syncAll();
  }

  #enqueue<T>(
    push: (resolve: (value: T) => void, reject: (error: unknown) => void) => void,
  ): Promise<T> {
    if (this.#failure !== undefined) return Promise.reject(this.#failedError());
    const promise = new Promise<T>(push);
    this.#kick();
    return promise;
  }

  #kick(): void {
    if (this.#pumping || this.#closed) return;
    this.#pumping = true;
    this.#idle = new Promise((resolve) => this.#markIdle = resolve);
    queueMicrotask(() => void this.#pump());
  }

  async #pump(): Promise<void> {
    try {
      while (
        this.#stateOps.length > 0 || this.#consumerOps.length > 0 ||
        (this.#itemOps.length > 0 && this.#retry === undefined)
      ) {
        const stateOps = this.#stateOps;
        const consumerOps = this.#consumerOps;
        this.#stateOps = [];
        this.#consumerOps = [];
        try {
          await this.#group(stateOps, consumerOps);
        } catch (error) {
          const ops = [...this.#inflight, ...stateOps, ...consumerOps];
          if (error instanceof LockedError) {
            // A single owner took the directory: nothing was written, nothing is poisoned.
            for (const op of [...ops, ...this.#itemOps]) op.reject(error);
            this.#itemOps = [];
          } else {
            this.#fail(error, ops);
          }
        } finally {
          this.#inflight = [];
        }
      }
    } finally {
      this.#pumping = false;
      this.#markIdle();
    }
  }

  async #group(stateOps: StateOp[], consumerOps: ConsumerOp[]): Promise<void> {
    const started = performance.now();
    const { dir, naming, settings, vfs } = this.#setup;
    const lock = settings.fileLocking ? await takeAppendLock(vfs, dir, naming) : undefined;
    let written: [ItemsOp, [number, number]][];
    let sync: boolean;
    try {
      if (lock !== undefined) {
        const targets = new Set<number>();
        for (const op of stateOps) {
          for (const write of op.writes) {
            const segment = this.#setup.state.segmentOf(write.index);
            if (segment !== undefined) targets.add(segment.id);
          }
        }
        await this.#setup.loader.load(this.repairs, targets);
      }
      const state = this.#setup.state;
      const floor = this.#setup.loader.floor;
      if (state.last === undefined || floor > state.nextIndex) {
        await this.#roll(Math.max(floor, state.nextIndex));
      }
      for (const op of consumerOps) op.resolve(await this.#register(op.name));
      const itemOps = this.#takeItemOps();
      this.#inflight = itemOps;
      sync = [...itemOps, ...stateOps].some((op) => op.sync);
      written = await this.#appendItems(itemOps);
      this.#appendState(stateOps.flatMap((op) => op.writes));
      await this.#removeSettled();
    } finally {
      lock?.release();
    }
    // The sync runs after the lock is released: appends must be serialized, syncs need not
    // be (an fdatasync makes the whole file's written bytes durable, whoever wrote them).
    if (sync) await this.syncAll();
    this.#setup.metrics.group((performance.now() - started) / 1000);
    for (const [op, range] of written) op.resolve(range);
    for (const op of stateOps) op.resolve();
    this.#setup.onGroup();
  }

  /** The item operations that fit; rejects or holds back the rest when the queue is full. */
  #takeItemOps(): ItemsOp[] {
    const { maxFiles, maxFileSize, whenFull } = this.#setup.settings;
    const state = this.#setup.state;
    const last = state.last!;
    const full = state.segments.length >= maxFiles && last.itemsEnd >= maxFileSize;
    if (!full || this.#itemOps.length === 0) {
      const ops = this.#itemOps;
      this.#itemOps = [];
      return ops;
    }
    if (whenFull === "error") {
      const error = new QueueFullError(maxFiles, maxFileSize);
      for (const op of this.#itemOps) op.reject(error);
      this.#itemOps = [];
    } else if (this.#retry === undefined && !this.#closed) {
      this.#retry = setTimeout(() => {
        this.#retry = undefined;
        this.#kick();
      }, this.#setup.settings.pollIntervalMs);
    }
    return [];
  }

  async #appendItems(ops: ItemsOp[]): Promise<[ItemsOp, [number, number]][]> {
    const state = this.#setup.state;
    if (ops.length === 0) return [];
    if (state.last!.itemsEnd >= this.#setup.settings.maxFileSize) await this.#roll(state.nextIndex);
    const segment = state.last!;
    const appender = new FramedAppender(segment.items, segment.itemsEnd);
    const done: [ItemsOp, [number, number]][] = [];
    const placed: [number, number, Uint8Array][] = [];
    let next = segment.nextIndex;
    for (const op of ops) {
      const first = next;
      for (const item of op.items) {
        placed.push([next, appender.add(encodeItem(next, item)), item]);
        next++;
      }
      done.push([op, [first, next - 1]]);
    }
    this.#files.write(segment.items, segment.itemsEnd, appender);
    segment.itemsEnd = appender.end;
    for (const [index, offset, item] of placed) {
      state.applyItem(segment, index, offset);
      this.#setup.onWritten(index, item);
      this.#setup.metrics.add("writtenBytes", item.length);
    }
    this.#setup.metrics.add("itemsWritten", placed.length);
    return done;
  }

  #appendState(writes: StateWrite[]): void {
    const state = this.#setup.state;
    const bySegment = new Map<Segment, StateRecord[]>();
    for (const write of writes) {
      const segment = state.segmentOf(write.index);
      if (segment === undefined) continue;
      const records = bySegment.get(segment) ?? [];
      records.push(write.record);
      bySegment.set(segment, records);
    }
    for (const [segment, records] of bySegment) {
      const appender = new FramedAppender(segment.state, segment.stateEnd);
      for (const record of records) appender.add(encodeStateRecord(record));
      this.#files.write(segment.state, segment.stateEnd, appender);
      segment.stateEnd = appender.end;
      for (const record of records) {
        state.applyState(segment, record);
        this.#count(record);
      }
    }
  }

  #count(record: StateRecord): void {
    const metrics = this.#setup.metrics;
    if (record.type === StateType.DELETE) metrics.add("deleted", record.indices.length);
    else if (record.type === StateType.ACK) metrics.add("acks", record.indices.length);
    else if (record.type === StateType.ATTEMPT) metrics.add("deliveries");
    else metrics.add("deadLetters");
  }

  async #register(name: string): Promise<ConsumerState> {
    const state = this.#setup.state;
    const known = state.byName.get(name);
    if (known !== undefined) return known;
    let id = 1;
    for (const consumer of state.consumers.values()) id = Math.max(id, consumer.id + 1);
    const record: MetaRecord = {
      type: MetaType.CONSUMER,
      id,
      start: state.oldestLive() ?? state.nextIndex,
      name,
    };
    await this.#appendMeta(record);
    return state.byName.get(name)!;
  }

  /** Appends a meta record, syncs it, then applies it. */
  async #appendMeta(record: MetaRecord): Promise<void> {
    const loader = this.#setup.loader;
    const appender = new FramedAppender(loader.meta, loader.metaEnd);
    appender.add(encodeMetaRecord(record));
    this.#files.write(loader.meta, loader.metaEnd, appender);
    loader.advanceMeta(appender.end);
    await this.#files.syncOne(loader.meta.path);
    this.#setup.state.applyMeta(record);
  }

  /** Starts a new segment at `firstIndex` after making the current one durable. */
  async #roll(firstIndex: number): Promise<void> {
    const state = this.#setup.state;
    const last = state.last;
    if (last !== undefined) await this.#files.syncOne(last.items.path);
    const { dir, naming, vfs } = this.#setup;
    const id = Math.max(last?.id ?? 0, ...state.removed) + 1;
    const segment = new Segment(
      id,
      firstIndex,
      joinPath(dir, naming.items(id)),
      joinPath(dir, naming.state(id)),
    );
    for (const file of [segment.items, segment.state]) await this.#files.create(file, firstIndex);
    await vfs.syncDir(dir);
    segment.reader = vfs.open(segment.items.path, { readOnly: true });
    segment.stateReader = vfs.open(segment.state.path, { readOnly: true });
    state.addSegment(segment);
    this.#setup.metrics.add("segmentsCreated");
  }

  /** Removes every segment but the last whose items are all settled. */
  async #removeSettled(): Promise<void> {
    const state = this.#setup.state;
    for (const segment of state.segments.slice(0, -1)) {
      if (segment.live > 0) continue;
      await this.#appendMeta({ type: MetaType.REMOVED, segment: segment.id });
      await this.repairs.remove([segment.items.path, segment.state.path]);
      this.#setup.metrics.add("segmentsRemoved");
    }
  }

  #failedError(): StoreFailedError {
    return new StoreFailedError("Queue failed on an earlier write or sync", {
      cause: this.#failure,
    });
  }

  #fail(cause: unknown, ops: { reject: (error: unknown) => void }[]): void {
    if (this.#failure === undefined) this.#failure = cause;
    const error = new StoreFailedError("Queue write or sync failed", { cause });
    for (const op of [...ops, ...this.#itemOps, ...this.#stateOps, ...this.#consumerOps]) {
      op.reject(error);
    }
    this.#itemOps = [];
    this.#stateOps = [];
    this.#consumerOps = [];
  }
}
