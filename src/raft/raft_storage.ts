// RaftStorage: the durable state of one Raft node (term and vote, the log, snapshots) in
// one directory. The log, the truncation markers and the state share one record log, so
// concurrent appends and state saves share fsyncs. Format: docs/raft_format.md.

import {
  ClosedError,
  CompactedError,
  CorruptionError,
  StoreFailedError,
  UnavailableError,
} from "../errors.ts";
import { MetricsRegistry } from "../metrics/registry.ts";
import { RecordLog } from "../record/record_log.ts";
import { DenoVfs } from "../vfs/deno_vfs.ts";
import { ensureDir } from "../vfs/_ensure_dir.ts";
import { joinPath } from "../vfs/_path.ts";
import type { Vfs, VfsLock } from "../vfs/vfs.ts";
import { ApplyQueue } from "./_apply_queue.ts";
import type { EntryIndex } from "./_entry_index.ts";
import { RaftMetrics } from "./_raft_metrics.ts";
import {
  decodeRecord,
  encodeEntry,
  encodeMarker,
  encodeState,
  ENTRY_HEADER_SIZE,
  RecordKind,
} from "./_records.ts";
import {
  readSnapshotData,
  SNAPSHOT_TEMP_FILE,
  type SnapshotLocation,
  type SnapshotMeta,
  streamSnapshotData,
  verifySnapshot,
  writeSnapshot,
} from "./_snapshot_file.ts";
import { checkRaftOptions, type RaftStorageOptions } from "./_raft_options.ts";
import { replay } from "./_replay.ts";
import type { LoadedSnapshot, RaftEntry, RaftState } from "./types.ts";

export type { LoadedSnapshot, RaftEntry, RaftState, RaftStorageOptions, SnapshotMeta };

/**
 * Zeros kept written ahead of the log's last record, so that a durable append's fdatasync
 * need not make a new file size durable too (docs/impl.md has the measurements).
 */
const LOG_PREALLOCATE = 1024 * 1024;
/** The largest command, in bytes. */
export const MAX_COMMAND_SIZE = 64 * 1024 * 1024 - ENTRY_HEADER_SIZE;

/**
 * Durable storage for a Raft node: the current term and vote, the log with prefix and
 * suffix truncation, and snapshots. Every write resolves once durable (by default), and
 * concurrent writes share fsyncs. Indices and terms are integers from 0 to 2^53 - 1; the
 * log's first index is 1.
 *
 * @example Term, vote, log and a snapshot
 * ```ts
 * import { RaftStorage } from "@cairn/cairn/raft";
 * import { MemVfs } from "@cairn/cairn/vfs";
 * import assert from "node:assert/strict";
 *
 * const storage = await RaftStorage.open("/node-1", { vfs: new MemVfs() });
 * await storage.saveState({ term: 1, votedFor: "node-1" });
 * await storage.append([
 *   { index: 1, term: 1, command: new TextEncoder().encode("set x 1") },
 *   { index: 2, term: 1, command: new TextEncoder().encode("set y 2") },
 * ]);
 * assert.equal(storage.lastIndex(), 2);
 * assert.equal(await storage.term(2), 1);
 *
 * await storage.saveSnapshot({ lastIndex: 2, lastTerm: 1 }, new TextEncoder().encode("x=1,y=2"));
 * const snapshot = await storage.loadSnapshot();
 * assert.equal(snapshot?.meta.lastIndex, 2);
 * await storage.close();
 * ```
 */
export class RaftStorage {
  readonly #vfs: Vfs;
  readonly #dir: string;
  readonly #log: RecordLog;
  readonly #lock: VfsLock;
  readonly #index: EntryIndex;
  readonly #registry: MetricsRegistry;
  readonly #metrics: RaftMetrics;
  readonly #sync: boolean;
  readonly #retained: number;
  readonly #autoTruncate: boolean;
  #state: RaftState;
  #statePosition: number;
  #snapshot: SnapshotLocation | undefined;
  /** The last index once every queued write has applied (appends check against it). */
  #pendingLast: number;
  /** The first index once every queued write has applied (suffix truncations check it). */
  #pendingFirst: number;
  /** The state once every queued write has applied (saves and rewrites use it). */
  #pendingState: RaftState;
  /** Writes apply to memory in call order, each after the previous one. */
  readonly #applied = new ApplyQueue();
  /** Snapshots being written; close waits for them. */
  readonly #snapshotsInFlight = new Set<Promise<unknown>>();
  #closing: Promise<void> | undefined;

