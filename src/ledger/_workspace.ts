// A ledger's private workspace on one store: its state (fenced, closed, LAC), a memtable
// of entries not yet written to its files, its entry log and its index. Entries enter the
// memtable once their journal record is durable; a flush writes the memtable to the
// entry log and the index (page cache only: the journal is the durability point until a
// checkpoint syncs the files). REQUIRES: one store owns the workspace and calls it from
// one thread.

import { equalBytes } from "../encoding/bytes.ts";
import { ClosedError, CorruptionError } from "../errors.ts";
import { joinPath } from "../vfs/_path.ts";
import type { Vfs, VfsFile } from "../vfs/vfs.ts";
import type { CheckpointLedger } from "./_checkpoint_file.ts";
import { EntryIndex } from "./_entry_index.ts";
import type { HandleCache, HandleHolder } from "./_handle_cache.ts";
import {
  checkFileHeader,
  ENTRY_LOG_MAGIC,
  FILE_HEADER_SIZE,
  fileHeader,
  INDEX_MAGIC,
  INDEX_RECORD_SIZE,
  loadIndex,
  LOG_RECORD_HEADER_SIZE,
  readLogRecord,
  writeIndexRecord,
  writeLogRecord,
} from "./_ledger_files.ts";

/** State flags, as stored in checkpoints. */
export const FENCED = 1;
export const CLOSED = 2;

/** The names of a ledger's files in the store's `ledgers` directory. */
export function ledgerFileNames(ledgerId: number): [string, string] {
  return [`${ledgerId}.entries`, `${ledgerId}.index`];
}

interface Files {
  vfs: Vfs;
  cache: HandleCache;
  logPath: string;
  indexPath: string;
  /** Open handles, or undefined while the cache has them closed. */
  log: VfsFile | undefined;
  index: VfsFile | undefined;
  /** Syncs in flight on the handles: they stay open meanwhile. */
  busy: number;
  /** Set by close(): the handles close once no sync uses them. */
  closed: boolean;
  entries: EntryIndex;
  logLength: number;
  indexLength: number;
  syncedLog: number;
  syncedIndex: number;
}

/** One ledger's workspace. */
export class Workspace implements HandleHolder {
  readonly ledgerId: number;
  /** Applied state: FENCED and CLOSED bits, durable in the journal. */
  flags = 0;
  /** The state once every write issued so far applies (writes are checked against it). */
  issuedFlags = 0;
  /** The highest LAC any applied add carried, -1 when none. */
  lac = -1;
  /** The highest entry id held, -1 when none. */
  lastEntryId = -1;
  /** Entries not yet flushed to the files, in arrival order. */
  readonly memtable: Map<number, Uint8Array> = new Map();
  memtableBytes = 0;
  /** Adds issued and not yet applied, by entry id. */
  readonly inFlight: Map<number, { payload: Uint8Array; done: Promise<void> }> = new Map();
  /** Long polls waiting for this ledger to change. */
  readonly waiters: Set<() => void> = new Set();
  #files: Files | undefined;

  constructor(ledgerId: number) {
    this.ledgerId = ledgerId;
  }

  /** Whether the CREATE of the ledger has applied (its files exist). */
  get created(): boolean {
    return this.#files !== undefined;
  }

  /** Entries held, in the memtable and the files. */
  get entryCount(): number {
    return this.memtable.size + (this.#files?.entries.count ?? 0);
  }

  /** Whether the files hold appends not yet synced. */
  get dirty(): boolean {
    const files = this.#files;
    return files !== undefined &&
      (files.logLength > files.syncedLog || files.indexLength > files.syncedIndex);
  }

  /** Creates the ledger's files, empty but for their headers. */
  createFiles(vfs: Vfs, dir: string, cache: HandleCache): void {
    const [logName, indexName] = ledgerFileNames(this.ledgerId);
    const logPath = joinPath(dir, logName);
    const indexPath = joinPath(dir, indexName);
    const log = vfs.open(logPath, { create: true, truncate: true });
    const index = vfs.open(indexPath, { create: true, truncate: true });
    log.append(fileHeader(ENTRY_LOG_MAGIC, this.ledgerId));
    index.append(fileHeader(INDEX_MAGIC, this.ledgerId));
    this.#files = {
      vfs,
      cache,
      logPath,
      indexPath,
      log,
      index,
      busy: 0,
      closed: false,
      entries: new EntryIndex(),
      logLength: FILE_HEADER_SIZE,
      indexLength: FILE_HEADER_SIZE,
      syncedLog: 0,
      syncedIndex: 0,
    };
    cache.touch(this);
  }

