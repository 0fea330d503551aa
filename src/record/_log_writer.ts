// The record log's writer: frames appends into buffers at once, and a group commit loop
// writes every buffered group with one write and, when any member asked, one fdatasync.
// Rolls segments, and poisons itself on the first failed write or sync.

import { StoreFailedError } from "../errors.ts";
import { joinPath } from "../vfs/_path.ts";
import type { Vfs, VfsFile } from "../vfs/vfs.ts";
import { encodeRecord, reserveFrontier, sealFrontier, WriteBuffer } from "./_chunk_encoder.ts";
import {
  BLOCK_SIZE,
  CHUNK_HEADER_SIZE,
  encodeSegmentHeader,
  SEGMENT_HEADER_SIZE,
  segmentFileName,
  type SegmentNaming,
} from "./_format.ts";
import type { LogMetrics } from "./_log_metrics.ts";
import type { SegmentInfo } from "./_recovery.ts";
import type { RecordLogStats } from "./record_log.ts";

/** The counters the writer moves; the log's stats object is passed in. */
export type WriterCounters = Pick<
  RecordLogStats,
  "appends" | "appendedBytes" | "writes" | "writtenBytes" | "syncs" | "dirSyncs" | "segmentsCreated"
>;

/** Where the writer works and what it feeds. */
export interface WriterSetup {
  vfs: Vfs;
  dir: string;
  naming: SegmentNaming;
  segmentSize: number;
  /** Bytes of zeros kept written past the last record of the active segment (0: none). */
  preallocate: number;
  /** The log's live segments, shared: the writer pushes each segment it creates. */
  segments: SegmentInfo[];
  /** A writable handle on the last segment, owned by the writer from now on. */
  active: VfsFile;
  counters: WriterCounters;
  metrics: LogMetrics | undefined;
}

interface Waiter {
  position: number;
  sync: boolean;
  resolve: (position: number) => void;
  reject: (error: unknown) => void;
}

/**
 * Bytes bound for one segment; `created` is false until the segment's file exists.
 * `frontierAt` is where the buffer holds a FRONTIER chunk to seal at write time, or -1.
 */
interface PendingWrite {
  segment: SegmentInfo;
  created: boolean;
  buffer: WriteBuffer;
  frontierAt: number;
}

/** Write buffers up to this size are kept for the next group. */
const MAX_SPARE_BUFFER = 4 * 1024 * 1024;

/**
 * Appends records to the last segment with group commit. REQUIRES: callers check their
 * arguments and stop calling once `failure` is set or after `close()`.
 */
export class LogWriter {
  readonly #setup: WriterSetup;
  #active: VfsFile;
  /** The segment `#active` writes, and the size of its file (zeros past `end` included). */
  #activeSegment: SegmentInfo;
  #fileEnd: number;
  /** The end of the active segment as of its last completed sync (0: none yet). */
  #syncedEnd = 0;
  #zeros: Uint8Array | undefined;
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
  /** Bytes were written since the last sync (or may have been, before this open). */
  #unsynced = true;
  #failure: unknown = undefined;

  constructor(setup: WriterSetup) {
    this.#setup = setup;
    this.#active = setup.active;
    this.#activeSegment = setup.segments.at(-1)!;
    this.#fileEnd = setup.active.size();
    this.#encoding = setup.segments.at(-1)!;
    this.#encodeOffset = this.#encoding.end;
  }

  /** The first write or sync failure, once the writer is poisoned; else undefined. */
  get failure(): unknown {
    return this.#failure;
  }

  /** Resolves once no group is being written or synced. */
  get idle(): Promise<void> {
    return this.#idle;
  }