  private constructor(parts: {
    vfs: Vfs;
    dir: string;
    log: RecordLog;
    lock: VfsLock;
    index: EntryIndex;
    registry: MetricsRegistry;
    options: ReturnType<typeof checkRaftOptions>;
    state: RaftState;
    statePosition: number;
    snapshot: SnapshotLocation | undefined;
  }) {
    this.#vfs = parts.vfs;
    this.#dir = parts.dir;
    this.#log = parts.log;
    this.#lock = parts.lock;
    this.#index = parts.index;
    this.#registry = parts.registry;
    this.#metrics = new RaftMetrics(parts.registry);
    this.#sync = parts.options.syncOnAppend;
    this.#retained = parts.options.retainedLogSize;
    this.#autoTruncate = parts.options.autoTruncateOnSnapshot;
    this.#state = parts.state;
    this.#statePosition = parts.statePosition;
    this.#snapshot = parts.snapshot;
    this.#pendingLast = parts.index.lastIndex;
    this.#pendingFirst = parts.index.firstIndex;
    this.#pendingState = parts.state;
  }

  /**
   * Opens (or creates) the store in `path`: takes its lock, checks the snapshot, and
   * replays the log into memory (cutting a torn tail).
   *
   * @param path The node's directory.
   * @param options See {@linkcode RaftStorageOptions}.
   * @returns The open store.
   * @throws {TypeError} When the path or an option has the wrong type.
   * @throws {RangeError} When an option is out of range.
   * @throws {LockedError} At once, when another owner has the directory open.
   * @throws {CorruptionError} When the log (other than a torn tail), the state or the
   * snapshot is damaged.
   */
  static async open(path: string, options: RaftStorageOptions = {}): Promise<RaftStorage> {
    if (typeof path !== "string" || path === "") {
      throw new TypeError("Raft storage path must be a non-empty string");
    }
    const settings = checkRaftOptions(options);
    const vfs = options.vfs === undefined ? new DenoVfs() : options.vfs;
    await ensureDir(vfs, path);
    const lock = vfs.tryLock(joinPath(path, "LOCK"));
    let log: RecordLog | undefined;
    try {
      if (vfs.exists(joinPath(path, SNAPSHOT_TEMP_FILE))) {
        vfs.remove(joinPath(path, SNAPSHOT_TEMP_FILE));
      }
      const snapshot = verifySnapshot(vfs, path);
      log = await RecordLog.open(path, {
        vfs,
        lock: false,
        sync: true,
        segmentSize: settings.segmentSize,
        preallocate: LOG_PREALLOCATE,
      });
      const replayed = replay(log, snapshot?.meta);
      const storage = new RaftStorage({
        vfs,
        dir: path,
        log,
        lock,
        index: replayed.index,
        registry: options.metrics ?? new MetricsRegistry(),
        options: settings,
        state: replayed.state,
        statePosition: replayed.statePosition,
        snapshot,
      });
      // A crash after a snapshot was installed may have left the log unfitted to it:
      // finish the truncations its saveSnapshot would have made.
      if (snapshot !== undefined) {
        try {
          await storage.#fitLogToSnapshot(snapshot.meta);
        } catch (error) {
          await storage.close().catch(() => {});
          throw error;
        }
      }
      return storage;
    } catch (error) {
      await log?.close().catch(() => {});
      lock.release();
      throw error;
    }
  }