  /**
   * Opens the files of a ledger a checkpoint names, cuts what lies past its durable
   * lengths (the journal holds it) and loads the index.
   *
   * @throws {CorruptionError} When a file is shorter than recorded, or damaged.
   */
  static load(vfs: Vfs, dir: string, saved: CheckpointLedger, cache: HandleCache): Workspace {
    const workspace = new Workspace(saved.ledgerId);
    workspace.flags = saved.flags;
    workspace.issuedFlags = saved.flags;
    workspace.lac = saved.lac;
    workspace.lastEntryId = saved.lastEntryId;
    const [logName, indexName] = ledgerFileNames(saved.ledgerId);
    const logPath = joinPath(dir, logName);
    const indexPath = joinPath(dir, indexName);
    const log = openRecorded(vfs, logPath, saved.logLength);
    let index: VfsFile | undefined;
    try {
      index = openRecorded(vfs, indexPath, saved.indexLength);
      checkFileHeader(log, ENTRY_LOG_MAGIC, saved.ledgerId, "entry log");
      checkFileHeader(index, INDEX_MAGIC, saved.ledgerId, "index");
      const entries = loadIndex(index, saved.indexLength, saved.logLength);
      if (entries.lastId > saved.lastEntryId) {
        throw new CorruptionError(index.path, saved.indexLength, "index holds unknown entries");
      }
      workspace.#files = {
        vfs,
        cache,
        logPath,
        indexPath,
        log,
        index,
        busy: 0,
        closed: false,
        entries,
        logLength: saved.logLength,
        indexLength: saved.indexLength,
        syncedLog: saved.logLength,
        syncedIndex: saved.indexLength,
      };
      cache.touch(workspace);
      return workspace;
    } catch (error) {
      log.close();
      index?.close();
      throw error;
    }
  }

  /** Whether the entry is held (applied). */
  has(entryId: number): boolean {
    return this.memtable.has(entryId) || (this.#files?.entries.find(entryId) ?? -1) >= 0;
  }

  /**
   * Reads a held entry: from the memtable, else through the index from the entry log.
   *
   * @returns A copy owned by the caller, or undefined when the entry is not held.
   * @throws {CorruptionError} When the stored record fails its checks.
   */
  read(entryId: number): Uint8Array | undefined {
    const recent = this.memtable.get(entryId);
    if (recent !== undefined) return recent.slice();
    const files = this.#files;
    if (files === undefined) return undefined;
    const slot = files.entries.find(entryId);
    if (slot < 0) return undefined;
    return readLogRecord(
      this.#handles(files).log,
      files.entries.offset(slot),
      files.entries.length(slot),
      entryId,
    );
  }

  /** Whether a held entry has exactly these bytes. */
  holdsSame(entryId: number, payload: Uint8Array): boolean {
    const held = this.read(entryId);
    return held !== undefined && equalBytes(held, payload);
  }

  /**
   * Applies an add: the entry enters the memtable. REQUIRES: not held yet.
   *
   * @returns The bytes the memtable grew by.
   */
  put(entryId: number, payload: Uint8Array, lac: number): number {
    this.memtable.set(entryId, payload);
    this.memtableBytes += payload.length;
    if (entryId > this.lastEntryId) this.lastEntryId = entryId;
    if (lac > this.lac) this.lac = lac;
    return payload.length;
  }

  /**
   * Writes the memtable to the entry log and the index, one append each.
   *
   * @returns The bytes the memtable shrank by.
   */
  flush(): number {
    const files = this.#files;
    if (files === undefined || this.memtable.size === 0) return 0;
    const logBytes = new Uint8Array(
      this.memtableBytes + this.memtable.size * LOG_RECORD_HEADER_SIZE,
    );
    const indexBytes = new Uint8Array(this.memtable.size * INDEX_RECORD_SIZE);
    let at = 0;
    let slot = 0;
    for (const [entryId, payload] of this.memtable) {
      writeIndexRecord(indexBytes, slot, entryId, files.logLength + at, payload.length);
      at = writeLogRecord(logBytes, at, entryId, payload);
      slot += INDEX_RECORD_SIZE;
    }
    const handles = this.#handles(files);
    handles.log.append(logBytes);
    files.logLength += logBytes.length;
    handles.index.append(indexBytes);
    files.indexLength += indexBytes.length;
    let offset = files.logLength - logBytes.length;
    for (const [entryId, payload] of this.memtable) {
      files.entries.insert(entryId, offset, payload.length);
      offset += LOG_RECORD_HEADER_SIZE + payload.length;
    }
    const freed = this.memtableBytes;
    this.memtable.clear();
    this.memtableBytes = 0;
    return freed;
  }

  /** The state a checkpoint records. REQUIRES: the files exist and the memtable is flushed. */
  checkpointState(): CheckpointLedger {
    const files = this.#files!;
    return {
      ledgerId: this.ledgerId,
      flags: this.flags,
      lac: this.lac,
      lastEntryId: this.lastEntryId,
      logLength: files.logLength,
      indexLength: files.indexLength,
    };
  }

  /** Syncs both files; what was appended before the call is durable once it resolves. */
  async sync(): Promise<void> {
    const files = this.#files;
    if (files === undefined) return;
    const log = files.logLength;
    const index = files.indexLength;
    const handles = this.#handles(files);
    files.busy++;
    try {
      await Promise.all([handles.log.syncData(), handles.index.syncData()]);
    } finally {
      files.busy--;
      if (files.closed) this.releaseHandles();
      else files.cache.trim();
    }
    files.syncedLog = Math.max(files.syncedLog, log);
    files.syncedIndex = Math.max(files.syncedIndex, index);
  }

  /** Closes the handles unless a sync is using them. @returns Whether they are closed. */
  releaseHandles(): boolean {
    const files = this.#files;
    if (files === undefined) return true;
    if (files.busy > 0) return false;
    files.log?.close();
    files.index?.close();
    files.log = undefined;
    files.index = undefined;
    return true;
  }

  /** The open handles, reopened when the cache closed them. */
  #handles(files: Files): { log: VfsFile; index: VfsFile } {
    if (files.closed) throw new ClosedError(`Ledger ${this.ledgerId} is closed`);
    files.log ??= files.vfs.open(files.logPath);
    files.index ??= files.vfs.open(files.indexPath);
    files.cache.touch(this);
    return { log: files.log, index: files.index };
  }

  /** Wakes every long poll. */
  wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Closes the files (once no sync uses them). */
  close(): void {
    const files = this.#files;
    if (files === undefined) return;
    files.closed = true;
    files.cache.forget(this);
    this.releaseHandles();
  }
}

/**
 * Opens a file a checkpoint names and cuts it to its recorded durable length.
 *
 * @throws {CorruptionError} When it is missing or shorter.
 */
function openRecorded(vfs: Vfs, path: string, length: number): VfsFile {
  if (!vfs.exists(path)) throw new CorruptionError(path, 0, "ledger file is missing");
  const file = vfs.open(path);
  const size = file.size();
  if (size < length) {
    file.close();
    throw new CorruptionError(path, size, `file is shorter than the ${length} bytes recorded`);
  }
  if (size > length) file.truncate(length);
  return file;
}
