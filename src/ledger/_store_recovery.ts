// Opening a ledger store's files: the checkpoint, the workspaces it names (cut back to
// their durable lengths), and the journal replayed from the checkpoint's position.

import { CorruptionError } from "../errors.ts";
import type { MetricsRegistry } from "../metrics/registry.ts";
import { RecordLog } from "../record/record_log.ts";
import { joinPath } from "../vfs/_path.ts";
import type { Vfs } from "../vfs/vfs.ts";
import { CHECKPOINT_TEMP_FILE, readCheckpoint } from "./_checkpoint_file.ts";
import { ADD_HEADER_SIZE } from "./_journal_records.ts";
import { LedgerTable } from "./_ledger_table.ts";
import type { StoreSettings } from "./_store_options.ts";
import { ledgerFileNames, Workspace } from "./_workspace.ts";

export const JOURNAL_DIR = "journal";
export const LEDGERS_DIR = "ledgers";

/** A store's state after recovery. */
export interface RecoveredStore {
  journal: RecordLog;
  table: LedgerTable;
  /** The position of the last journal record applied. */
  position: number;
  /** Journal records replayed past the checkpoint. */
  replayed: number;
}

/**
 * Recovers the store in `dir`. REQUIRES: the caller holds the directory's lock.
 *
 * @throws {CorruptionError} When a file is damaged (other than a torn journal tail).
 */
export async function recoverStore(
  vfs: Vfs,
  dir: string,
  settings: StoreSettings,
  registry: MetricsRegistry,
): Promise<RecoveredStore> {
  const table = new LedgerTable(vfs, joinPath(dir, LEDGERS_DIR), settings.maxOpenLedgers);
  let journal: RecordLog | undefined;
  try {
    const temp = joinPath(dir, CHECKPOINT_TEMP_FILE);
    if (vfs.exists(temp)) vfs.remove(temp);
    const checkpoint = readCheckpoint(vfs, dir);
    for (const saved of checkpoint?.ledgers ?? []) {
      table.live.set(saved.ledgerId, Workspace.load(vfs, table.dir, saved, table.handles));
    }
    await removeStrayFiles(vfs, table);
    journal = await RecordLog.open(joinPath(dir, JOURNAL_DIR), {
      vfs,
      lock: false,
      sync: true,
      segmentSize: settings.journalSegmentSize,
      maxRecordSize: settings.maxEntrySize + ADD_HEADER_SIZE,
      metrics: registry,
    });
    const from = checkpoint?.journalPosition;
    checkJournalCovers(journal, from);
    const replayed = table.replay(journal, from, settings.maxMemtableBytes);
    return { journal, table, position: replayed.last ?? from ?? 0, replayed: replayed.count };
  } catch (error) {
    for (const workspace of table.live.values()) workspace.close();
    await journal?.close().catch(() => {});
    throw error;
  }
}

/**
 * Checks that the journal still holds the record the checkpoint names (0: none yet).
 *
 * @throws {CorruptionError} When it lies outside the journal's live records.
 */
function checkJournalCovers(journal: RecordLog, from: number | undefined): void {
  if (from === undefined || from === 0) return;
  const { firstPosition, endPosition } = journal.stats();
  if (from < firstPosition || from >= endPosition) {
    const { path } = journal.locate(firstPosition);
    throw new CorruptionError(
      path,
      0,
      `journal holds positions ${firstPosition} to ${endPosition}, not the checkpoint's ${from}`,
    );
  }
}

/** Removes files in the ledgers directory that the checkpoint does not name. */
async function removeStrayFiles(vfs: Vfs, table: LedgerTable): Promise<void> {
  const named = new Set<string>();
  for (const id of table.live.keys()) for (const name of ledgerFileNames(id)) named.add(name);
  let removed = false;
  for (const name of vfs.list(table.dir)) {
    if (named.has(name)) continue;
    vfs.remove(joinPath(table.dir, name));
    removed = true;
  }
  if (removed) await vfs.syncDir(table.dir);
}
