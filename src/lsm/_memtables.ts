// The memtable pool: one active memtable taking writes and the frozen (immutable) ones
// waiting for their flush, oldest first. Each memtable remembers where its WAL segment
// starts, so that the WAL before the oldest unflushed memtable can be removed.

import type { InternalIterator } from "./_iterator.ts";
import { Memtable } from "./memtable.ts";

/** A memtable and the WAL position where its records begin. */
export interface PooledMemtable {
  memtable: Memtable;
  walStart: number;
}

/** One active memtable and the immutable ones behind it. */
export class MemtablePool {
  active: PooledMemtable;
  /** Frozen memtables, oldest first. */
  readonly immutables: PooledMemtable[] = [];

  constructor(walStart: number) {
    this.active = { memtable: new Memtable(), walStart };
  }

  /** Freezes the active memtable and starts a new one whose WAL begins at `walStart`. */
  rotate(walStart: number): void {
    this.immutables.push(this.active);
    this.active = { memtable: new Memtable(), walStart };
  }

  /** Drops the oldest immutable memtable once its flush is recorded. */
  dropOldest(): void {
    this.immutables.shift();
  }

  /** The WAL position before which every record is in a table. */
  get flushedLogPosition(): number {
    return (this.immutables[0] ?? this.active).walStart;
  }

  /** The newest version of `key` at or below `seq`, newest memtable first. */
  get(key: Uint8Array, seq: number): { seq: number; kind: number; value: Uint8Array } | undefined {
    const active = this.active.memtable;
    const found = active.count === 0 ? undefined : active.get(key, seq);
    if (found !== undefined) return found;
    for (let i = this.immutables.length - 1; i >= 0; i--) {
      const entry = this.immutables[i]!.memtable.get(key, seq);
      if (entry !== undefined) return entry;
    }
    return undefined;
  }

  /** Iterators over every memtable, newest first. */
  iterators(): InternalIterator[] {
    const all = [this.active, ...[...this.immutables].reverse()];
    return all.map((pooled) => pooled.memtable.iterator());
  }

  /** Bytes held by all memtables. */
  get bytes(): number {
    return this.immutables.reduce(
      (sum, pooled) => sum + pooled.memtable.approximateBytes,
      this.active.memtable.approximateBytes,
    );
  }
}
