// The memory budget of a store's memtables: flushes ledgers in the background (a timer
// turn after the adds that filled them) and makes adds wait while all memtables
// together hold `maxMemtableBytes` (back-pressure).

import type { LedgerTable } from "./_ledger_table.ts";
import type { Workspace } from "./_workspace.ts";

/** Schedules flushes and holds adds back while memory is full. */
export class MemtableBudget {
  readonly #table: LedgerTable;
  readonly #flushBytes: number;
  readonly #maxBytes: number;
  readonly #flush: (workspace: Workspace) => void;
  readonly #fail: (error: unknown) => void;
  readonly #due = new Set<Workspace>();
  #all = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #waiters: (() => void)[] = [];
  #stopped = false;

  /**
   * `flush` writes one ledger's memtable to its files; `fail` poisons the store when a
   * background flush throws.
   */
  constructor(
    table: LedgerTable,
    limits: { flushBytes: number; maxMemtableBytes: number },
    flush: (workspace: Workspace) => void,
    fail: (error: unknown) => void,
  ) {
    this.#table = table;
    this.#flushBytes = limits.flushBytes;
    this.#maxBytes = limits.maxMemtableBytes;
    this.#flush = flush;
    this.#fail = fail;
  }

  /** Whether adds must wait. */
  get full(): boolean {
    return this.#table.memtableBytes >= this.#maxBytes;
  }

  /** Notes an applied add: flushes its ledger, or every ledger, when due. */
  afterAdd(workspace: Workspace): void {
    if (workspace.memtableBytes >= this.#flushBytes) this.#due.add(workspace);
    if (this.#table.memtableBytes >= this.#maxBytes / 2) this.#all = true;
    if (this.#due.size > 0 || this.#all) this.#schedule();
  }

  /**
   * Waits while the memtables are full, flushing them meanwhile. `check` runs after each
   * wait and throws when the store can no longer take writes.
   */
  async room(check: () => void): Promise<void> {
    while (this.full) {
      this.#all = true;
      this.#schedule();
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
      check();
    }
  }

  /** Wakes the adds waiting for room (after a flush, a failure or close). */
  wake(): void {
    for (const resolve of this.#waiters.splice(0)) resolve();
  }

  /** Cancels the pending flush and wakes every waiter; later adds never wait. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.wake();
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const due = this.#all ? [...this.#table.live.values()] : [...this.#due];
      this.#all = false;
      this.#due.clear();
      try {
        for (const workspace of due) this.#flush(workspace);
      } catch (error) {
        this.#fail(error);
      }
      this.wake();
    }, 0);
  }
}
