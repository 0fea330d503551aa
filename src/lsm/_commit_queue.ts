// The write path's group commit: writers queue their batches; one leader at a time takes
// every waiting batch, gives the group consecutive sequence numbers, writes it as one WAL
// record (synced once if any member asked), applies it to the memtable and resolves every
// member. A group is one record, so every batch in it is all or nothing across a crash.

import { encodeGroup, type EntryBytes } from "./_wal_record.ts";

/** What the commit queue needs from the database. */
export interface CommitTarget {
  /** The sequence number of the last applied write. */
  lastSequence(): number;
  /**
   * Waits until the active memtable has room (rotating it, stalling on flushes); with
   * `force`, rotates a non-empty memtable whatever its size. Returns undefined, without
   * waiting, when there is room already.
   */
  makeRoomForWrite(force: boolean): Promise<void> | undefined;
  /** Appends one record to the WAL; resolves once written (and synced with `sync`). */
  appendToWal(record: Uint8Array, sync: boolean): Promise<unknown>;
  /**
   * Applies the entries of a written group record (whose first sequence is in its header;
   * entries start at `GROUP_HEADER_SIZE`), then publishes them. The record's bytes are the
   * target's to keep.
   */
  apply(record: Uint8Array): void;
}

interface Writer {
  entries: EntryBytes;
  sync: boolean;
  rotate: boolean;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** The most entries a leader takes into one group (bounds one WAL record's size). */
const MAX_GROUP_BYTES = 16 * 1024 * 1024;

/** Serializes writes into groups. REQUIRES: one queue per database. */
export class CommitQueue {
  readonly #target: CommitTarget;
  #waiting: Writer[] = [];
  #leading = false;
  #idle: Promise<void> = Promise.resolve();
  #markIdle: () => void = () => {};

  constructor(target: CommitTarget) {
    this.#target = target;
  }

  /** Resolves once no group is being committed. */
  get idle(): Promise<void> {
    return this.#idle;
  }

  /**
   * Queues a batch's entries; resolves once they are applied (and durable with `sync`).
   * With `rotate`, the active memtable is frozen before the group (for a flush).
   */
  submit(entries: EntryBytes, sync: boolean, rotate = false): Promise<void> {
    const done = new Promise<void>((resolve, reject) => {
      this.#waiting.push({ entries, sync, rotate, resolve, reject });
    });
    if (!this.#leading) {
      this.#leading = true;
      this.#idle = new Promise((resolve) => this.#markIdle = resolve);
      queueMicrotask(() => void this.#lead());
    }
    return done;
  }

  async #lead(): Promise<void> {
    try {
      while (this.#waiting.length > 0) {
        const group = this.#takeGroup();
        try {
          const room = this.#target.makeRoomForWrite(group.some((writer) => writer.rotate));
          if (room !== undefined) await room;
          const parts = group.map((writer) => writer.entries);
          if (parts.some((part) => part.count > 0)) {
            const record = encodeGroup(this.#target.lastSequence() + 1, parts);
            await this.#target.appendToWal(record, group.some((writer) => writer.sync));
            this.#target.apply(record);
          }
          for (const writer of group) writer.resolve();
        } catch (error) {
          for (const writer of group) writer.reject(error);
        }
      }
    } finally {
      this.#leading = false;
      this.#markIdle();
    }
  }

  /**
   * Every waiting writer, up to a group size bound (at least one). A rotating writer only
   * leads a group, so that the writes queued before it are in the memtable it freezes.
   */
  #takeGroup(): Writer[] {
    let bytes = 0;
    let count = 0;
    for (const writer of this.#waiting) {
      const size = writer.entries.bytes.length;
      if (count > 0 && (writer.rotate || bytes + size > MAX_GROUP_BYTES)) break;
      bytes += size;
      count++;
    }
    return this.#waiting.splice(0, count);
  }
}
