// What the peer comparison asks of every store. Each adapter writes the way its store is meant
// to be used at its fastest documented setting; loops sit inside the adapters so that no
// store pays for an extra layer of calls.

/** A key and its value. */
export type Entry = readonly [Uint8Array, Uint8Array];

/** One open database of a store, durable or not for its whole life. */
export interface StoreHandle {
  /** Writes the entries as one batch (transaction, atomic operation). */
  writeBatch(entries: readonly Entry[]): Promise<void>;
  /** Writes one entry; resolves when the store has it (durably on a durable handle). */
  put(key: Uint8Array, value: Uint8Array): Promise<void>;
  /** Gets each key; returns how many were found. */
  readrandom(keys: readonly Uint8Array[]): Promise<number>;
  /** Reads every entry forward or backward; returns how many. */
  scan(reverse: boolean): Promise<number>;
  /** Reads up to `count` entries from the first key at or after `key`; returns how many. */
  seek(key: Uint8Array, count: number): Promise<number>;
  /** Compacts the whole key space as far as the store can. */
  compact(): Promise<void>;
  /** Closes the database. */
  close(): Promise<void>;
}

/** A store under comparison. */
export interface Store {
  /** The name printed in the table. */
  name: string;
  /** How its writes are configured, printed under the table. */
  setup: string;
  /** Opens (creating if needed) a database in the directory `dir`. */
  open(dir: string, durable: boolean): Promise<StoreHandle>;
}
