// The internal iterator every source of entries implements (memtables, blocks, tables,
// levels) and the merging iterator combines. It walks internal keys: (user key, sequence,
// kind, value), ordered by user key ascending, then sequence descending.
//
// Rules every implementation keeps:
// 1. A new iterator is not valid until positioned by a seek.
// 2. key(), seq(), kind() and value() REQUIRE valid(). The arrays they return are owned
//    by the iterator and valid only until the next call that moves it; copy to keep.
// 3. next() and prev() REQUIRE valid(). Moving past either end makes it not valid.
// 4. seek(key, seq) positions at the first entry >= (key, seq) in internal order; to find
//    the newest version of a user key seek with seq = MAX_SEQUENCE.
// 5. seekForPrev(key, seq) positions at the last entry <= (key, seq) in internal order.
// 6. Damaged stored data throws CorruptionError from the call that reads it.
// 7. close() releases what the iterator pins; afterwards no call is legal.

/** The iterator over internal keys that every entry source exposes; see the rules above. */
export interface InternalIterator {
  /** Whether the iterator is positioned at an entry. */
  valid(): boolean;
  /** Positions at the first entry. */
  seekToFirst(): void;
  /** Positions at the last entry. */
  seekToLast(): void;
  /** Positions at the first entry at or after `(key, seq)` in internal order. */
  seek(key: Uint8Array, seq: number): void;
  /** Positions at the last entry at or before `(key, seq)` in internal order. */
  seekForPrev(key: Uint8Array, seq: number): void;
  /** Moves to the next entry. */
  next(): void;
  /** Moves to the previous entry. */
  prev(): void;
  /** The user key of the current entry. */
  key(): Uint8Array;
  /** The sequence number of the current entry. */
  seq(): number;
  /** The kind of the current entry (a `Kind` value). */
  kind(): number;
  /** The value of the current entry (empty for a delete). */
  value(): Uint8Array;
  /** Releases the iterator. */
  close(): void;
}
