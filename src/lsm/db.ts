// Db: the LSM engine's manager. It composes the WAL (a record log), the memtable pool, the
// manifest and its versions, the table cache and background flush and compaction, and
// offers get, put, delete, batches, scans and snapshots. docs/impl.md walks through it.

import { ClosedError, StoreFailedError } from "../errors.ts";
import { RecordLog } from "../record/record_log.ts";
import { DenoVfs } from "../vfs/deno_vfs.ts";
import { ensureDir } from "../vfs/_ensure_dir.ts";
import { joinPath } from "../vfs/_path.ts";
import type { Vfs, VfsLock } from "../vfs/vfs.ts";
import type { BackgroundHost } from "./_background.ts";
import { BackgroundRunner } from "./_background_runner.ts";
import { CommitQueue, type CommitTarget } from "./_commit_queue.ts";
import { scanEntries } from "./_db_iterator.ts";
import { checkDbOptions, type DbOptions, type DbSettings } from "./_db_options.ts";
import { Kind } from "./_internal_key.ts";
import type { InternalIterator } from "./_iterator.ts";
import { type Bytes, keyBytes, valueBytes } from "./_keys.ts";
import {
  entrySize,
  forEachEntry,
  GROUP_HEADER_SIZE,
  groupHeader,
  writeEntry,
} from "./_wal_record.ts";
import { checkConsistency, type DbCheckReport } from "./_consistency_check.ts";
import { BackgroundWorker } from "./_background_worker_client.ts";
import { LevelIterator } from "./_level_iterator.ts";
import { LiveTables } from "./_live_tables.ts";
import { Manifest } from "./_manifest.ts";
import { MemtablePool } from "./_memtables.ts";
import { MergingIterator } from "./_merging_iterator.ts";
import { WriteRoom } from "./_write_room.ts";
import { deleteObsoleteTables, replayWal } from "./_recover.ts";
import { planScan, type ScanOptions } from "./_scan_options.ts";
import { TableCache } from "./_table_cache.ts";
import type { FileMeta } from "./_version_edit.ts";
import type { Version } from "./_version.ts";
import { type Snapshot, SnapshotList, snapshotSequence } from "./snapshot.ts";
import { BlockCache } from "./table/block_cache.ts";
import { batchEntries, bindBatch, WriteBatch, type WriteOptions } from "./write_batch.ts";

export type { DbCheckReport, DbOptions, ScanOptions, WriteOptions };

/**
 * Zeros kept written ahead of the WAL's last record, so that a durable write's fdatasync
 * need not make a new file size durable too (docs/impl.md has the measurements).
 */
const WAL_PREALLOCATE = 1024 * 1024;

/** Options of {@linkcode Db.get}. */
export interface ReadOptions {
  /** Read as of this snapshot instead of the latest state. */
  snapshot?: Snapshot;
}

/** Counters and sizes of a {@linkcode Db}, from {@linkcode Db.stats}. */
export interface DbStats {
  /** Bytes in the active memtable and the immutable ones. */
  memtableBytes: number;
  /** Immutable memtables waiting for their flush. */
  immutableMemtables: number;
  /** Table files and bytes per level, level 0 first. */
  levels: { files: number; bytes: number }[];
  /** Bytes of the WAL not yet in tables. */
  walBytes: number;
  /** The block cache's hits, misses and bytes held. */
  blockCache: { hits: number; misses: number; bytes: number };
  /** Write groups that first gave background work a turn, level 0 being long or compaction behind. */
  slowdowns: number;
  /** Bytes compaction must still rewrite to bring every level within its budget (an estimate). */
  pendingCompactionBytes: number;
  /** Times a write waited for a flush or compaction. */
  stalls: number;
  /** Milliseconds writes waited for flushes or compactions. */
  stallMillis: number;
  /** Memtable flushes done since open. */
  flushes: number;
  /** Compactions done since open (moves of a table to the next level included). */
  compactions: number;
  /** Input bytes of compactions since open (moves excluded). */
  compactedBytes: number;
  /** Compactions since open whose merge ran on the worker thread (see `backgroundWorker`). */
  workerCompactions: number;
  /** Flushes since open whose table was built on the worker thread. */
  workerFlushes: number;
  /** Bytes of tables written by flushes and compactions since open. */
  tableBytesWritten: number;
  /** Milliseconds spent in flushes and compactions since open. */
  backgroundMillis: number;
  /**
   * Bytes written to the WAL and to tables per byte of keys and values written since open
   * (0 before the first write).
   */
  writeAmplification: number;
  /** Bytes of all tables per byte of the tables of the deepest non-empty level (1 when empty). */
  spaceAmplification: number;
  /** The sequence number of the last write. */
  lastSequence: number;
  /** Live snapshots. */
  snapshots: number;
}

