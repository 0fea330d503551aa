// The workings of a ledger store behind its public face (ledger_store.ts, which checks
// arguments): the journal writes and their effects applied in issue order, the state
// checks of adds, the memtable budget, checkpoints, failure and close.

import { equalBytes } from "../encoding/bytes.ts";
import { ClosedError, StoreFailedError } from "../errors.ts";
import type { MetricsRegistry } from "../metrics/registry.ts";
import type { RecordLog } from "../record/record_log.ts";
import type { Vfs } from "../vfs/vfs.ts";
import { Checkpointer } from "./_checkpointer.ts";
import {
  ADD_HEADER_SIZE,
  encodeAdd,
  encodeLac,
  encodeLedgerOp,
  FLAG_CREATE,
  FLAG_RECOVERY,
  JournalKind,
} from "./_journal_records.ts";
import { infoOf, type LedgerTable } from "./_ledger_table.ts";
import { MemtableBudget } from "./_memtable_budget.ts";
import { OrderedApply } from "./_ordered_apply.ts";
import { StoreMetrics } from "./_store_metrics.ts";
import type { StoreSettings } from "./_store_options.ts";
import { CLOSED, FENCED, Workspace } from "./_workspace.ts";
import {
  EntryConflictError,
  LedgerClosedError,
  LedgerExistsError,
  LedgerFencedError,
  NoSuchLedgerError,
} from "./errors.ts";
import type { LedgerInfo } from "./types.ts";

/** What a store is made of once recovered. */
export interface StoreParts {
  vfs: Vfs;
  dir: string;
  journal: RecordLog;
  table: LedgerTable;
  settings: StoreSettings;
  registry: MetricsRegistry;
  /** The position of the last journal record applied. */
  position: number;
}

/** The store's state and write path. REQUIRES: callers have checked their arguments. */
export class StoreCore {
  readonly journal: RecordLog;
  readonly table: LedgerTable;
  readonly settings: StoreSettings;
  readonly metrics: StoreMetrics;
  readonly #apply = new OrderedApply();
  readonly #checkpointer: Checkpointer;
  readonly #budget: MemtableBudget;
  #failure: unknown;
  #closing = false;

