// The append-only record log: checksummed records in segment files, group commit, segment
// roll and removal, positional and sequential reads. Format: docs/log_format.md.

import { ClosedError, CorruptionError, StoreFailedError } from "../errors.ts";
import { DenoVfs } from "../vfs/deno_vfs.ts";
import { ensureDir } from "../vfs/_ensure_dir.ts";
import { basename, joinPath } from "../vfs/_path.ts";
import type { Vfs, VfsFile, VfsLock } from "../vfs/vfs.ts";
import { BLOCK_SIZE, SEGMENT_HEADER_SIZE } from "./_format.ts";
import { LogMetrics } from "./_log_metrics.ts";
import { checkLogOptions, type RecordLogOptions } from "./_log_options.ts";
import { LogWriter } from "./_log_writer.ts";
import { readRecordAt } from "./_record_reader.ts";
import { ensureWritableSegment, recoverSegments, type SegmentInfo } from "./_recovery.ts";
import { SegmentScanner } from "./_segment_scanner.ts";

export type { RecordLogOptions };

/** Options of {@linkcode RecordLog.append}. */
export interface AppendOptions {
  /** Resolve only once the record is durable. Default: the log's `sync` option. */
  sync?: boolean;
}

/** A record read from the log. */
export interface LogRecord {
  /** Where the record starts; {@linkcode RecordLog.read} takes it back. */
  position: number;
  /** The record's bytes, owned by the caller. */
  data: Uint8Array;
}

/** Counters of a {@linkcode RecordLog}, from {@linkcode RecordLog.stats}. */
export interface RecordLogStats {
  /** Live segment files. */
  segments: number;
  /** The position where the oldest live segment's records begin. */
  firstPosition: number;
  /** The position just past the last record written to the file. */
  endPosition: number;
  /** Records appended since open. */
  appends: number;
  /** Payload bytes appended since open. */
  appendedBytes: number;
  /** Writes to segment files (each holds one group of appends). */
  writes: number;
  /** Bytes written to segment files, framing included. */
  writtenBytes: number;
  /** File syncs (fdatasync) issued. */
  syncs: number;
  /** Directory syncs issued. */
  dirSyncs: number;
  /** Segment files created since open. */
  segmentsCreated: number;
  /** Segment files removed since open. */
  segmentsRemoved: number;
  /** Bytes of torn tail cut off at open. */
  tornBytesRepaired: number;
  /** Damaged places passed over in "skip" mode. */
  corruptionsSkipped: number;
  /** Whether a failed write or sync has poisoned the log. */
  failed: boolean;
}

/**
 * An append-only log of checksummed records in segment files, the ground floor of every
 * Cairn store: their write-ahead logs, journals and queues are record logs.
 *
 * Appends are buffered and written together; with group commit every append that
 * arrives while an fsync is in flight joins the next write and the next single fsync.
 * Each record gets a position, a number that grows with every append, by which
 * {@linkcode RecordLog.read} fetches it again (only the position of a record lost to a
 * crash, never made durable, is given again). On open a torn tail, the trace of a crash
 * in the middle of a write, is cut off; any other damage raises `CorruptionError`.
 * After a failed write or fsync the log is poisoned: every later append rejects with
 * `StoreFailedError` whose `cause` is the original failure.
 *
 * @example Appending and reading back
 * ```ts
 * import { MemVfs, RecordLog } from "@cairn/cairn";
 * import assert from "node:assert/strict";
 *
 * const vfs = new MemVfs();
 * const log = await RecordLog.open("/wal", { vfs });
 * const position = await log.append(new TextEncoder().encode("hello"));
 * assert.equal(new TextDecoder().decode(log.read(position)), "hello");
 * await log.close();
 *
 * const again = await RecordLog.open("/wal", { vfs });
 * assert.deepEqual([...again.records()].map((record) => record.position), [position]);
 * await again.close();
 * ```
 */
