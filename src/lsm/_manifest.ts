// The manifest: the record log of version edits that says which table files are live,
// the next file number, the last sequence and how much of the WAL is in tables. Its files
// are MANIFEST-000001, MANIFEST-000002, …; a new one starts with a full snapshot of the
// state (a reset edit), after which the older ones are removed, so replay from the oldest
// file left always ends in the right state.

import { CorruptionError } from "../errors.ts";
import { RecordLog } from "../record/record_log.ts";
import type { Vfs } from "../vfs/vfs.ts";
import { decodeEdit, encodeEdit, type VersionEdit } from "./_version_edit.ts";
import { Version } from "./_version.ts";

/** What the manifest says. */
export interface ManifestState {
  version: Version;
  nextFileNumber: number;
  lastSequence: number;
  /** WAL records before this position are in tables. */
  logPosition: number;
}

/** A manifest grows to this size before it is rewritten as one snapshot. */
const REWRITE_BYTES = 4 * 1024 * 1024;

/**
 * Records version edits durably and applies them. REQUIRES: one Manifest per directory,
 * under the database's lock.
 */
export class Manifest {
  readonly #log: RecordLog;
  #state: ManifestState;
  #queue: Promise<unknown> = Promise.resolve();
  #bytesSinceSnapshot = 0;

  private constructor(log: RecordLog, state: ManifestState) {
    this.#log = log;
    this.#state = state;
  }

  /**
   * Opens the manifest in `dir` (making an empty one for a new database), replays it,
   * and rewrites it as a single snapshot.
   *
   * @throws {CorruptionError} When a record or the state it describes is damaged.
   */
  static async open(vfs: Vfs, dir: string): Promise<Manifest> {
    const log = await RecordLog.open(dir, { vfs, prefix: "MANIFEST-", suffix: "", lock: false });
    try {
      let state: ManifestState = {
        version: Version.empty(),
        nextFileNumber: 1,
        lastSequence: 0,
        logPosition: 0,
      };
      for (const record of log.records()) {
        try {
          state = applyTo(state, decodeEdit(record.data));
        } catch (error) {
          if (!(error instanceof RangeError)) throw error;
          const { path, offset } = log.locate(record.position);
          throw new CorruptionError(path, offset, `bad version edit: ${error.message}`);
        }
      }
      const manifest = new Manifest(log, state);
      await manifest.#rewrite();
      return manifest;
    } catch (error) {
      await log.close().catch(() => {});
      throw error;
    }
  }

  /** The state after every edit applied so far. */
  get state(): ManifestState {
    return this.#state;
  }

  /** Takes a new file number (made durable by the next edit). */
  newFileNumber(): number {
    const state = this.#state;
    this.#state = { ...state, nextFileNumber: state.nextFileNumber + 1 };
    return state.nextFileNumber;
  }

  /**
   * Appends `edit` durably, then applies it. Edits are applied in call order.
   *
   * @returns The state after the edit.
   * @throws {StoreFailedError} When the manifest could not be written.
   */
  logAndApply(edit: VersionEdit): Promise<ManifestState> {
    const run = this.#queue.then(async () => {
      const next = applyTo(this.#state, edit);
      const full: VersionEdit = {
        ...edit,
        nextFileNumber: next.nextFileNumber,
        lastSequence: next.lastSequence,
      };
      const record = encodeEdit(full);
      await this.#log.append(record);
      // Numbers taken while the record was written (by the other background lane) stay taken.
      const taken = this.#state.nextFileNumber;
      this.#state = { ...next, nextFileNumber: Math.max(next.nextFileNumber, taken) };
      this.#bytesSinceSnapshot += record.length;
      if (this.#bytesSinceSnapshot > REWRITE_BYTES) await this.#rewrite();
      return next;
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  /** Waits for pending edits and closes the log. */
  async close(): Promise<void> {
    await this.#queue;
    await this.#log.close();
  }

  /** Starts a new manifest file with a snapshot edit, then removes the older files. */
  async #rewrite(): Promise<void> {
    const state = this.#state;
    const snapshot: VersionEdit = {
      reset: true,
      logPosition: state.logPosition,
      nextFileNumber: state.nextFileNumber,
      lastSequence: state.lastSequence,
      added: state.version.levels.flatMap((files, level) => files.map((file) => ({ level, file }))),
    };
    const start = await this.#log.roll();
    await this.#log.append(encodeEdit(snapshot));
    await this.#log.removeBefore(start);
    this.#bytesSinceSnapshot = 0;
  }
}

/**
 * The state after `edit`. Counters only grow.
 *
 * @throws {RangeError} When the edit does not fit the version.
 */
function applyTo(state: ManifestState, edit: VersionEdit): ManifestState {
  return {
    version: state.version.apply(edit),
    nextFileNumber: Math.max(state.nextFileNumber, edit.nextFileNumber ?? 0),
    lastSequence: Math.max(state.lastSequence, edit.lastSequence ?? 0),
    logPosition: Math.max(state.logPosition, edit.logPosition ?? 0),
  };
}
