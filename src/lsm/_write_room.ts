// Making room for the next write group: freezing a full memtable (the WAL rolls with it),
// slowing writes down while level 0 is long or compaction is behind, making them wait while
// flushes, level 0 or compaction are too far behind, and giving the event loop a turn when
// writes have held it for long.

import { setImmediate } from "node:timers";
import type { RecordLog } from "../record/record_log.ts";
import type { BackgroundRunner } from "./_background_runner.ts";
import { pendingCompactionBytes } from "./_compaction_picker.ts";
import type { DbSettings } from "./_db_options.ts";
import type { LiveTables } from "./_live_tables.ts";
import type { MemtablePool } from "./_memtables.ts";
import type { Version } from "./_version.ts";

/** What making room reads and changes. */
export interface WriteRoomHost {
  settings: DbSettings;
  pool: MemtablePool;
  wal: RecordLog;
  live: LiveTables;
  background: BackgroundRunner;
  /** Throws when the database takes no more writes. */
  throwIfFailed(): void;
}

/** Writes give the event loop a turn when it had none for this long. */
const SHARE_MILLIS = 4;

/** Room for writes, and the counters of slowdowns and stalls. */
export class WriteRoom {
  /** Write groups that first gave background work a turn, level 0 being long. */
  slowdowns = 0;
  /** Times a write waited for a flush or compaction, and the milliseconds waited. */
  stalls = 0;
  stallMillis = 0;
  readonly #host: WriteRoomHost;
  /** When the event loop last had a turn, as far as writes know. */
  #ranSince = performance.now();
  /** Whether a heartbeat is waiting for the event loop's next turn. */
  #heartbeat = false;
  /** The version whose pending compaction bytes `#pending` holds. */
  #pendingOf: Version | undefined;
  #pending = 0;

  constructor(host: WriteRoomHost) {
    this.#host = host;
  }

  /**
   * Makes room for a group: rotates the memtable when full (or, with `force`, when not
   * empty), slows down or stalls while behind.
   *
   * @returns undefined, without waiting, when there is room already.
   */
  make(force: boolean): Promise<void> | undefined {
    const { settings, pool, live } = this.#host;
    this.#host.throwIfFailed();
    const active = pool.active.memtable;
    const full = force ? active.count > 0 : active.approximateBytes >= settings.memtableSize;
    const level0 = live.current.levels[0]!.length;
    const pending = this.pendingCompactionBytes;
    if (
      full || level0 >= settings.level0StopWritesTrigger ||
      pending >= settings.pendingCompactionStopBytes
    ) {
      return this.#wait(force);
    }
    if (
      level0 >= settings.level0SlowdownWritesTrigger ||
      pending >= settings.pendingCompactionSlowdownBytes
    ) {
      this.slowdowns++;
      return this.#giveTurn();
    }
    if (!this.#heartbeat) {
      this.#heartbeat = true;
      setImmediate(() => {
        this.#heartbeat = false;
        this.#ranSince = performance.now();
      });
    }
    if (performance.now() - this.#ranSince >= SHARE_MILLIS) return this.#giveTurn();
    return undefined;
  }

  /** Bytes compaction must still rewrite, as of the current version (computed once per version). */
  get pendingCompactionBytes(): number {
    const current = this.#host.live.current;
    if (this.#pendingOf !== current) {
      this.#pendingOf = current;
      this.#pending = pendingCompactionBytes(current, this.#host.settings);
    }
    return this.#pending;
  }

  /**
   * Gives the event loop a turn. Writers that only await promises never reach it, so without
   * this timers, I/O callbacks (a reader's, an fsync's) and background flushes and compactions
   * would wait until writes stop or stall. The heartbeat notes each turn the event loop takes
   * on its own; a write yields once none was seen for `SHARE_MILLIS`.
   */
  async #giveTurn(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    this.#ranSince = performance.now();
  }

  async #wait(force: boolean): Promise<void> {
    const { settings, pool, wal, live, background } = this.#host;
    let stalledAt = 0;
    try {
      for (;;) {
        this.#host.throwIfFailed();
        const active = pool.active.memtable;
        const behind = live.current.levels[0]!.length >= settings.level0StopWritesTrigger ||
          this.pendingCompactionBytes >= settings.pendingCompactionStopBytes;
        if (behind) {
          stalledAt ||= this.#stallStart();
          background.schedule();
          await background.progress;
        } else if (!force && active.approximateBytes < settings.memtableSize) {
          return;
        } else if (force && active.count === 0) {
          return;
        } else if (pool.immutables.length >= settings.maxImmutableMemtables) {
          stalledAt ||= this.#stallStart();
          background.schedule();
          await background.progress;
        } else {
          pool.rotate(await wal.roll());
          background.schedule();
          return;
        }
      }
    } finally {
      if (stalledAt > 0) this.stallMillis += performance.now() - stalledAt;
    }
  }

  #stallStart(): number {
    this.stalls++;
    return performance.now();
  }
}