export class RecordLog {
  readonly #vfs: Vfs;
  readonly #dir: string;
  readonly #maxRecordSize: number;
  readonly #sync: boolean;
  readonly #recovery: "strict" | "skip";
  readonly #onCorruption: (error: CorruptionError) => void;
  readonly #segments: SegmentInfo[];
  readonly #readers = new Map<number, VfsFile>();
  readonly #scratch = new Uint8Array(BLOCK_SIZE);
  readonly #writer: LogWriter;
  readonly #stats: RecordLogStats;
  readonly #lock: VfsLock | undefined;
  #removal: Promise<unknown> = Promise.resolve();
  #state: "open" | "closing" | "closed" = "open";
  #closing: Promise<void> | null = null;

  private constructor(
    vfs: Vfs,
    dir: string,
    settings: ReturnType<typeof checkLogOptions>,
    segments: SegmentInfo[],
    stats: RecordLogStats,
    lock: VfsLock | undefined,
  ) {
    this.#lock = lock;
    this.#vfs = vfs;
    this.#dir = dir;
    this.#maxRecordSize = settings.maxRecordSize;
    this.#sync = settings.sync;
    this.#recovery = settings.recovery;
    this.#onCorruption = settings.onCorruption;
    this.#segments = segments;
    this.#stats = stats;
    this.#writer = new LogWriter({
      vfs,
      dir,
      naming: settings.naming,
      segmentSize: settings.segmentSize,
      preallocate: settings.preallocate,
      segments,
      active: vfs.open(segments.at(-1)!.path),
      counters: stats,
      metrics: settings.metrics === undefined
        ? undefined
        : new LogMetrics(settings.metrics, basename(dir)),
    });
  }

  /**
   * Opens the log in `dir`, creating the directory and the first segment when missing,
   * and repairs a torn tail. Takes the lock on `dir/LOCK` unless `lock` is false.
   *
   * @param dir The directory of the log's segment files.
   * @param options See {@linkcode RecordLogOptions}.
   * @returns The open log, ready for appends.
   * @throws {TypeError} When an option has the wrong type.
   * @throws {RangeError} When a size option is out of range.
   * @throws {CorruptionError} In `"strict"` recovery, for damage other than a torn tail.
   * @throws {LockedError} When another owner holds the directory's lock.
   */
  static async open(dir: string, options: RecordLogOptions = {}): Promise<RecordLog> {
    if (typeof dir !== "string" || dir === "") {
      throw new TypeError("Record log directory must be a non-empty string");
    }
    const settings = checkLogOptions(options);
    const vfs = options.vfs ?? new DenoVfs();
    await ensureDir(vfs, dir);
    const lock = settings.lock ? vfs.tryLock(joinPath(dir, "LOCK")) : undefined;
    try {
      const recovered = await recoverSegments(vfs, dir, settings.naming, {
        mode: settings.recovery,
        onCorruption: settings.onCorruption,
      });
      const created = await ensureWritableSegment(
        vfs,
        dir,
        settings.naming,
        recovered,
        settings.preallocate > 0,
      );
      const stats: RecordLogStats = {
        segments: 0,
        firstPosition: 0,
        endPosition: 0,
        appends: 0,
        appendedBytes: 0,
        writes: 0,
        writtenBytes: 0,
        syncs: created ? 1 : 0,
        dirSyncs: created ? 1 : 0,
        segmentsCreated: created ? 1 : 0,
        segmentsRemoved: 0,
        tornBytesRepaired: recovered.tornBytes,
        corruptionsSkipped: recovered.skipped,
        failed: false,
      };
      return new RecordLog(vfs, dir, settings, recovered.segments, stats, lock);
    } catch (error) {
      lock?.release();
      throw error;
    }
  }

  /**
   * Appends one record. Records are stored in the order of the calls.
   *
   * @param data The record's bytes; the log copies them before returning.
   * @param options `sync`: resolve only once the record is durable.
   * @returns The record's position, once it is written (and synced, when asked).
   * @throws {TypeError} When `data` is not a `Uint8Array`.
   * @throws {RangeError} When `data` is larger than `maxRecordSize`.
   * @throws {ClosedError} After `close()`.
   * @throws {StoreFailedError} After a failed write or sync.
   */
  append(data: Uint8Array, options: AppendOptions = {}): Promise<number> {
    if (!(data instanceof Uint8Array)) {
      return Promise.reject(new TypeError("Record must be a Uint8Array"));
    }
    if (data.length > this.#maxRecordSize) {
      return Promise.reject(
        new RangeError(
          `Record of ${data.length} bytes exceeds the maximum of ${this.#maxRecordSize}`,
        ),
      );
    }
    const refusal = this.#refusal();
    if (refusal !== undefined) return Promise.reject(refusal);
    return this.#writer.append(data, options.sync ?? this.#sync);
  }

  /**
   * Makes every record appended so far durable.
   *
   * @throws {ClosedError} After `close()`.
   * @throws {StoreFailedError} After a failed write or sync.
   */
  sync(): Promise<void> {
    const refusal = this.#refusal();
    if (refusal !== undefined) return Promise.reject(refusal);
    return this.#writer.sync();
  }

  /**
   * Starts a new segment: later appends go into it. Resolves once it exists durably.
   *
   * @returns The position where the new segment's records begin.
   */
  async roll(): Promise<number> {
    const refusal = this.#refusal();
    if (refusal !== undefined) throw refusal;
    return await this.#writer.roll();
  }

  /**
   * Reads the record at `position`, with synchronous positional reads.
   *
   * @param position A position returned by `append` or by iteration.
   * @returns The record's bytes, owned by the caller.
   * @throws {RangeError} When the position is not in a live segment's written range.
   * @throws {CorruptionError} When the stored record fails a check.
   */
  read(position: number): Uint8Array {
    this.#checkOpen();
    if (!Number.isSafeInteger(position) || position < 0) {
      throw new RangeError(`Position must be a non-negative safe integer, got ${position}`);
    }
    const segment = this.#segmentAt(position);
    const offset = position - segment.base;
    if (offset < SEGMENT_HEADER_SIZE || offset >= segment.end) {
      throw new RangeError(`Position ${position} holds no written record`);
    }
    return readRecordAt(this.#reader(segment), segment.id, offset, segment.end, this.#scratch);
  }

  /**
   * Iterates over the written records in order, checking each.
   *
   * @param options `from`: the position of the first record to yield (default: the
   * oldest live record).
   * @returns A generator of records; records appended during iteration may be included.
   * REQUIRES: no `removeBefore` removes a segment the iteration has yet to finish.
   * @throws {CorruptionError} In `"strict"` recovery, when a stored record fails a check.
   */
  *records(options: { from?: number } = {}): Generator<LogRecord> {
    this.#checkOpen();
    let index = 0;
    let offset = SEGMENT_HEADER_SIZE;
    if (options.from !== undefined) {
      const segment = this.#segmentAt(options.from);
      index = this.#segments.indexOf(segment);
      offset = Math.max(options.from - segment.base, SEGMENT_HEADER_SIZE);
    }
    let id = this.#segments[index]?.id ?? Infinity;
    for (;;) {
      const segment = this.#segments.find((candidate) => candidate.id >= id);
      if (segment === undefined) return;
      if (segment.id !== id) offset = SEGMENT_HEADER_SIZE;
      const scanner = new SegmentScanner(this.#reader(segment), segment.id, offset, segment.end);
      for (;;) {
        const item = scanner.next();
        if (item.kind === "end") break;
        if (item.kind === "record") {
          yield { position: segment.base + item.offset, data: item.data };
          continue;
        }
        const error = new CorruptionError(segment.path, item.offset, item.detail);
        if (this.#recovery === "strict") throw error;
        this.#stats.corruptionsSkipped++;
        this.#onCorruption(error);
        const resume = scanner.findValidChunk(item.offset, "recordStart");
        if (resume < 0) break;
        scanner.seek(resume);
      }
      id = segment.id + 1;
      offset = SEGMENT_HEADER_SIZE;
    }
  }

  /**
   * Removes every segment all of whose records lie before `position`, oldest first,
   * making each removal durable before the next. The segment being written is kept.
   * First syncs the log, so that the segment left oldest is durable.
   *
   * @param position Records before it may go.
   * @returns How many segment files were removed.
   * @throws {RangeError} When `position` is not a non-negative safe integer.
   * @throws {ClosedError} After `close()`.
   * @throws {StoreFailedError} After a failed write or sync.
   */
  removeBefore(position: number): Promise<number> {
    if (!Number.isSafeInteger(position) || position < 0) {
      return Promise.reject(
        new RangeError(`Position must be a non-negative safe integer, got ${position}`),
      );
    }
    const synced = this.sync();
    const run = Promise.all([synced, this.#removal]).then(async () => {
      let removed = 0;
      while (this.#segments.length > 1) {
        const [oldest, next] = this.#segments as [SegmentInfo, SegmentInfo];
        if (next.base > position) break;
        this.#readers.get(oldest.id)?.close();
        this.#readers.delete(oldest.id);
        this.#vfs.remove(oldest.path);
        this.#segments.shift();
        await this.#vfs.syncDir(this.#dir);
        this.#stats.dirSyncs++;
        this.#stats.segmentsRemoved++;
        removed++;
      }
      return removed;
    });
    this.#removal = run.catch(() => {});
    return run;
  }

  /**
   * The write or sync failure that poisoned the log, or undefined while it is healthy.
   * Once set, appends reject with `StoreFailedError` whose `cause` is this failure.
   */
  get failure(): unknown {
    return this.#writer.failure;
  }

  /**
   * Where a position lies on disk, to name it in errors about the record stored there.
   *
   * @param position A position of a live segment.
   * @returns The segment file's path and the byte offset in it.
   * @throws {RangeError} When the position lies before the oldest live segment.
   */
  locate(position: number): { path: string; offset: number } {
    const segment = this.#segmentAt(position);
    return { path: segment.path, offset: position - segment.base };
  }

  /** Counters and positions; a fresh object each call. */
  stats(): RecordLogStats {
    const first = this.#segments[0]!;
    const last = this.#segments.at(-1)!;
    return {
      ...this.#stats,
      segments: this.#segments.length,
      firstPosition: first.base + SEGMENT_HEADER_SIZE,
      endPosition: last.base + last.end,
      failed: this.#writer.failure !== undefined,
    };
  }

  /**
   * Waits for in-flight appends, syncs what was written, and closes every file. Later
   * calls throw `ClosedError`; closing twice is harmless (a second call resolves once
   * the first has finished).
   *
   * @throws {StoreFailedError} When the log has failed or the final sync fails: not
   * everything appended is durable. The files are closed anyway.
   */
  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing.catch(() => {});
    this.#closing = this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const drained = this.#writer.failure === undefined ? this.sync() : Promise.resolve();
    this.#state = "closing";
    try {
      await drained;
      await this.#writer.idle;
      if (this.#writer.failure === undefined) await this.#writer.trim();
    } finally {
      await this.#writer.idle;
      await this.#removal.catch(() => {});
      this.#state = "closed";
      this.#writer.close();
      for (const reader of this.#readers.values()) reader.close();
      this.#readers.clear();
      this.#lock?.release();
    }
    const refusal = this.#failureError();
    if (refusal !== undefined) throw refusal;
  }

  /** Closes the log; see {@linkcode RecordLog.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #refusal(): Error | undefined {
    if (this.#state !== "open") return new ClosedError("Record log is closed");
    return this.#failureError();
  }

  #failureError(): StoreFailedError | undefined {
    const failure = this.#writer.failure;
    if (failure === undefined) return undefined;
    return new StoreFailedError("Record log failed on an earlier write or sync", {
      cause: failure,
    });
  }

  #checkOpen(): void {
    if (this.#state === "closed") throw new ClosedError("Record log is closed");
  }

  #segmentAt(position: number): SegmentInfo {
    const segments = this.#segments;
    let low = 0;
    let high = segments.length - 1;
    if (segments.length === 0 || position < segments[0]!.base) {
      throw new RangeError(`Position ${position} lies before the log's oldest segment`);
    }
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if (segments[middle]!.base <= position) low = middle;
      else high = middle - 1;
    }
    return segments[low]!;
  }

  #reader(segment: SegmentInfo): VfsFile {
    let reader = this.#readers.get(segment.id);
    if (reader === undefined) {
      reader = this.#vfs.open(segment.path, { readOnly: true });
      this.#readers.set(segment.id, reader);
    }
    return reader;
  }
}