/**
 * An embedded, ordered key-value store: a log-structured merge tree over a write-ahead
 * log, memtables and sorted tables. Keys sort bytewise; keys and values are bytes or
 * strings (stored as UTF-8), a key up to 64 KiB, a value up to 16 MiB. By default every
 * write resolves once it is durable; `sync: false` trades the last writes before a power
 * loss (not a crash of the process) for speed. One process owns a directory at a time.
 *
 * @example Writing, reading and scanning
 * ```ts
 * import { Db } from "@cairn/cairn/lsm";
 * import { MemVfs } from "@cairn/cairn/vfs";
 * import assert from "node:assert/strict";
 *
 * await using db = await Db.open("/db", { vfs: new MemVfs() });
 * await db.put("fruit/apple", "red");
 * await db.put("fruit/kiwi", "green");
 * await db.put("veg/leek", "white");
 * assert.deepEqual(await db.get("fruit/kiwi"), new TextEncoder().encode("green"));
 *
 * const keys: string[] = [];
 * for await (const [key] of db.scan({ prefix: "fruit/" })) keys.push(new TextDecoder().decode(key));
 * assert.deepEqual(keys, ["fruit/apple", "fruit/kiwi"]);
 * ```
 */
export class Db {
  readonly #vfs: Vfs;
  readonly #dir: string;
  readonly #settings: DbSettings;
  readonly #manifest: Manifest;
  readonly #tables: TableCache;
  readonly #pool: MemtablePool;
  readonly #wal: RecordLog;
  readonly #host: BackgroundHost;
  readonly #lock: VfsLock;
  readonly #blocks: BlockCache;
  readonly #snapshots = new SnapshotList();
  readonly #queue: CommitQueue;
  readonly #live: LiveTables;
  readonly #background: BackgroundRunner;
  readonly #workers: { flush: BackgroundWorker; compaction: BackgroundWorker } | undefined;
  /** Key and value bytes of the writes applied since open. */
  #userBytes = 0;
  #lastSequence: number;
  #state: "open" | "closing" | "closed" = "open";
  #closing: Promise<void> | undefined;
  readonly #room: WriteRoom;