  /** Frames `data` now; resolves with its position once written (and synced, if asked). */
  append(data: Uint8Array, sync: boolean): Promise<number> {
    const pending = this.#pendingForAppend(false);
    const segment = pending.segment;
    const room = BLOCK_SIZE - (this.#encodeOffset % BLOCK_SIZE);
    const start = room < CHUNK_HEADER_SIZE ? this.#encodeOffset + room : this.#encodeOffset;
    this.#encodeOffset = encodeRecord(pending.buffer, this.#encodeOffset, segment.id, data);
    this.#setup.counters.appends++;
    this.#setup.counters.appendedBytes += data.length;
    this.#setup.metrics?.appends.add();
    this.#setup.metrics?.appendedBytes.add(data.length);
    return this.#enqueue(segment.base + start, sync);
  }

  /** Resolves once everything appended before the call is durable. */
  async sync(): Promise<void> {
    await this.#enqueue(-1, true);
  }

  /** Sends later appends to a new segment (unless the current one is empty); syncs. */
  async roll(): Promise<number> {
    const pending = this.#pendingForAppend(true);
    await this.#enqueue(-1, true);
    return pending.segment.base + SEGMENT_HEADER_SIZE;
  }

  /**
   * Cuts the preallocated zeros off the active segment and syncs it, so that a closed log
   * ends at its last record. REQUIRES: `idle` has resolved and the writer has not failed.
   */
  async trim(): Promise<void> {
    if (this.#fileEnd <= this.#activeSegment.end) return;
    this.#active.truncate(this.#activeSegment.end);
    this.#fileEnd = this.#activeSegment.end;
    await this.#active.syncData();
  }

  /** Closes the segment handle. REQUIRES: `idle` has resolved. */
  close(): void {
    this.#active.close();
  }

  /** The buffer the next append goes into, starting a new segment when full or asked. */
  #pendingForAppend(roll: boolean): PendingWrite {
    const full = this.#encodeOffset >= this.#setup.segmentSize;
    if (full || (roll && this.#encodeOffset > SEGMENT_HEADER_SIZE)) {
      const id = this.#encoding.id + 1;
      const segment: SegmentInfo = {
        id,
        base: this.#encoding.base + this.#encodeOffset,
        path: joinPath(this.#setup.dir, segmentFileName(id, this.#setup.naming)),
        end: 0,
        frontier: this.#setup.preallocate > 0,
      };
      const buffer = this.#takeBuffer();
      encodeSegmentHeader(buffer.bytes, {
        segmentId: id,
        basePosition: segment.base,
        frontier: segment.frontier,
      });
      buffer.reserve(SEGMENT_HEADER_SIZE);
      this.#current = { segment, created: false, buffer, frontierAt: -1 };
      this.#pending.push(this.#current);
      this.#encoding = segment;
      this.#encodeOffset = SEGMENT_HEADER_SIZE;
    }
    if (this.#current === null) {
      const buffer = this.#takeBuffer();
      let frontierAt = -1;
      if (this.#preallocates(this.#encoding)) {
        // Each group starts by saying how far the segment was durable when it was written.
        const reserved = reserveFrontier(buffer, this.#encodeOffset);
        frontierAt = reserved.at;
        this.#encodeOffset = reserved.offset;
      }
      this.#current = { segment: this.#encoding, created: true, buffer, frontierAt };
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
            this.#write(write);
          }
          this.#setup.metrics?.groupSize.record(waiters.length);
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

  /** Writes a pending buffer to the active segment. REQUIRES: its segment exists. */
  #write(write: PendingWrite): void {
    if (write.frontierAt >= 0) {
      sealFrontier(write.buffer.bytes, write.frontierAt, write.segment.id, this.#syncedEnd);
    }
    const bytes = write.buffer.view();
    if (bytes.length > 0) {
      this.#active.writeAt(bytes, write.segment.end);
      this.#unsynced = true;
      write.segment.end += bytes.length;
      if (write.segment.end > this.#fileEnd) this.#preallocateFrom(write.segment.end);
      this.#setup.counters.writes++;
      this.#setup.counters.writtenBytes += bytes.length;
    }
    this.#recycle(write.buffer);
  }

  /** Whether appends to `segment` keep zeros ahead and FRONTIER chunks. */
  #preallocates(segment: SegmentInfo): boolean {
    return segment.frontier && this.#setup.preallocate > 0;
  }

  /** Notes the file's new end at `end`, and writes the zeros that keep room ahead of it. */
  #preallocateFrom(end: number): void {
    this.#fileEnd = end;
    if (!this.#preallocates(this.#activeSegment)) return;
    const size = this.#setup.preallocate;
    this.#zeros ??= new Uint8Array(size);
    this.#active.writeAt(this.#zeros, end);
    this.#fileEnd = end + size;
  }

  /** Syncs the active segment (and the directory after a new segment), unless clean. */
  async #syncActive(): Promise<void> {
    if (!this.#unsynced && !this.#dirDirty) return;
    this.#unsynced = false;
    const started = performance.now();
    const end = this.#activeSegment.end;
    await this.#active.syncData();
    this.#syncedEnd = end;
    this.#setup.counters.syncs++;
    this.#setup.metrics?.syncs.add();
    this.#setup.metrics?.syncSeconds.record((performance.now() - started) / 1000);
    if (this.#dirDirty) {
      await this.#setup.vfs.syncDir(this.#setup.dir);
      this.#setup.counters.dirSyncs++;
      this.#dirDirty = false;
    }
  }

  /**
   * Makes the current segment durable, cut to its last record (every segment but the
   * last ends exactly where its records end), then creates the next one's file.
   */
  async #startSegment(segment: SegmentInfo): Promise<void> {
    if (this.#fileEnd > this.#activeSegment.end) {
      this.#active.truncate(this.#activeSegment.end);
      this.#unsynced = true;
    }
    await this.#syncActive();
    this.#active.close();
    this.#active = this.#setup.vfs.open(segment.path, { create: true, exclusive: true });
    this.#activeSegment = segment;
    this.#fileEnd = 0;
    this.#syncedEnd = 0;
    segment.end = 0;
    this.#setup.segments.push(segment);
    this.#dirDirty = true;
    this.#setup.counters.segmentsCreated++;
  }

  /** Poisons the writer: the failing group and everything queued behind it reject. */
  #fail(cause: unknown, waiters: Waiter[]): void {
    if (this.#failure === undefined) this.#failure = cause;
    this.#setup.metrics?.failures.add();
    const error = new StoreFailedError("Record log write or sync failed", { cause });
    for (const waiter of [...waiters, ...this.#waiters]) waiter.reject(error);
    this.#waiters = [];
    this.#pending = [];
    this.#current = null;
  }
}
