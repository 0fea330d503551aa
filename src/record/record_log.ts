// The append-only record log: checksummed records in segment files, group commit, segment
// roll and removal, positional and sequential reads. Format: docs/log_format.md.

import { ClosedError, CorruptionError, StoreFailedError } from "../errors.ts";
import { MetricsRegistry } from "../metrics/registry.ts";
import { DenoVfs } from "../vfs/deno_vfs.ts";
import { basename, dirname, joinPath } from "../vfs/_path.ts";
import type { Vfs, VfsFile } from "../vfs/vfs.ts";
import { encodeRecord, WriteBuffer } from "./_chunk_encoder.ts";
import {
  BLOCK_SIZE,
  CHUNK_HEADER_SIZE,
  encodeSegmentHeader,
  SEGMENT_HEADER_SIZE,
  segmentFileName,
} from "./_format.ts";
import { LogMetrics } from "./_log_metrics.ts";
import { readRecordAt } from "./_record_reader.ts";
import { recoverSegments, type SegmentInfo } from "./_recovery.ts";
import { SegmentScanner } from "./_segment_scanner.ts";

/** Options of {@linkcode RecordLog.open}. */
export interface RecordLogOptions {
  /** Where the files live. Default: the real disk ({@linkcode DenoVfs}). */
  vfs?: Vfs;
  /** The segment file name suffix. Default `".log"`. */
  suffix?: string;
  /** A segment rolls once it holds this many bytes. Default 64 MiB; at least 64 KiB. */
  segmentSize?: number;
  /** The largest record accepted. Default 64 MiB; at most 1 GiB. */
  maxRecordSize?: number;
  /** Whether an append resolves only once durable (fdatasync). Default `true`. */
  sync?: boolean;
  /**
   * What to do with damage that is not a torn tail: `"strict"` (default) throws
   * `CorruptionError`; `"skip"` reports it to `onCorruption` and reads on past it.
   */
  recovery?: "strict" | "skip";
  /** Called with each damaged place passed over in `"skip"` mode. */
  onCorruption?: (error: CorruptionError) => void;
  /**
   * A registry to feed: appends, bytes, fsyncs, fsync latency, group sizes and failures,
   * as `cairn_log_*` metrics labelled `log` with the directory's name.
   */
  metrics?: MetricsRegistry;
}

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

interface Waiter {
  position: number;
  sync: boolean;
  resolve: (position: number) => void;
  reject: (error: unknown) => void;
}

/** Bytes bound for one segment; `created` is false until the segment's file exists. */
interface PendingWrite {
  segment: SegmentInfo;
  created: boolean;
  buffer: WriteBuffer;
}

const MiB = 1024 * 1024;
/** Write buffers up to this size are kept for the next group. */
const MAX_SPARE_BUFFER = 4 * MiB;

