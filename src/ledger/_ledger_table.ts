// The ledgers of one store and the effects of journal records on them. The live store
// applies each record to the workspace it was issued for, once durable; replay at open
// finds the workspace by id. Every effect is idempotent, so replay may start at a record
// that the checkpoint already reflects.

import { CorruptionError } from "../errors.ts";
import { HandleCache } from "./_handle_cache.ts";
import type { RecordLog } from "../record/record_log.ts";
import { joinPath } from "../vfs/_path.ts";
import type { Vfs } from "../vfs/vfs.ts";
import {
  decodeJournalRecord,
  FLAG_CREATE,
  JournalKind,
  type JournalRecord,
} from "./_journal_records.ts";
import { CLOSED, FENCED, ledgerFileNames, Workspace } from "./_workspace.ts";
import type { LedgerInfo } from "./types.ts";

/** The ledgers of a store, and the bytes their memtables hold. */
export class LedgerTable {
  readonly #vfs: Vfs;
  /** The directory of the ledgers' files. */
  readonly dir: string;
  /** Ledgers by id, from the moment their creation is issued. */
  readonly live: Map<number, Workspace> = new Map();
  /** Ledgers whose deletion is issued and whose files are not yet removed. */
  readonly deleting: Map<number, Workspace> = new Map();
  /** Ledgers whose DELETE has applied: their files go at the next checkpoint. */
  readonly deleted: Set<Workspace> = new Set();
  memtableBytes = 0;
  /** Whether files were created since the directory was last synced. */
  dirDirty = false;

  /** The ledgers whose files are open (at most `maxOpenLedgers`). */
  readonly handles: HandleCache;

  constructor(vfs: Vfs, dir: string, maxOpenLedgers: number) {
    this.#vfs = vfs;
    this.dir = dir;
    this.handles = new HandleCache(maxOpenLedgers);
  }

  /** Creates the files of an issued ledger whose creation applies now. */
  applyCreate(workspace: Workspace): void {
    if (workspace.created) return;
    workspace.createFiles(this.#vfs, this.dir, this.handles);
    this.dirDirty = true;
  }

  /** Applies an add; a held entry is left alone. @returns Whether it was new. */
  applyAdd(workspace: Workspace, entryId: number, payload: Uint8Array, lac: number): boolean {
    this.applyCreate(workspace);
    if (lac > workspace.lac) workspace.lac = lac;
    if (workspace.has(entryId)) return false;
    this.memtableBytes += workspace.put(entryId, payload, lac);
    return true;
  }

  /** Applies a LAC sent without an entry. */
  applyLac(workspace: Workspace, lac: number): void {
    this.applyCreate(workspace);
    if (lac > workspace.lac) workspace.lac = lac;
  }

  /** Applies a fence or a close. */
  applyFlags(workspace: Workspace, flags: number): void {
    this.applyCreate(workspace);
    workspace.flags |= flags;
    workspace.issuedFlags |= flags;
  }

  /** Applies a delete: the memtable is dropped and the files wait for the next checkpoint. */
  applyDelete(workspace: Workspace): void {
    this.memtableBytes -= workspace.memtableBytes;
    workspace.memtable.clear();
    workspace.memtableBytes = 0;
    workspace.close();
    this.deleted.add(workspace);
  }

  /** Flushes one ledger's memtable to its files. */
  flush(workspace: Workspace): number {
    const freed = workspace.flush();
    this.memtableBytes -= freed;
    return freed;
  }

  /** Removes the files of deleted ledgers (those applied before the call). */
  removeDeleted(workspaces: readonly Workspace[]): void {
    for (const workspace of workspaces) {
      for (const name of ledgerFileNames(workspace.ledgerId)) {
        const path = joinPath(this.dir, name);
        if (this.#vfs.exists(path)) this.#vfs.remove(path);
      }
      this.deleted.delete(workspace);
      if (this.deleting.get(workspace.ledgerId) === workspace) {
        this.deleting.delete(workspace.ledgerId);
      }
    }
  }

  /**
   * Replays the journal from `from` (every record when undefined), flushing memtables
   * whenever they hold `maxMemtableBytes`.
   *
   * @returns The position of the last record replayed, and how many there were after
   * `from` (the record at `from` is reflected by the checkpoint already).
   * @throws {CorruptionError} When a record is damaged or does not fit the ledgers.
   */
  replay(
    journal: RecordLog,
    from: number | undefined,
    maxMemtableBytes: number,
  ): { last: number | undefined; count: number } {
    let last: number | undefined;
    let count = 0;
    const options = from === undefined ? {} : { from };
    for (const { position, data } of journal.records(options)) {
      let record: JournalRecord;
      try {
        record = decodeJournalRecord(data);
      } catch (error) {
        throw this.#corrupt(journal, position, (error as Error).message);
      }
      this.#replayOne(journal, position, record);
      if (this.memtableBytes >= maxMemtableBytes) {
        for (const workspace of this.live.values()) this.flush(workspace);
      }
      last = position;
      if (position !== from) count++;
    }
    return { last, count };
  }

  #replayOne(journal: RecordLog, position: number, record: JournalRecord): void {
    let workspace = this.live.get(record.ledgerId);
    if (record.kind === JournalKind.DELETE) {
      if (workspace !== undefined) {
        this.live.delete(record.ledgerId);
        this.deleting.set(record.ledgerId, workspace);
        this.applyDelete(workspace);
      }
      return;
    }
    if (workspace === undefined) {
      const creates = record.kind === JournalKind.CREATE ||
        ((record.kind === JournalKind.ADD || record.kind === JournalKind.FENCE) &&
          (record.flags & FLAG_CREATE) !== 0);
      if (!creates) {
        throw this.#corrupt(journal, position, `record for unknown ledger ${record.ledgerId}`);
      }
      workspace = new Workspace(record.ledgerId);
      this.live.set(record.ledgerId, workspace);
    }
    switch (record.kind) {
      case JournalKind.CREATE:
        this.applyCreate(workspace);
        return;
      case JournalKind.ADD:
        this.applyAdd(workspace, record.entryId, record.payload.slice(), record.lac);
        return;
      case JournalKind.FENCE:
        this.applyFlags(workspace, FENCED);
        return;
      case JournalKind.CLOSE:
        this.applyFlags(workspace, CLOSED);
        return;
      case JournalKind.LAC:
        this.applyLac(workspace, record.lac);
        return;
    }
  }

  #corrupt(journal: RecordLog, position: number, detail: string): CorruptionError {
    const { path, offset } = journal.locate(position);
    return new CorruptionError(path, offset, `bad ledger journal record: ${detail}`);
  }
}

/** A workspace's state as the public {@linkcode LedgerInfo}. */
export function infoOf(workspace: Workspace): LedgerInfo {
  const flags = workspace.flags;
  return {
    ledgerId: workspace.ledgerId,
    state: flags & CLOSED ? "closed" : flags & FENCED ? "fenced" : "open",
    lac: workspace.lac,
    lastEntryId: workspace.lastEntryId,
    entries: workspace.entryCount,
  };
}