  constructor(parts: StoreParts) {
    this.journal = parts.journal;
    this.table = parts.table;
    this.settings = parts.settings;
    this.metrics = new StoreMetrics(parts.registry, parts.dir.split("/").at(-1) || "/");
    const flush = (workspace: Workspace) => this.#flushOne(workspace);
    const fail = (error: unknown) => this.#fail(error);
    this.#budget = new MemtableBudget(parts.table, parts.settings, flush, fail);
    this.#checkpointer = new Checkpointer({
      vfs: parts.vfs,
      dir: parts.dir,
      table: parts.table,
      journal: parts.journal,
      position: parts.position,
      checkpointBytes: parts.settings.checkpointBytes,
      flush,
      fail,
      failure: () => this.failureCause(),
      seconds: this.metrics.checkpointSeconds,
    });
  }

  /** Writes the CREATE of a new ledger. */
  async create(ledgerId: number): Promise<void> {
    this.checkWritable();
    if (this.table.live.has(ledgerId)) throw new LedgerExistsError(ledgerId);
    const workspace = this.#newWorkspace(ledgerId);
    const written = this.journal.append(encodeLedgerOp(JournalKind.CREATE, ledgerId));
    await this.#applyInOrder(written, () => this.table.applyCreate(workspace));
  }

  /** Adds an entry: the state and idempotency checks, the journal write, the memtable. */
  async add(
    ledgerId: number,
    entryId: number,
    payload: Uint8Array,
    options: { lac: number; recovery: boolean; create: boolean },
  ): Promise<void> {
    this.checkWritable();
    const started = performance.now();
    if (this.#budget.full) {
      this.metrics.backPressureWaits.add();
      await this.#budget.room(() => this.checkWritable());
    }
    let workspace = this.table.live.get(ledgerId);
    if (workspace === undefined) {
      if (!options.create) throw new NoSuchLedgerError(ledgerId);
      workspace = this.#newWorkspace(ledgerId);
    }
    const pending = workspace.inFlight.get(entryId);
    if (pending !== undefined) {
      if (!equalBytes(pending.payload, payload)) throw new EntryConflictError(ledgerId, entryId);
      return await pending.done;
    }
    if (workspace.has(entryId)) {
      if (!workspace.holdsSame(entryId, payload)) throw new EntryConflictError(ledgerId, entryId);
      return;
    }
    if (workspace.issuedFlags & CLOSED) throw new LedgerClosedError(ledgerId);
    if ((workspace.issuedFlags & FENCED) && !options.recovery) {
      throw new LedgerFencedError(ledgerId);
    }
    const flags = (options.create ? FLAG_CREATE : 0) | (options.recovery ? FLAG_RECOVERY : 0);
    const record = encodeAdd(ledgerId, entryId, options.lac, flags, payload);
    const held = record.subarray(ADD_HEADER_SIZE);
    const target = workspace;
    const done = this.#applyInOrder(this.journal.append(record), () => {
      if (!this.table.applyAdd(target, entryId, held, options.lac)) return;
      this.metrics.adds.add();
      this.metrics.addedBytes.add(held.length);
      target.wake();
      this.#budget.afterAdd(target);
    });
    workspace.inFlight.set(entryId, { payload: held, done });
    try {
      await done;
    } finally {
      if (target.inFlight.get(entryId)?.done === done) target.inFlight.delete(entryId);
    }
    this.metrics.addSeconds.record((performance.now() - started) / 1000);
  }

  /** Writes a FENCE or a CLOSE unless the ledger has the flag already. */
  async setFlag(ledgerId: number, flag: number, create: boolean): Promise<LedgerInfo> {
    this.checkWritable();
    let workspace = this.table.live.get(ledgerId);
    if (workspace === undefined) {
      if (!create) throw new NoSuchLedgerError(ledgerId);
      workspace = this.#newWorkspace(ledgerId);
    }
    if ((workspace.flags & flag) === 0) {
      workspace.issuedFlags |= flag;
      const kind = flag === FENCED ? JournalKind.FENCE : JournalKind.CLOSE;
      const target = workspace;
      const written = this.journal.append(
        encodeLedgerOp(kind, ledgerId, create ? FLAG_CREATE : 0),
      );
      await this.#applyInOrder(written, () => {
        this.table.applyFlags(target, flag);
        target.wake();
      });
    }
    return infoOf(workspace);
  }

  /** Writes a LAC record. */
  async updateLac(ledgerId: number, lac: number): Promise<LedgerInfo> {
    this.checkWritable();
    const workspace = this.table.live.get(ledgerId);
    if (workspace === undefined) throw new NoSuchLedgerError(ledgerId);
    const written = this.journal.append(encodeLac(ledgerId, lac));
    await this.#applyInOrder(written, () => {
      this.table.applyLac(workspace, lac);
      workspace.wake();
    });
    return infoOf(workspace);
  }

  /** Writes a DELETE, then waits for the checkpoint that removes the ledger's files. */
  async delete(ledgerId: number): Promise<void> {
    this.checkWritable();
    const workspace = this.table.live.get(ledgerId);
    if (workspace === undefined) throw new NoSuchLedgerError(ledgerId);
    this.table.live.delete(ledgerId);
    this.table.deleting.set(ledgerId, workspace);
    const written = this.journal.append(encodeLedgerOp(JournalKind.DELETE, ledgerId));
    await this.#applyInOrder(written, () => {
      this.table.applyDelete(workspace);
      workspace.wake();
    });
    await this.#checkpointer.queue();
  }

  /** Runs a checkpoint after any running one. */
  checkpoint(): Promise<void> {
    return this.#checkpointer.queue();
  }

  /** The workspace of a ledger whose creation is durable, for reads. */
  readable(ledgerId: number): Workspace {
    this.checkOpen();
    const workspace = this.table.live.get(ledgerId);
    if (workspace === undefined || !workspace.created) throw new NoSuchLedgerError(ledgerId);
    return workspace;
  }

  /** Why a long poll on `workspace` must end, if it must. */
  pollEnd(workspace: Workspace): Error | undefined {
    if (this.#closing) return new ClosedError("Ledger store is closed");
    if (this.table.live.get(workspace.ledgerId) !== workspace) {
      return new NoSuchLedgerError(workspace.ledgerId);
    }
    return undefined;
  }

  /**
   * Waits for in-flight writes, takes a final checkpoint unless failed, and closes the
   * journal and every file.
   *
   * @throws {StoreFailedError} When the store had failed or the final checkpoint fails.
   */
  async close(): Promise<void> {
    this.#closing = true;
    await this.#apply.drained();
    let error: unknown;
    if (this.failureCause() === undefined) {
      await this.#checkpointer.queue().catch((failed) => error = failed);
    } else {
      await this.#checkpointer.idle();
    }
    this.#budget.stop();
    const workspaces = [...this.table.live.values(), ...this.table.deleting.values()];
    for (const workspace of workspaces) workspace.wake();
    try {
      await this.journal.close();
    } catch (failed) {
      error ??= failed;
    } finally {
      for (const workspace of workspaces) workspace.close();
    }
    if (error !== undefined || this.#failure !== undefined) {
      if (error instanceof StoreFailedError) throw error;
      throw new StoreFailedError("Ledger store failed on an earlier write or sync", {
        cause: error ?? this.#failure,
      });
    }
  }

  /** The failure that poisoned the store, if any. */
  failureCause(): unknown {
    return this.#failure ?? this.journal.failure;
  }

  /** @throws {ClosedError} Once closing has begun. */
  checkOpen(): void {
    if (this.#closing) throw new ClosedError("Ledger store is closed");
  }

  /** @throws {ClosedError|StoreFailedError} When the store takes no writes. */
  checkWritable(): void {
    this.checkOpen();
    const cause = this.failureCause();
    if (cause !== undefined) {
      throw new StoreFailedError("Ledger store failed on an earlier write or sync", { cause });
    }
  }

  #newWorkspace(ledgerId: number): Workspace {
    if (this.table.deleting.has(ledgerId)) {
      throw new LedgerExistsError(ledgerId, "is being deleted");
    }
    const workspace = new Workspace(ledgerId);
    this.table.live.set(ledgerId, workspace);
    return workspace;
  }

  /**
   * Applies an effect once its journal write is durable, in issue order. A failed
   * effect poisons the store.
   */
  #applyInOrder(written: Promise<number>, apply: () => void): Promise<void> {
    return this.#apply.run(written, (position) => {
      try {
        apply();
      } catch (error) {
        this.#fail(error);
        throw new StoreFailedError("Ledger store failed to apply a journal record", {
          cause: error,
        });
      }
      this.#checkpointer.applied(position);
    });
  }

  #flushOne(workspace: Workspace): void {
    if (!workspace.created || workspace.memtable.size === 0) return;
    const freed = this.table.flush(workspace);
    this.metrics.flushes.add();
    this.metrics.flushedBytes.add(freed);
    this.#budget.wake();
  }

  #fail(error: unknown): void {
    this.#failure ??= error;
    this.#budget.wake();
  }
}