/**
 * An append-only log of checksummed records in segment files, the ground floor of every
 * Cairn store: their write-ahead logs, journals and queues are record logs.
 *
 * Appends are buffered and written together; with group commit every append that
 * arrives while an fsync is in flight joins the next write and the next single fsync.
 * Each record gets a position (a number that only grows, never reused) by which
 * {@linkcode RecordLog.read} fetches it again. On open a torn tail, the trace of a crash
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
  readonly #suffix: string;
  readonly #segmentSize: number;
  readonly #maxRecordSize: number;
  readonly #sync: boolean;
  readonly #recovery: "strict" | "skip";
  readonly #onCorruption: (error: CorruptionError) => void;
  readonly #segments: SegmentInfo[];
  readonly #readers = new Map<number, VfsFile>();
  readonly #scratch = new Uint8Array(BLOCK_SIZE);
  #active: VfsFile;
  #encoding: SegmentInfo;
  #encodeOffset: number;
  #current: PendingWrite | null = null;
  #pending: PendingWrite[] = [];
  #spareBuffers: WriteBuffer[] = [];
  #waiters: Waiter[] = [];
  #pumping = false;
  #idle: Promise<void> = Promise.resolve();
  #markIdle: () => void = () => {};
  #dirDirty = false;
  #removal: Promise<unknown> = Promise.resolve();
  #failure: unknown = undefined;
  #state: "open" | "closing" | "closed" = "open";
  #closing: Promise<void> | null = null;
  #stats: RecordLogStats;
  readonly #metrics: LogMetrics | undefined;

  private constructor(
    vfs: Vfs,
    dir: string,
    options: Settings,
    segments: SegmentInfo[],
    active: VfsFile,
    stats: RecordLogStats,
  ) {
    this.#vfs = vfs;
    this.#dir = dir;
    this.#suffix = options.suffix;
    this.#segmentSize = options.segmentSize;
    this.#maxRecordSize = options.maxRecordSize;
    this.#sync = options.sync;
    this.#recovery = options.recovery;
    this.#onCorruption = options.onCorruption;
    this.#metrics = options.metrics === undefined
      ? undefined
      : new LogMetrics(options.metrics, basename(dir));
    this.#segments = segments;
    this.#active = active;
    this.#encoding = segments.at(-1)!;
    this.#encodeOffset = this.#encoding.end;
    this.#stats = stats;
  }

  /**
   * Opens the log in `dir`, creating the directory and the first segment when missing,
   * and repairs a torn tail.
   *
   * @param dir The directory of the log's segment files.
   * @param options See {@linkcode RecordLogOptions}.
   * @returns The open log, ready for appends.
   * @throws {TypeError} When an option has the wrong type.
   * @throws {RangeError} When a size option is out of range.
   * @throws {CorruptionError} In `"strict"` recovery, for damage other than a torn tail.
   */
  static async open(dir: string, options: RecordLogOptions = {}): Promise<RecordLog> {
    if (typeof dir !== "string" || dir === "") {
      throw new TypeError("Record log directory must be a non-empty string");
    }
    const settings = checkOptions(options);
    const vfs = options.vfs ?? new DenoVfs();
    if (!vfs.exists(dir)) {
      vfs.mkdir(dir);
      await vfs.syncDir(dirname(dir));
    }
    const recovered = await recoverSegments(vfs, dir, settings.suffix, {
      mode: settings.recovery,
      onCorruption: settings.onCorruption,
    });
    const segments = recovered.segments;
    const stats: RecordLogStats = {
      segments: 0,
      firstPosition: 0,
      endPosition: 0,
      appends: 0,
      appendedBytes: 0,
      writes: 0,
      writtenBytes: 0,
      syncs: 0,
      dirSyncs: 0,
      segmentsCreated: 0,
      segmentsRemoved: 0,
      tornBytesRepaired: recovered.tornBytes,
      corruptionsSkipped: recovered.skipped,
      failed: false,
    };
    const last = segments.at(-1);
    if (last === undefined || last.id < recovered.lastId) {
      const id = recovered.lastId + 1;
      const base = last === undefined ? 0 : last.base + last.end;
      const segment = {
        id,
        base,
        path: joinPath(dir, segmentFileName(id, settings.suffix)),
        end: 0,
      };
      const file = vfs.open(segment.path, { create: true, exclusive: true });
      const header = new Uint8Array(SEGMENT_HEADER_SIZE);
      encodeSegmentHeader(header, { segmentId: id, basePosition: base });
      file.append(header);
      await file.syncData();
      await vfs.syncDir(dir);
      segment.end = SEGMENT_HEADER_SIZE;
      segments.push(segment);
      stats.segmentsCreated++;
      stats.syncs++;
      stats.dirSyncs++;
      file.close();
    }
    const active = vfs.open(segments.at(-1)!.path);
    return new RecordLog(vfs, dir, settings, segments, active, stats);
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
    const pending = this.#pendingForAppend();
    const segment = pending.segment;
    const room = BLOCK_SIZE - (this.#encodeOffset % BLOCK_SIZE);
    const start = room < CHUNK_HEADER_SIZE ? this.#encodeOffset + room : this.#encodeOffset;
    const position = segment.base + start;
    this.#encodeOffset = encodeRecord(pending.buffer, this.#encodeOffset, segment.id, data);
    this.#stats.appends++;
    this.#stats.appendedBytes += data.length;
    this.#metrics?.appends.add();
    this.#metrics?.appendedBytes.add(data.length);
    return this.#enqueue(position, options.sync ?? this.#sync);
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
    return this.#enqueue(-1, true).then(() => {});
  }

  /**
   * Starts a new segment: later appends go into it. Resolves once it exists durably.
   *
   * @returns The position where the new segment's records begin.
   */
  async roll(): Promise<number> {
    const refusal = this.#refusal();
    if (refusal !== undefined) throw refusal;
    const pending = this.#pendingForAppend(true);
    await this.#enqueue(-1, true);
    return pending.segment.base + SEGMENT_HEADER_SIZE;
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
        const resume = scanner.findValidChunk(item.offset, true);
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

  /** Counters and positions; a fresh object each call. */
  stats(): RecordLogStats {
    const first = this.#segments[0]!;
    const last = this.#segments.at(-1)!;
    return {
      ...this.#stats,
      segments: this.#segments.length,
      firstPosition: first.base + SEGMENT_HEADER_SIZE,
      endPosition: last.base + last.end,
      failed: this.#failure !== undefined,
    };
  }

  /**
   * Waits for in-flight appends, syncs what was written, and closes every file. Later
   * calls throw `ClosedError`; closing twice is harmless (a second call resolves once
   * the first has finished).
   *
   * @throws {StoreFailedError} When the final sync fails (the files are closed anyway).
   */
  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing.catch(() => {});
    this.#closing = this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const drained = this.#failure === undefined ? this.sync() : Promise.resolve();
    this.#state = "closing";
    try {
      await drained;
    } finally {
      await this.#idle;
      await this.#removal;
      this.#state = "closed";
      this.#active.close();
      for (const reader of this.#readers.values()) reader.close();
      this.#readers.clear();
    }
  }

  /** Closes the log; see {@linkcode RecordLog.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #refusal(): Error | undefined {
    if (this.#state !== "open") return new ClosedError("Record log is closed");
    if (this.#failure !== undefined) {
      return new StoreFailedError("Record log failed on an earlier write or sync", {
        cause: this.#failure,
      });
    }
    return undefined;
  }

  #checkOpen(): void {
    if (this.#state === "closed") throw new ClosedError("Record log is closed");
  }

  /** The buffer the next append goes into, starting a new segment when full or asked. */
  #pendingForAppend(roll = false): PendingWrite {
    const full = this.#encodeOffset >= this.#segmentSize;
    if (full || (roll && this.#encodeOffset > SEGMENT_HEADER_SIZE)) {
      const id = this.#encoding.id + 1;
      const segment: SegmentInfo = {
        id,
        base: this.#encoding.base + this.#encodeOffset,
        path: joinPath(this.#dir, segmentFileName(id, this.#suffix)),
        end: 0,
      };
      const buffer = this.#takeBuffer();
      encodeSegmentHeader(buffer.bytes, { segmentId: id, basePosition: segment.base });
      buffer.reserve(SEGMENT_HEADER_SIZE);
      this.#current = { segment, created: false, buffer };
      this.#pending.push(this.#current);
      this.#encoding = segment;
      this.#encodeOffset = SEGMENT_HEADER_SIZE;
    }
    if (this.#current === null) {
      this.#current = { segment: this.#encoding, created: true, buffer: this.#takeBuffer() };
      this.#pending.push(this.#current);
    }
    return this.#current;
  }

  /** An empty buffer: a recycled one when there is one (writes copy out of it). */
  #takeBuffer(): WriteBuffer {
    return this.#spareBuffers.pop() ?? new WriteBuffer();
  }

  /** Keeps a written buffer for reuse unless a huge record made it huge. */
  #recycle(buffer: WriteBuffer): void {
    if (buffer.bytes.length > MAX_SPARE_BUFFER || this.#spareBuffers.length >= 2) return;
    buffer.clear();
    this.#spareBuffers.push(buffer);
  }

  #enqueue(position: number, sync: boolean): Promise<number> {
    const promise = new Promise<number>((resolve, reject) => {
      this.#waiters.push({ position, sync, resolve, reject });
    });
    if (!this.#pumping) {
      this.#pumping = true;
      this.#idle = new Promise((resolve) => this.#markIdle = resolve);
      queueMicrotask(() => void this.#pump());
    }
    return promise;
  }

  /** The group commit loop: write every pending buffer, sync once if asked, resolve. */
  async #pump(): Promise<void> {
    try {
      while (this.#waiters.length > 0) {
        const writes = this.#pending;
        const waiters = this.#waiters;
        this.#pending = [];
        this.#waiters = [];
        this.#current = null;
        try {
          for (const write of writes) {
            if (!write.created) await this.#startSegment(write.segment);
            const bytes = write.buffer.view();
            this.#active.append(bytes);
            write.segment.end += bytes.length;
            this.#stats.writes++;
            this.#stats.writtenBytes += bytes.length;
            this.#recycle(write.buffer);
          }
          this.#metrics?.groupSize.record(waiters.length);
          for (const waiter of waiters) if (!waiter.sync) waiter.resolve(waiter.position);
          if (waiters.some((waiter) => waiter.sync)) await this.#syncActive();
          for (const waiter of waiters) if (waiter.sync) waiter.resolve(waiter.position);
        } catch (error) {
          this.#fail(error, waiters);
        }
      }
    } finally {
      this.#pumping = false;
      this.#markIdle();
    }
  }

  async #syncActive(): Promise<void> {
    const started = performance.now();
    await this.#active.syncData();
    this.#stats.syncs++;
    this.#metrics?.syncs.add();
    this.#metrics?.syncSeconds.record((performance.now() - started) / 1000);
    if (this.#dirDirty) {
      await this.#vfs.syncDir(this.#dir);
      this.#stats.dirSyncs++;
      this.#dirDirty = false;
    }
  }

  /** Makes the current segment durable, then creates the next one's file. */
  async #startSegment(segment: SegmentInfo): Promise<void> {
    await this.#syncActive();
    this.#active.close();
    this.#active = this.#vfs.open(segment.path, { create: true, exclusive: true });
    segment.end = 0;
    this.#segments.push(segment);
    this.#dirDirty = true;
    this.#stats.segmentsCreated++;
  }

  /** Poisons the log: the failing group and everything queued behind it reject. */
  #fail(cause: unknown, waiters: Waiter[]): void {
    if (this.#failure === undefined) this.#failure = cause;
    this.#metrics?.failures.add();
    const error = new StoreFailedError("Record log write or sync failed", { cause });
    for (const waiter of [...waiters, ...this.#waiters]) waiter.reject(error);
    this.#waiters = [];
    this.#pending = [];
    this.#current = null;
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

/** The checked options; `metrics` stays optional. */
type Settings = Required<Omit<RecordLogOptions, "vfs" | "metrics">> & {
  metrics: MetricsRegistry | undefined;
};

function checkOptions(options: RecordLogOptions): Settings {
  const suffix = options.suffix ?? ".log";
  if (typeof suffix !== "string" || !/^\.[A-Za-z0-9_-]{1,16}$/.test(suffix)) {
    throw new TypeError(`Suffix must be a dot and 1 to 16 letters, digits, - or _, got ${suffix}`);
  }
  const segmentSize = options.segmentSize ?? 64 * MiB;
  if (typeof segmentSize !== "number") throw new TypeError("Option segmentSize must be a number");
  if (!Number.isSafeInteger(segmentSize) || segmentSize < 64 * 1024 || segmentSize > 2 ** 40) {
    throw new RangeError(
      `Segment size must be an integer from 64 KiB to 1 TiB, got ${segmentSize}`,
    );
  }
  const maxRecordSize = options.maxRecordSize ?? 64 * MiB;
  if (typeof maxRecordSize !== "number") {
    throw new TypeError("Option maxRecordSize must be a number");
  }
  if (!Number.isSafeInteger(maxRecordSize) || maxRecordSize < 0 || maxRecordSize > 1024 * MiB) {
    throw new RangeError(
      `Maximum record size must be an integer from 0 to 1 GiB, got ${maxRecordSize}`,
    );
  }
  const sync = options.sync ?? true;
  if (typeof sync !== "boolean") throw new TypeError("Option sync must be a boolean");
  const recovery = options.recovery ?? "strict";
  if (recovery !== "strict" && recovery !== "skip") {
    throw new TypeError(`Recovery must be "strict" or "skip", got ${String(recovery)}`);
  }
  const onCorruption = options.onCorruption ?? (() => {});
  if (typeof onCorruption !== "function") {
    throw new TypeError("Option onCorruption must be a function");
  }
  if (options.metrics !== undefined && !(options.metrics instanceof MetricsRegistry)) {
    throw new TypeError("Option metrics must be a MetricsRegistry");
  }
  return {
    suffix,
    segmentSize,
    maxRecordSize,
    sync,
    recovery,
    onCorruption,
    metrics: options.metrics,
  };
}
