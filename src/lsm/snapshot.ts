// Snapshots: a pinned sequence number. Reads through a snapshot see the database exactly
// as it was when the snapshot was taken; compaction keeps every version a live snapshot
// can see.

import { ClosedError } from "../errors.ts";

/**
 * A consistent point-in-time view of a database, taken by `Db.snapshot()`. Pass it to
 * `get` and `scan`; release it when done (or declare it with `using`), so that
 * compaction may drop the old versions it kept for it.
 *
 * @example Reading the past
 * ```ts
 * import { Db } from "@cairn/cairn/lsm";
 * import { MemVfs } from "@cairn/cairn/vfs";
 * import assert from "node:assert/strict";
 *
 * const db = await Db.open("/db", { vfs: new MemVfs() });
 * await db.put("k", "old");
 * {
 *   using snapshot = db.snapshot();
 *   await db.put("k", "new");
 *   assert.deepEqual(await db.get("k", { snapshot }), new TextEncoder().encode("old"));
 * }
 * await db.close();
 * ```
 */
export class Snapshot {
  /** The sequence number of the last write the snapshot sees. */
  readonly sequence: number;

  /**
   * Made by `Db.snapshot()`; a snapshot made directly belongs to no database.
   *
   * @param sequence The sequence number of the last write the snapshot sees.
   */
  constructor(sequence: number) {
    this.sequence = sequence;
  }

  /** Whether the snapshot has been released (or belongs to no database). */
  get released(): boolean {
    return !owners.has(this);
  }

  /** Releases the snapshot; releasing twice is harmless. */
  release(): void {
    owners.get(this)?.remove(this);
    owners.delete(this);
  }

  /** Releases the snapshot; see {@linkcode Snapshot.release}. */
  [Symbol.dispose](): void {
    this.release();
  }
}

const owners = new WeakMap<Snapshot, SnapshotList>();

/**
 * The sequence to read at through `snapshot`, for the database that owns `list`.
 *
 * @throws {ClosedError} When the snapshot was released.
 * @throws {TypeError} When it belongs to another database.
 */
export function snapshotSequence(snapshot: Snapshot, list: SnapshotList): number {
  if (!(snapshot instanceof Snapshot)) throw new TypeError("Option snapshot must be a Snapshot");
  const owner = owners.get(snapshot);
  if (owner === undefined) throw new ClosedError("Snapshot was released");
  if (owner !== list) throw new TypeError("Snapshot belongs to another database");
  return snapshot.sequence;
}

/** The live snapshots of a database, for compaction to know the oldest. */
export class SnapshotList {
  #live = new Map<Snapshot, number>();

  /** Takes a snapshot at `sequence`. */
  take(sequence: number): Snapshot {
    const snapshot = new Snapshot(sequence);
    owners.set(snapshot, this);
    this.#live.set(snapshot, sequence);
    return snapshot;
  }

  /** Forgets a snapshot. */
  remove(snapshot: Snapshot): void {
    this.#live.delete(snapshot);
  }

  /** The sequences of the live snapshots, ascending. */
  sequences(): number[] {
    return [...this.#live.values()].sort((a, b) => a - b);
  }

  /** How many snapshots are live. */
  get size(): number {
    return this.#live.size;
  }
}