  /**
   * Saves the term and vote durably; resolves once they are on disk.
   *
   * @param state The term (never lower than the saved one) and the vote (null for none).
   * @throws {TypeError} When `votedFor` is neither a string nor null.
   * @throws {RangeError} When `term` is not a safe integer, or lower than the saved term.
   * @throws {ClosedError} After `close()`.
   * @throws {StoreFailedError} After a failed write or fsync.
   */
  saveState(state: RaftState): Promise<void> {
    return this.#metrics.measure("save_state", async () => {
      this.#checkWritable();
      if (typeof state !== "object" || state === null) {
        throw new TypeError("State must be an object");
      }
      checkNumber(state.term, "Term");
      if (state.votedFor !== null && typeof state.votedFor !== "string") {
        throw new TypeError("votedFor must be a string or null");
      }
      if (state.term < this.#pendingState.term) {
        throw new RangeError(
          `Term ${state.term} is lower than the saved term ${this.#pendingState.term}`,
        );
      }
      const saved = { term: state.term, votedFor: state.votedFor };
      this.#pendingState = saved;
      const written = this.#log.append(encodeState(saved.term, saved.votedFor), { sync: true });
      await this.#applyInOrder(written, (position) => {
        this.#state = saved;
        this.#statePosition = position;
      });
    });
  }

  /**
   * The saved term and vote: term 0 and no vote on a new store.
   *
   * @throws {ClosedError} After `close()`.
   */
  loadState(): Promise<RaftState> {
    return this.#metrics.measure("load_state", () => {
      this.#checkOpen();
      return Promise.resolve({ ...this.#state });
    });
  }

  /**
   * Appends entries after the last one; resolves once they are durable (with
   * `syncOnAppend`, the default).
   *
   * @param entries Consecutive entries, the first at `lastIndex() + 1` (counting appends
   * still in flight).
   * @throws {TypeError} When an entry's fields have the wrong types.
   * @throws {RangeError} When the indices do not follow or a command is too large.
   * @throws {ClosedError} After `close()`.
   * @throws {StoreFailedError} After a failed write or fsync.
   */
  append(entries: readonly RaftEntry[]): Promise<void> {
    return this.#metrics.measure("append", async (): Promise<number> => {
      this.#checkWritable();
      if (!Array.isArray(entries)) throw new TypeError("Entries must be an array");
      let expected = this.#pendingLast + 1;
      for (const entry of entries) {
        if (typeof entry !== "object" || entry === null) {
          throw new TypeError("Entry must be an object");
        }
        checkNumber(entry.index, "Index");
        checkNumber(entry.term, "Term");
        if (!(entry.command instanceof Uint8Array)) {
          throw new TypeError("Entry command must be a Uint8Array");
        }
        if (entry.index !== expected) {
          throw new RangeError(
            `Entry ${entry.index} does not follow the last index ${expected - 1}`,
          );
        }
        if (entry.command.length > MAX_COMMAND_SIZE) {
          throw new RangeError(
            `Command of ${entry.command.length} bytes exceeds ${MAX_COMMAND_SIZE}`,
          );
        }
        expected++;
      }
      if (entries.length === 0) return 0;
      this.#pendingLast = expected - 1;
      let bytes = 0;
      const written = entries.map((entry) => {
        bytes += entry.command.length;
        return this.#log.append(encodeEntry(entry.index, entry.term, entry.command), {
          sync: this.#sync,
        });
      });
      try {
        await this.#applyInOrder(Promise.all(written), (positions) => {
          for (const [i, position] of positions.entries()) {
            this.#index.push(position, entries[i]!.term);
          }
        });
      } catch (error) {
        this.#pendingLast = this.#index.lastIndex;
        throw error;
      }
      return bytes;
    }, (bytes) => bytes).then(() => {});
  }

  /**
   * Reads the entries `[lo, hi)`, stopping early once `maxBytes` of commands are read, but
   * always returning at least one entry when `lo < hi`.
   *
   * @throws {RangeError} When the bounds are not safe integers or `lo > hi`.
   * @throws {CompactedError} When `lo` is below `firstIndex()`.
   * @throws {UnavailableError} When `hi` is above `lastIndex() + 1`.
   * @throws {CorruptionError} When a stored entry fails its checks.
   * @throws {ClosedError} After `close()`.
   */
  entries(lo: number, hi: number, options: { maxBytes?: number } = {}): Promise<RaftEntry[]> {
    return this.#metrics.measure("entries", () => {
      this.#checkOpen();
      checkNumber(lo, "lo");
      checkNumber(hi, "hi");
      if (lo > hi) throw new RangeError(`lo ${lo} is above hi ${hi}`);
      const maxBytes = options.maxBytes ?? Infinity;
      if (typeof maxBytes !== "number" || Number.isNaN(maxBytes) || maxBytes < 0) {
        throw new RangeError("maxBytes must be a non-negative number");
      }
      this.#checkReadable(lo, hi - 1);
      const out: RaftEntry[] = [];
      let bytes = 0;
      for (let index = lo; index < hi; index++) {
        const entry = this.#read(index);
        if (out.length > 0 && bytes + entry.command.length > maxBytes) break;
        bytes += entry.command.length;
        out.push(entry);
      }
      return Promise.resolve(out);
    }, (out) => out.reduce((sum, entry) => sum + entry.command.length, 0));
  }

  /**
   * Reads one entry.
   *
   * @throws {CompactedError} Below `firstIndex()`.
   * @throws {UnavailableError} Above `lastIndex()`.
   * @throws {CorruptionError} When the stored entry fails its checks.
   */
  entry(index: number): Promise<RaftEntry> {
    return this.#metrics.measure("entry", () => {
      this.#checkOpen();
      checkNumber(index, "Index");
      this.#checkReadable(index, index);
      return Promise.resolve(this.#read(index));
    });
  }

  /**
   * The term of entry `index`, from memory; also answers for the snapshot's last index.
   *
   * @throws {CompactedError} Below `firstIndex()`, unless it is the snapshot's last index.
   * @throws {UnavailableError} Above `lastIndex()`.
   */
  term(index: number): Promise<number> {
    try {
      this.#checkOpen();
      checkNumber(index, "Index");
      const snapshot = this.#snapshot?.meta;
      if (snapshot !== undefined && index === snapshot.lastIndex) {
        return Promise.resolve(snapshot.lastTerm);
      }
      if (index === 0) return Promise.resolve(0);
      this.#checkReadable(index, index);
      return Promise.resolve(this.#index.term(index));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The index of the first entry in the log (one past the last when it is empty). */
  firstIndex(): number {
    this.#checkOpen();
    return this.#index.firstIndex;
  }

  /** The index of the last durable entry (`firstIndex() - 1` when the log is empty). */
  lastIndex(): number {
    this.#checkOpen();
    return this.#index.lastIndex;
  }

  /**
   * Removes the entries at and after `index`, durably and without rewriting anything: a
   * marker record says they are gone.
   *
   * @throws {RangeError} When `index` is not a safe integer or above `lastIndex() + 1`.
   * @throws {CompactedError} When `index` is below `firstIndex()`.
   * @throws {ClosedError} After `close()`.
   * @throws {StoreFailedError} After a failed write or fsync.
   */
  truncateSuffix(index: number): Promise<void> {
    return this.#metrics.measure("truncate_suffix", async () => {
      this.#checkWritable();
      checkNumber(index, "Index");
      const first = Math.max(this.#index.firstIndex, this.#pendingFirst);
      if (index < first) throw new CompactedError(index, first);
      if (index > this.#pendingLast + 1) {
        throw new RangeError(`Index ${index} is past the last index ${this.#pendingLast} + 1`);
      }
      if (index > this.#pendingLast) return;
      this.#pendingLast = index - 1;
      const written = this.#log.append(encodeMarker(RecordKind.SUFFIX, index), { sync: true });
      await this.#applyInOrder(written, () => this.#index.truncateSuffix(index));
    });
  }

  /**
   * Removes the entries before `index`: a durable marker, then the removal of every log
   * segment that holds only removed entries. Past the last entry, the log becomes empty
   * and continues at `index` (as after installing a newer snapshot).
   *
   * @throws {RangeError} When `index` is not a safe integer.
   * @throws {ClosedError} After `close()`.
   * @throws {StoreFailedError} After a failed write or fsync.
   */
  truncatePrefix(index: number): Promise<void> {
    return this.#metrics.measure("truncate_prefix", () => {
      this.#checkWritable();
      checkNumber(index, "Index");
      return index <= this.#index.firstIndex ? Promise.resolve() : this.#truncatePrefix(index);
    });
  }

  /**
   * Saves a snapshot: streams `data` to a temporary file with a checksum, syncs it and
   * installs it atomically in place of the previous one. With `autoTruncateOnSnapshot`
   * (the default) the log is then truncated to keep `retainedLogSize` entries before
   * `lastIndex + 1`; a snapshot beyond the log, or one whose last entry's term differs
   * from the log's, discards the whole log.
   *
   * @param meta The last index and term the snapshot includes, and an optional opaque
   * configuration.
   * @param data The snapshot's bytes, whole or as a stream.
   * @throws {TypeError} When `meta` or `data` has the wrong type.
   * @throws {RangeError} When an index or term is not a safe integer.
   * @throws {ClosedError} After `close()`.
   */
  saveSnapshot(
    meta: SnapshotMeta,
    data: Uint8Array | ReadableStream<Uint8Array>,
  ): Promise<void> {
    return this.#metrics.measure("save_snapshot", async (): Promise<number> => {
      this.#checkWritable();
      if (typeof meta !== "object" || meta === null) {
        throw new TypeError("Snapshot meta must be an object");
      }
      checkNumber(meta.lastIndex, "Snapshot lastIndex");
      checkNumber(meta.lastTerm, "Snapshot lastTerm");
      if (meta.configuration !== undefined && !(meta.configuration instanceof Uint8Array)) {
        throw new TypeError("Snapshot configuration must be a Uint8Array");
      }
      if (!(data instanceof Uint8Array) && !(data instanceof ReadableStream)) {
        throw new TypeError("Snapshot data must be a Uint8Array or a ReadableStream");
      }
      const install = (async () => {
        this.#snapshot = await writeSnapshot(this.#vfs, this.#dir, meta, data);
        await this.#applied.drained();
        await this.#fitLogToSnapshot(meta);
        return this.#snapshot.dataLength;
      })();
      this.#snapshotsInFlight.add(install);
      try {
        return await install;
      } finally {
        this.#snapshotsInFlight.delete(install);
      }
    }, (size) => size).then(() => {});
  }

  /**
   * Truncates the log to fit an installed snapshot: discards it when the snapshot lies
   * beyond it or its last term conflicts, else (with `autoTruncateOnSnapshot`) keeps
   * `retainedLogSize` entries before `lastIndex + 1`. Writes nothing when it fits already.
   */
  async #fitLogToSnapshot(meta: SnapshotMeta): Promise<void> {
    const { lastIndex, lastTerm } = meta;
    const index = this.#index;
    if (lastIndex < index.firstIndex) return;
    if (lastIndex > index.lastIndex) {
      await this.#truncatePrefix(lastIndex + 1);
    } else if (index.term(lastIndex) !== lastTerm) {
      await this.truncateSuffix(index.firstIndex);
      await this.#truncatePrefix(lastIndex + 1);
    } else if (this.#autoTruncate) {
      const keepFrom = Math.max(index.firstIndex, lastIndex + 1 - this.#retained);
      if (keepFrom > index.firstIndex) await this.#truncatePrefix(keepFrom);
    }
  }

  /**
   * The installed snapshot, checked whole against its checksum, or undefined when none.
   *
   * @throws {CorruptionError} When the snapshot file fails its checks.
   * @throws {ClosedError} After `close()`.
   */
  loadSnapshot(): Promise<LoadedSnapshot | undefined> {
    return this.#metrics.measure("load_snapshot", () => {
      this.#checkOpen();
      const location = verifySnapshot(this.#vfs, this.#dir);
      if (location === undefined) return Promise.resolve(undefined);
      const vfs = this.#vfs;
      const dir = this.#dir;
      return Promise.resolve({
        meta: location.meta,
        size: location.dataLength,
        bytes: () => Promise.resolve(readSnapshotData(vfs, dir, location)),
        stream: () => streamSnapshotData(vfs, dir, location),
      });
    });
  }

  /** Every metric as a plain object (see {@linkcode MetricsRegistry.snapshot}). */
  metrics(): ReturnType<MetricsRegistry["snapshot"]> {
    return this.#registry.snapshot();
  }

  /**
   * The metrics as readable text, one line per operation used: calls, errors, bytes, and
   * latency (average, p95, p99, maximum).
   */
  metricsSummary(): string {
    return this.#metrics.summary();
  }

  /**
   * Waits for in-flight writes, syncs and closes the log, and releases the lock. Closing
   * twice is harmless.
   *
   * @throws {StoreFailedError} When the log had failed or the final sync fails.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.allSettled([...this.#snapshotsInFlight]);
      await this.#applied.drained();
      try {
        await this.#log.close();
      } finally {
        this.#lock.release();
      }
    })();
    return this.#closing;
  }

  /** Closes the store; see {@linkcode RaftStorage.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Runs `apply` with the write's result once it and every earlier write applied. */
  #applyInOrder<T>(written: Promise<T>, apply: (result: T) => void): Promise<void> {
    return this.#applied.run(written, apply);
  }

  async #truncatePrefix(index: number): Promise<void> {
    this.#pendingFirst = Math.max(this.#pendingFirst, index);
    this.#pendingLast = Math.max(this.#pendingLast, index - 1);
    const marker = this.#log.append(encodeMarker(RecordKind.PREFIX, index), { sync: true });
    await this.#applyInOrder(marker, () => {
      this.#index.truncatePrefix(index);
      this.#pendingLast = Math.max(this.#pendingLast, this.#index.lastIndex);
    });
    const markerPosition = await marker;
    const cutoff = this.#index.length > 0
      ? this.#index.position(this.#index.firstIndex)
      : markerPosition;
    if (this.#statePosition < cutoff && this.#statePosition >= 0) {
      const state = this.#pendingState;
      const written = this.#log.append(encodeState(state.term, state.votedFor), { sync: true });
      await this.#applyInOrder(written, (position) => this.#statePosition = position);
    }
    await this.#log.removeBefore(
      Math.min(cutoff, this.#statePosition < 0 ? cutoff : this.#statePosition),
    );
  }

  #read(index: number): RaftEntry {
    const position = this.#index.position(index);
    const bytes = this.#log.read(position);
    let record;
    try {
      record = decodeRecord(bytes);
    } catch (error) {
      const { path, offset } = this.#log.locate(position);
      throw new CorruptionError(path, offset, `bad raft record: ${(error as Error).message}`);
    }
    if (record.kind !== RecordKind.ENTRY || record.index !== index) {
      const { path, offset } = this.#log.locate(position);
      throw new CorruptionError(path, offset, `expected the record of entry ${index}`);
    }
    return { index, term: record.term, command: record.command };
  }

  #checkReadable(lo: number, hi: number): void {
    if (lo < this.#index.firstIndex) throw new CompactedError(lo, this.#index.firstIndex);
    if (hi > this.#index.lastIndex) throw new UnavailableError(hi, this.#index.lastIndex);
  }

  #checkOpen(): void {
    if (this.#closing !== undefined) throw new ClosedError("Raft storage is closed");
  }

  /** Reads go on after a failure; writes do not. */
  #checkWritable(): void {
    this.#checkOpen();
    if (this.#log.failure !== undefined) {
      throw new StoreFailedError("Raft storage failed on an earlier write or sync", {
        cause: this.#log.failure,
      });
    }
  }
}

function checkNumber(value: unknown, name: string): asserts value is number {
  if (typeof value !== "number") throw new TypeError(`${name} must be a number`);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be an integer from 0 to 2^53 - 1, got ${value}`);
  }
}
