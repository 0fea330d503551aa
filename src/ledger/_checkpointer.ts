// The checkpoints of a ledger store. A checkpoint flushes every memtable, syncs every
// workspace written since the last one, records (CHECKPOINT, replaced atomically) the
// journal position they cover and each ledger's state and durable file lengths, removes
// the journal segments before that position, then removes the files of deleted ledgers.
// One runs at a time; one starts by itself each `checkpointBytes` of applied journal.

import { StoreFailedError } from "../errors.ts";
import type { Histogram } from "../metrics/histogram.ts";
import type { RecordLog } from "../record/record_log.ts";
import type { Vfs } from "../vfs/vfs.ts";
import { type CheckpointLedger, writeCheckpoint } from "./_checkpoint_file.ts";
import type { LedgerTable } from "./_ledger_table.ts";
import type { Workspace } from "./_workspace.ts";

/** What a checkpointer works on. */
export interface CheckpointerSetup {
  vfs: Vfs;
  /** The store's directory (where CHECKPOINT lives). */
  dir: string;
  table: LedgerTable;
  journal: RecordLog;
  /** The journal position the last checkpoint (or replay) reached. */
  position: number;
  checkpointBytes: number;
  /** Writes one ledger's memtable to its files. */
  flush: (workspace: Workspace) => void;
  /** Poisons the store. */
  fail: (error: unknown) => void;
  /** The store's failure, if any: no checkpoint runs after one. */
  failure: () => unknown;
  seconds: Histogram;
}

/** Takes checkpoints, one at a time. */
export class Checkpointer {
  readonly #setup: CheckpointerSetup;
  /** The position of the last journal record applied (replay restarts there). */
  #applied: number;
  #checkpointed: number;
  #run: Promise<void> = Promise.resolve();
  #auto = false;

  constructor(setup: CheckpointerSetup) {
    this.#setup = setup;
    this.#applied = setup.position;
    this.#checkpointed = setup.position;
  }

  /** Notes that the journal record at `position` has applied; may start a checkpoint. */
  applied(position: number): void {
    this.#applied = position;
    if (this.#auto || position - this.#checkpointed < this.#setup.checkpointBytes) return;
    this.#auto = true;
    this.queue().catch(() => {}).finally(() => this.#auto = false);
  }

  /** Runs a checkpoint after any running one. */
  queue(): Promise<void> {
    const run = this.#run.catch(() => {}).then(() => this.#checkpoint());
    this.#run = run;
    return run;
  }

  /** Resolves once no checkpoint runs. */
  idle(): Promise<void> {
    return this.#run.catch(() => {});
  }

  async #checkpoint(): Promise<void> {
    const setup = this.#setup;
    const cause = setup.failure();
    if (cause !== undefined) {
      throw new StoreFailedError("Ledger store failed on an earlier write or sync", { cause });
    }
    const started = performance.now();
    try {
      const position = this.#applied;
      const ledgers: CheckpointLedger[] = [];
      const dirty: Workspace[] = [];
      for (const workspace of setup.table.live.values()) {
        if (!workspace.created) continue;
        setup.flush(workspace);
        ledgers.push(workspace.checkpointState());
        if (workspace.dirty) dirty.push(workspace);
      }
      const removals = [...setup.table.deleted];
      const dirDirty = setup.table.dirDirty;
      setup.table.dirDirty = false;
      await Promise.all(dirty.map((workspace) => workspace.sync()));
      if (dirDirty) await setup.vfs.syncDir(setup.table.dir);
      await writeCheckpoint(setup.vfs, setup.dir, { journalPosition: position, ledgers });
      this.#checkpointed = position;
      await setup.journal.removeBefore(position);
      if (removals.length > 0) {
        setup.table.removeDeleted(removals);
        await setup.vfs.syncDir(setup.table.dir);
      }
    } catch (error) {
      setup.fail(error);
      if (error instanceof StoreFailedError) throw error;
      throw new StoreFailedError("Ledger store checkpoint failed", { cause: error });
    }
    setup.seconds.record((performance.now() - started) / 1000);
  }
}
