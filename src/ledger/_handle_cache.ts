// Open file handles of ledger workspaces, bounded: each ledger holds two files, so a store
// with many ledgers keeps only the most recently used `maxOpenLedgers` open and reopens
// the others on use.

/** What the cache needs of a workspace. */
export interface HandleHolder {
  /** Closes the holder's handles unless a call is using them; true when closed. */
  releaseHandles(): boolean;
}

/** The workspaces whose handles are open, least recently used first. */
export class HandleCache {
  readonly #open = new Set<HandleHolder>();
  readonly #max: number;
  /** The holder touched last: touching it again changes nothing. */
  #last: HandleHolder | undefined;

  constructor(maxOpen: number) {
    this.#max = maxOpen;
  }

  /** How many holders have their handles open. */
  get size(): number {
    return this.#open.size;
  }

  /** Marks `holder` as just used; closes the least recently used others beyond the bound. */
  touch(holder: HandleHolder): void {
    if (holder === this.#last) return;
    this.#last = holder;
    this.#open.delete(holder);
    this.#open.add(holder);
    this.trim(holder);
  }

  /** Closes the least recently used holders (but `keep`) until within the bound. */
  trim(keep?: HandleHolder): void {
    for (const other of this.#open) {
      if (this.#open.size <= this.#max) break;
      if (other === keep || !other.releaseHandles()) continue;
      this.#open.delete(other);
      if (other === this.#last) this.#last = undefined;
    }
  }

  /** Drops `holder` (its handles are closed). */
  forget(holder: HandleHolder): void {
    if (holder === this.#last) this.#last = undefined;
    this.#open.delete(holder);
  }
}