  private constructor(parts: {
    vfs: Vfs;
    dir: string;
    settings: DbSettings;
    lock: VfsLock;
    manifest: Manifest;
    wal: RecordLog;
    blocks: BlockCache;
    pool: MemtablePool;
    lastSequence: number;
    knownTables: Set<number>;
  }) {
    this.#vfs = parts.vfs;
    this.#dir = parts.dir;
    this.#settings = parts.settings;
    this.#lock = parts.lock;
    this.#manifest = parts.manifest;
    this.#wal = parts.wal;
    this.#blocks = parts.blocks;
    this.#tables = new TableCache(parts.vfs, parts.dir, parts.blocks);
    this.#pool = parts.pool;
    this.#lastSequence = parts.lastSequence;
    const { settings } = parts;
    this.#workers = settings.backgroundWorker && parts.vfs instanceof DenoVfs
      ? {
        flush: new BackgroundWorker(parts.dir, settings),
        compaction: new BackgroundWorker(parts.dir, settings),
      }
      : undefined;
    this.#live = new LiveTables(
      parts.vfs,
      parts.dir,
      this.#tables,
      parts.manifest.state.version,
      parts.knownTables,
    );
    const target: CommitTarget = {
      lastSequence: () => this.#lastSequence,
      makeRoomForWrite: (force) => this.#room.make(force),
      appendToWal: (record, sync) => this.#wal.append(record, { sync }),
      apply: (record) => this.#apply(record),
    };
    this.#queue = new CommitQueue(target);
    this.#host = {
      vfs: parts.vfs,
      dir: parts.dir,
      settings: parts.settings,
      manifest: parts.manifest,
      tables: this.#tables,
      pool: parts.pool,
      wal: parts.wal,
      workers: this.#workers,
      lastSequence: () => this.#lastSequence,
      oldestSnapshot: () => this.#snapshots.sequences()[0],
      install: (state) => this.#live.install(state.version),
      pin: () => this.#live.pin(),
      unpin: (version) => this.#live.unpin(version),
    };
    this.#background = new BackgroundRunner(this.#host, () => this.#state === "open");
    this.#room = new WriteRoom({
      settings: parts.settings,
      pool: parts.pool,
      wal: parts.wal,
      live: this.#live,
      background: this.#background,
      throwIfFailed: () => this.#throwIfFailed(),
    });
  }

  /**
   * Opens (or creates) the database in `path`: takes its lock, replays the manifest and
   * the WAL, and deletes files no version needs.
   *
   * @param path The database's directory.
   * @param options See {@linkcode DbOptions}.
   * @returns The open database.
   * @throws {TypeError} When the path or an option has the wrong type.
   * @throws {RangeError} When an option is out of range.
   * @throws {LockedError} At once, when another owner has the directory open.
   * @throws {CorruptionError} When the manifest, the WAL (other than a torn tail) or a
   * table is damaged.
   */
  static async open(path: string, options: DbOptions = {}): Promise<Db> {
    if (typeof path !== "string" || path === "") {
      throw new TypeError("Database path must be a non-empty string");
    }
    const settings = checkDbOptions(options);
    const vfs = options.vfs === undefined ? new DenoVfs() : options.vfs;
    await ensureDir(vfs, path);
    const lock = vfs.tryLock(joinPath(path, "LOCK"));
    const opened: { close(): Promise<void> }[] = [];
    try {
      const manifest = await Manifest.open(vfs, path);
      opened.push(manifest);
      const wal = await RecordLog.open(path, {
        vfs,
        suffix: ".wal",
        lock: false,
        sync: true,
        preallocate: WAL_PREALLOCATE,
      });
      opened.push(wal);
      const state = manifest.state;
      const pool = new MemtablePool(Math.max(state.logPosition, wal.stats().firstPosition));
      const lastSequence = replayWal(wal, state, pool, settings.memtableSize);
      const knownTables = deleteObsoleteTables(vfs, path, state.version);
      const db = new Db({
        vfs,
        dir: path,
        settings,
        lock,
        manifest,
        wal,
        blocks: new BlockCache(settings.blockCacheSize),
        pool,
        lastSequence,
        knownTables,
      });
      db.#background.schedule();
      return db;
    } catch (error) {
      for (const part of opened.reverse()) await part.close().catch(() => {});
      lock.release();
      throw error;
    }
  }

  /**
   * Reads the value of `key`.
   *
   * @param key The key: bytes, or a string (UTF-8).
   * @param options `snapshot`: read as of that snapshot.
   * @returns A copy of the value, or undefined when the key is absent or deleted.
   * @throws {TypeError} When the key is neither bytes nor a string, or the snapshot is
   * another database's.
   * @throws {RangeError} When the key is longer than 64 KiB.
   * @throws {ClosedError} After `close()`, or with a released snapshot.
   * @throws {CorruptionError} When a table read fails its checks.
   */
  get(key: Bytes, options: ReadOptions = {}): Promise<Uint8Array | undefined> {
    try {
      return Promise.resolve(this.#get(keyBytes(key), this.#readSequence(options.snapshot)));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Reads the value of `key` without a promise: the same read as {@linkcode Db.get}, which
   * is synchronous underneath (memtables, then tables through positional reads and the
   * block cache). The fastest way to read one key.
   *
   * @param key The key: bytes, or a string (UTF-8).
   * @param options `snapshot`: read as of that snapshot.
   * @returns A copy of the value, or undefined when the key is absent or deleted.
   * @throws {TypeError} When the key is neither bytes nor a string, or the snapshot is
   * another database's.
   * @throws {RangeError} When the key is longer than 64 KiB.
   * @throws {ClosedError} After `close()`, or with a released snapshot.
   * @throws {CorruptionError} When a table read fails its checks.
   *
   * @example Reading in a loop without awaiting
   * ```ts
   * import { Db } from "@cairn/cairn/lsm";
   * import { MemVfs } from "@cairn/cairn/vfs";
   * import assert from "node:assert/strict";
   *
   * await using db = await Db.open("/db", { vfs: new MemVfs() });
   * await db.batch().put("a", "1").put("b", "2").commit();
   * const found = ["a", "b", "c"].map((key) => db.getSync(key)?.length ?? 0);
   * assert.deepEqual(found, [1, 1, 0]);
   * ```
   */
  getSync(key: Bytes, options: ReadOptions = {}): Uint8Array | undefined {
    return this.#get(keyBytes(key), this.#readSequence(options.snapshot));
  }

  /**
   * Sets `key` to `value`.
   *
   * @param key The key: bytes, or a string (UTF-8); copied.
   * @param value The value: bytes, or a string (UTF-8); copied.
   * @param options `sync`: resolve only once durable (default: the database's `sync`).
   * @throws {TypeError} When the key or value is neither bytes nor a string.
   * @throws {RangeError} When the key or value is too large.
   * @throws {ClosedError} After `close()`.
   * @throws {StoreFailedError} After a failed WAL write or fsync, or background failure.
   */
  put(key: Bytes, value: Bytes, options: WriteOptions = {}): Promise<void> {
    try {
      return this.#writeOne(Kind.PUT, keyBytes(key), valueBytes(value), options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Deletes `key` (deleting an absent key is not an error).
   *
   * @param key The key: bytes, or a string (UTF-8).
   * @param options `sync`: resolve only once durable (default: the database's `sync`).
   * @throws {TypeError} When the key is neither bytes nor a string.
   * @throws {RangeError} When the key is too large.
   * @throws {ClosedError} After `close()`.
   * @throws {StoreFailedError} After a failed WAL write or fsync, or background failure.
   */
  delete(key: Bytes, options: WriteOptions = {}): Promise<void> {
    try {
      return this.#writeOne(Kind.DELETE, keyBytes(key), EMPTY, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Applies a batch, all or nothing. Concurrent writes share WAL writes and fsyncs.
   *
   * @param batch The operations; the batch may be reused after the call.
   * @param options `sync`: resolve only once durable (default: the database's `sync`).
   * @throws {TypeError} When `batch` is not a WriteBatch.
   * @throws {ClosedError} After `close()`.
   * @throws {StoreFailedError} After a failed WAL write or fsync, or background failure.
   */
  write(batch: WriteBatch, options: WriteOptions = {}): Promise<void> {
    if (!(batch instanceof WriteBatch)) {
      return Promise.reject(new TypeError("Db.write() takes a WriteBatch"));
    }
    try {
      const sync = this.#syncOption(options);
      const entries = batchEntries(batch);
      return entries.count === 0 ? Promise.resolve() : this.#queue.submit(entries, sync);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Starts a batch whose `commit()` writes to this database.
   *
   * @returns An empty batch.
   */
  batch(): WriteBatch {
    return bindBatch(new WriteBatch(), (batch, options) => this.write(batch, options));
  }

  /**
   * Iterates over keys and values in key order (or reverse), as of one moment: writes
   * made during the scan are not seen. The files the scan reads stay on disk until it
   * ends: finish it or leave the loop early (`break` closes it).
   *
   * @param options Bounds (`gt`, `gte`, `lt`, `lte`, `prefix`), `reverse`, `limit`,
   * `keysOnly` (values come back empty) and `snapshot`.
   * @returns An async iterable of `[key, value]` pairs the caller owns.
   * @throws {TypeError} When a bound has the wrong type or both `gt` and `gte` (or `lt`
   * and `lte`) are given.
   * @throws {ClosedError} After `close()`.
   * @throws {CorruptionError} When a table read fails its checks.
   */
  async *scan(options: ScanOptions = {}): AsyncGenerator<[Uint8Array, Uint8Array]> {
    yield* this.scanSync(options);
  }

  /**
   * {@linkcode Db.scan} without promises: the fastest way to read many entries. The
   * event loop waits while the loop body runs, so keep long scans in `scan()` when other
   * work must go on meanwhile. The files the scan reads stay on disk until it ends:
   * finish it or leave the loop early (`break` closes it).
   *
   * @param options As for {@linkcode Db.scan}.
   * @returns An iterable of `[key, value]` pairs the caller owns.
   * @throws {TypeError} When a bound has the wrong type or both `gt` and `gte` (or `lt`
   * and `lte`) are given.
   * @throws {ClosedError} After `close()`.
   * @throws {CorruptionError} When a table read fails its checks.
   *
   * @example Counting the keys under a prefix
   * ```ts
   * import { Db } from "@cairn/cairn/lsm";
   * import { MemVfs } from "@cairn/cairn/vfs";
   * import assert from "node:assert/strict";
   *
   * await using db = await Db.open("/db", { vfs: new MemVfs() });
   * await db.batch().put("user/1", "ann").put("user/2", "bob").put("zone/1", "eu").commit();
   * let users = 0;
   * for (const _ of db.scanSync({ prefix: "user/" })) users++;
   * assert.equal(users, 2);
   * ```
   */
  *scanSync(options: ScanOptions = {}): Generator<[Uint8Array, Uint8Array]> {
    const plan = planScan(options, this.#readSequence(options.snapshot));
    const version = this.#live.pin();
    const source = this.#mergedIterator(version);
    try {
      yield* scanEntries(source, plan);
    } finally {
      source.close();
      this.#live.unpin(version);
    }
  }

  /**
   * Takes a snapshot: reads through it see the database as it is now.
   *
   * @returns The snapshot; release it when done (or declare it with `using`).
   * @throws {ClosedError} After `close()`.
   */
  snapshot(): Snapshot {
    this.#checkOpen();
    return this.#snapshots.take(this.#lastSequence);
  }

  /**
   * Writes everything in memory into tables and waits for it.
   *
   * @throws {ClosedError} After `close()`.
   * @throws {StoreFailedError} When a flush failed.
   */
  async flush(): Promise<void> {
    this.#checkOpen();
    await this.#queue.submit({ bytes: EMPTY, count: 0 }, false, true);
    while (this.#pool.immutables.length > 0) {
      this.#throwIfFailed();
      this.#checkOpen();
      await this.#background.progress;
    }
    this.#throwIfFailed();
  }

  /**
   * Flushes the memtables, then compacts every table holding keys in the range down to the
   * deepest level that holds tables, so that overwritten versions and deletes in the range
   * stop taking space (those a live snapshot can see stay).
   *
   * @param options `gte` and `lt`: the range (default: every key).
   * @throws {TypeError} When a bound is neither bytes nor a string.
   * @throws {ClosedError} After `close()`.
   * @throws {StoreFailedError} When a flush or compaction failed.
   *
   * @example Compacting after deleting a range
   * ```ts
   * import { Db } from "@cairn/cairn/lsm";
   * import { MemVfs } from "@cairn/cairn/vfs";
   * import assert from "node:assert/strict";
   *
   * await using db = await Db.open("/db", { vfs: new MemVfs() });
   * await db.batch().put("a", "1").put("b", "2").commit();
   * await db.delete("a");
   * await db.compact();
   * assert.deepEqual(db.stats().levels.map((level) => level.files).slice(0, 2), [0, 1]);
   * ```
   */
  async compact(options: { gte?: Bytes; lt?: Bytes } = {}): Promise<void> {
    const lower = options.gte === undefined ? undefined : keyBytes(options.gte, "Bound gte");
    const upper = options.lt === undefined ? undefined : keyBytes(options.lt, "Bound lt");
    await this.flush();
    await this.#background.compactRange(lower, upper);
    this.#throwIfFailed();
  }

  /**
   * Scrubs the database: reads every live table from end to end (verifying every block's
   * checksum) and checks the engine's invariants: files of a level below 0 are ordered
   * and do not overlap, every memtable and table is sorted and within its recorded bounds,
   * and a newer version of a key always sits above an older one. Writes may go on
   * meanwhile; the scrub gives the event loop a turn every millisecond.
   *
   * @returns What was read and every problem found (none on a healthy database).
   * @throws {ClosedError} After `close()`.
   *
   * @example Checking a database after compaction
   * ```ts
   * import { Db } from "@cairn/cairn/lsm";
   * import { MemVfs } from "@cairn/cairn/vfs";
   * import assert from "node:assert/strict";
   *
   * await using db = await Db.open("/db", { vfs: new MemVfs() });
   * await db.batch().put("a", "1").put("b", "2").commit();
   * await db.compact();
   * const report = await db.check();
   * assert.deepEqual(report.problems, []);
   * assert.equal(report.tables, 1);
   * ```
   */
  async check(): Promise<DbCheckReport> {
    this.#checkOpen();
    const version = this.#live.pin();
    const pool = this.#pool;
    const tables = this.#tables;
    try {
      return await checkConsistency({
        openMemtables: () => pool.iterators(),
        version,
        openTable: (file) => tables.reader(file.number).iterator(),
      });
    } finally {
      this.#live.unpin(version);
    }
  }

  /** Counters and sizes; a fresh object each call. */
  stats(): DbStats {
    const version = this.#live.current;
    const wal = this.#wal.stats();
    const cache = this.#blocks.stats;
    return {
      memtableBytes: this.#pool.bytes,
      immutableMemtables: this.#pool.immutables.length,
      levels: version.levels.map((files, level) => ({
        files: files.length,
        bytes: version.levelBytes(level),
      })),
      walBytes: wal.endPosition - Math.max(wal.firstPosition, this.#pool.flushedLogPosition),
      blockCache: { hits: cache.hits, misses: cache.misses, bytes: cache.bytes },
      slowdowns: this.#room.slowdowns,
      pendingCompactionBytes: this.#room.pendingCompactionBytes,
      stalls: this.#room.stalls,
      stallMillis: this.#room.stallMillis,
      ...this.#background.counters,
      writeAmplification: this.#userBytes === 0
        ? 0
        : (wal.writtenBytes + this.#background.counters.tableBytesWritten) / this.#userBytes,
      spaceAmplification: spaceAmplification(version),
      lastSequence: this.#lastSequence,
      snapshots: this.#snapshots.size,
    };
  }

  /**
   * Waits for in-flight writes and background work, syncs the WAL and closes every file.
   * Closing twice is harmless.
   *
   * @throws {StoreFailedError} When the final sync fails (the files are closed anyway).
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  /** Closes the database; see {@linkcode Db.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // -- internals --

  /** Queues a single put or delete, encoded straight into its WAL entry bytes. */
  #writeOne(kind: Kind, key: Uint8Array, value: Uint8Array, options: WriteOptions): Promise<void> {
    const sync = this.#syncOption(options);
    const bytes = new Uint8Array(entrySize(kind, key, value));
    writeEntry(bytes, 0, kind, key, value);
    return this.#queue.submit({ bytes, count: 1 }, sync);
  }

  /**
   * The `sync` of a write's options, defaulting to the database's.
   *
   * @throws {TypeError} When it is not a boolean.
   * @throws {ClosedError} After `close()`.
   */
  #syncOption(options: WriteOptions): boolean {
    const sync = options.sync === undefined ? this.#settings.sync : options.sync;
    if (typeof sync !== "boolean") throw new TypeError("Option sync must be a boolean");
    this.#checkOpen();
    return sync;
  }

  /** Applies a written group record to the active memtable and publishes it. */
  #apply(record: Uint8Array): void {
    const memtable = this.#pool.active.memtable;
    const { firstSeq, count } = groupHeader(record);
    let seq = firstSeq;
    let bytes = 0;
    forEachEntry(record, GROUP_HEADER_SIZE, count, (kind, key, value) => {
      memtable.add(key, seq++, kind, value);
      bytes += key.length + value.length;
    });
    this.#userBytes += bytes;
    this.#lastSequence = seq - 1;
  }

  #get(key: Uint8Array, sequence: number): Uint8Array | undefined {
    const found = this.#pool.get(key, sequence);
    if (found !== undefined) return found.kind === Kind.PUT ? found.value.slice() : undefined;
    const entry = this.#live.current.get(key, sequence, this.#tables);
    return entry !== undefined && entry.kind === Kind.PUT ? entry.value.slice() : undefined;
  }

  #readSequence(snapshot: Snapshot | undefined): number {
    this.#checkOpen();
    return snapshot === undefined
      ? this.#lastSequence
      : snapshotSequence(snapshot, this.#snapshots);
  }

  #mergedIterator(version: Version): InternalIterator {
    const tables = this.#tables;
    const children = this.#pool.iterators();
    for (const file of version.levels[0]!) children.push(tables.reader(file.number).iterator());
    for (const files of version.levels.slice(1)) {
      if (files.length > 0) {
        children.push(
          new LevelIterator(files, (file) => tables.reader((file as FileMeta).number).iterator()),
        );
      }
    }
    return new MergingIterator(children);
  }

  #checkOpen(): void {
    if (this.#state !== "open") throw new ClosedError("Database is closed");
  }

  /** Throws when a background task or the WAL failed: the database takes no more writes. */
  #throwIfFailed(): void {
    if (this.#background.failure !== undefined) {
      throw new StoreFailedError("Database failed in a background flush or compaction", {
        cause: this.#background.failure,
      });
    }
    if (this.#wal.failure !== undefined) {
      throw new StoreFailedError("Database failed on an earlier WAL write or sync", {
        cause: this.#wal.failure,
      });
    }
  }

  async #close(): Promise<void> {
    this.#state = "closing";
    await this.#queue.idle;
    await this.#background.stop(new ClosedError("Database is closed"));
    this.#workers?.flush.close();
    this.#workers?.compaction.close();
    this.#state = "closed";
    let failure: unknown;
    for (const log of [this.#wal, this.#manifest]) {
      try {
        await log.close();
      } catch (error) {
        failure ??= error;
      }
    }
    this.#tables.close();
    this.#lock.release();
    if (failure !== undefined) throw failure;
  }
}

const EMPTY: Uint8Array = new Uint8Array(0);

/** All table bytes over the bytes of the deepest non-empty level's tables. */
function spaceAmplification(version: Version): number {
  let total = 0;
  let deepest = 0;
  for (let level = 0; level < version.levels.length; level++) {
    const bytes = version.levelBytes(level);
    total += bytes;
    if (bytes > 0) deepest = bytes;
  }
  return deepest === 0 ? 1 : total / deepest;
}
