// Reads the queue's files into its state: everything at open, then only what is new (the
// bytes appended and the files created or removed by other processes). With `repair` (the
// caller holds the directory or the append lock) it also cuts torn tails, finishes a
// segment removal a crash interrupted, and drops a segment whose creation was torn.

import { CorruptionError } from "../errors.ts";
import { readU64LE } from "../encoding/fixed.ts";
import { joinPath } from "../vfs/_path.ts";
import type { Vfs, VfsFile } from "../vfs/vfs.ts";
import {
  decodeMetaRecord,
  decodeStateRecord,
  FILE_HEADER_SIZE,
  FileKind,
  ITEM_INDEX_SIZE,
  type QueueNaming,
  type StateRecord,
  StateType,
} from "./_format.ts";
import {
  type FramedFileId,
  readFramedHeader,
  scanFramed,
  type ScanMode,
  type ScanResult,
} from "./_framed_file.ts";
import type { QueueState } from "./_queue_state.ts";
import { Segment } from "./_segment.ts";

/** What a load with repair must do through the writer's own handles. */
export interface Repairs {
  /** Cuts the file to `end` (a torn tail) and syncs it. */
  cut(id: FramedFileId, end: number): Promise<void>;
  /** Removes the files and syncs the directory. */
  remove(paths: readonly string[]): Promise<void>;
  /** Creates the meta file, or a missing state file of the newest segment, and syncs. */
  create(id: FramedFileId, firstIndex: number): Promise<void>;
}

/** Which of a segment's two files exist. */
interface SegmentFiles {
  items: boolean;
  state: boolean;
}

/** The files of one queue and what of them has been read. */
export class QueueLoader {
  readonly #vfs: Vfs;
  readonly #dir: string;
  readonly #naming: QueueNaming;
  readonly #state: QueueState;
  readonly meta: FramedFileId;
  #metaEnd = 0;
  #metaReader: VfsFile | undefined;
  /** The highest state-record index seen beyond its segment's items, plus one (0: none). */
  floor = 0;
  #loading: Promise<unknown> = Promise.resolve();
  readonly #rollAt: number;
  #probed = 0;

  /** `rollAt`: the size at which writers start a new segment (`maxFileSize`). */
  constructor(vfs: Vfs, dir: string, naming: QueueNaming, state: QueueState, rollAt: number) {
    this.#rollAt = rollAt;
    this.#vfs = vfs;
    this.#dir = dir;
    this.#naming = naming;
    this.#state = state;
    this.meta = { path: joinPath(dir, naming.meta), kind: FileKind.META, fileId: 0 };
  }

  /** Bytes of the meta file read so far. */
  get metaEnd(): number {
    return this.#metaEnd;
  }

  /** Records that the writer appended meta records up to `end` (applied by the writer). */
  advanceMeta(end: number): void {
    this.#metaEnd = end;
  }

  /**
   * Reads whatever is new. `repairs`: the caller holds the lock; repair what a crash left.
   * `stateOf`: read only the state files of these segments (those the caller appends to);
   * default all. Records left unread only ever settle more items, so a partial view never
   * wrongly shows an item settled.
   */
  load(repairs: Repairs | undefined, stateOf?: ReadonlySet<number>): Promise<void> {
    const run = this.#loading.then(() => this.#load(repairs, stateOf));
    this.#loading = run.catch(() => {});
    return run;
  }

  async #load(repairs: Repairs | undefined, stateOf?: ReadonlySet<number>): Promise<void> {
    // The first load lists the directory; later ones look only for the next segment ids,
    // since a live segment's files go only after a REMOVED record says so.
    const names = this.#metaEnd === 0 ? this.#vfs.list(this.#dir) : undefined;
    await this.#loadMeta(names ?? [], repairs);
    if (names === undefined && this.#state.last !== undefined) {
      this.#loadItems(this.#state.last, repairs === undefined ? "tail" : "repair");
    }
    const found = names === undefined ? this.#probeNewSegments() : this.#segmentFiles(names);
    const state = this.#state;
    const ids = [...found.keys()].sort((a, b) => a - b);
    const highest = ids.at(-1) ?? 0;
    if (repairs !== undefined) {
      const leftovers = ids.filter((id) => state.removed.has(id));
      if (leftovers.length > 0) await repairs.remove(leftovers.flatMap((id) => this.#paths(id)));
    }
    const newIds = ids.filter((id) => id > (state.last?.id ?? 0) && !state.removed.has(id));
    let expected = (state.last?.id ?? 0) + 1;
    for (const id of newIds) {
      for (; expected < id; expected++) {
        if (!state.removed.has(expected)) this.#missing(expected);
      }
      expected = id + 1;
      const entry = found.get(id)!;
      if (!entry.items) this.#missing(id);
      const segment = await this.#openSegment(id, entry.state, id === highest, repairs);
      if (segment === undefined) break;
      const previous = state.last;
      if (previous !== undefined) {
        this.#loadItems(previous, "whole");
        if (previous.id === id - 1 && previous.nextIndex !== segment.firstIndex) {
          throw new CorruptionError(
            segment.items.path,
            20,
            `first index ${segment.firstIndex} does not follow the previous segment's last ` +
              `item ${previous.nextIndex - 1}`,
          );
        }
        if (segment.firstIndex < previous.nextIndex) {
          throw new CorruptionError(segment.items.path, 20, "first index goes backwards");
        }
      }
      state.addSegment(segment);
    }
    const last = state.last;
    if (last !== undefined) {
      const result = this.#loadItems(last, repairs === undefined ? "tail" : "repair");
      if (repairs !== undefined && result.size > result.end) {
        await repairs.cut(last.items, result.end);
      }
    }
    for (const segment of state.segments) {
      if (stateOf === undefined || stateOf.has(segment.id) || names !== undefined) {
        await this.#loadState(segment, repairs);
      }
    }
  }

  /** Closes the read handles. */
  close(): void {
    this.#metaReader?.close();
    this.#metaReader = undefined;
  }

  /** The segment files among `names`, by segment id. */
  #segmentFiles(names: readonly string[]): Map<number, SegmentFiles> {
    const found = new Map<number, SegmentFiles>();
    for (const name of names) {
      const parsed = this.#naming.parse(name);
      if (parsed === undefined) continue;
      const entry = found.get(parsed.id) ?? { items: false, state: false };
      if (parsed.kind === FileKind.ITEMS) entry.items = true;
      else entry.state = true;
      found.set(parsed.id, entry);
    }
    return found;
  }

  /** The files of segments after the last one read (and of removed ones left behind). */
  #probeNewSegments(): Map<number, SegmentFiles> {
    const found = new Map<number, SegmentFiles>();
    const last = this.#state.last;
    // A writer starts a new segment when the last one is full (or, at an open after a power
    // loss, above lost items): look every time in the first case, now and then otherwise.
    const now = performance.now();
    if (last !== undefined && last.itemsEnd < this.#rollAt && now - this.#probed < 50) {
      return found;
    }
    this.#probed = now;
    for (let id = (last?.id ?? 0) + 1;; id++) {
      const [items, state] = this.#paths(id) as [string, string];
      const hasItems = this.#vfs.exists(items);
      const entry = {
        items: hasItems,
        state: (hasItems || this.#state.removed.has(id)) && this.#vfs.exists(state),
      };
      if (entry.items || entry.state) found.set(id, entry);
      else if (!this.#state.removed.has(id)) return found;
    }
  }

  #paths(id: number): string[] {
    return [
      joinPath(this.#dir, this.#naming.items(id)),
      joinPath(this.#dir, this.#naming.state(id)),
    ];
  }

  #missing(id: number): never {
    throw new CorruptionError(this.#paths(id)[0]!, 0, "segment file is missing");
  }

  async #loadMeta(names: readonly string[], repairs: Repairs | undefined): Promise<void> {
    if (this.#metaEnd === 0) {
      // A new queue: no segment file yet. Its meta file may be missing, or cut short by a
      // crash (or a killed process) in the middle of its creation.
      const fresh = !names.some((name) => this.#naming.parse(name) !== undefined);
      let exists = names.includes(this.#naming.meta);
      if (exists && fresh && repairs !== undefined) {
        const probe = this.#vfs.open(this.meta.path, { readOnly: true });
        const torn = readFramedHeader(probe, this.meta) === undefined;
        probe.close();
        if (torn) {
          await repairs.remove([this.meta.path]);
          exists = false;
        }
      }
      if (!exists) {
        if (repairs === undefined || !fresh) {
          throw new CorruptionError(this.meta.path, 0, "meta file is missing");
        }
        await repairs.create(this.meta, 0);
      }
      this.#metaReader = this.#vfs.open(this.meta.path, { readOnly: true });
      if (readFramedHeader(this.#metaReader, this.meta) === undefined) {
        throw new CorruptionError(this.meta.path, 0, "meta file header is cut short");
      }
      this.#metaEnd = FILE_HEADER_SIZE;
    }
    const file = this.#metaReader!;
    const result = scanFramed(
      file,
      this.meta,
      this.#metaEnd,
      repairs === undefined ? "tail" : "repair",
      (offset, data) => {
        const record = decodeMetaRecord(data);
        const applied = typeof record === "string"
          ? { problem: record }
          : this.#state.applyMeta(record);
        if (typeof applied === "object") {
          throw new CorruptionError(this.meta.path, offset, applied.problem);
        }
        return true;
      },
    );
    this.#metaEnd = result.end;
    if (repairs !== undefined && result.size > result.end) await repairs.cut(this.meta, result.end);
  }

  async #openSegment(
    id: number,
    hasState: boolean,
    newest: boolean,
    repairs: Repairs | undefined,
  ): Promise<Segment | undefined> {
    const [itemsPath, statePath] = this.#paths(id) as [string, string];
    const itemsId: FramedFileId = { path: itemsPath, kind: FileKind.ITEMS, fileId: id };
    const reader = this.#vfs.open(itemsPath, { readOnly: true });
    let firstIndex: number | undefined;
    try {
      firstIndex = readFramedHeader(reader, itemsId);
    } catch (error) {
      reader.close();
      throw error;
    }
    if (firstIndex === undefined) {
      reader.close();
      if (!newest) throw new CorruptionError(itemsPath, 0, "items file header is cut short");
      if (repairs !== undefined) {
        await repairs.remove(hasState ? [itemsPath, statePath] : [itemsPath]);
      }
      return undefined;
    }
    const segment = new Segment(id, firstIndex, itemsPath, statePath);
    segment.reader = reader;
    if (!hasState) {
      if (!newest) {
        reader.close();
        throw new CorruptionError(statePath, 0, "segment file is missing");
      }
      if (repairs === undefined) {
        segment.close();
        return undefined;
      }
      await repairs.create(segment.state, firstIndex);
    }
    segment.stateReader = this.#vfs.open(statePath, { readOnly: true });
    let stateFirst = readFramedHeader(segment.stateReader, segment.state);
    if (stateFirst === undefined && newest) {
      // A state file whose creation a crash (or a killed writer) cut short, or one being
      // created right now by another process.
      segment.stateReader.close();
      segment.stateReader = undefined;
      if (repairs === undefined) {
        segment.close();
        return undefined;
      }
      await repairs.remove([statePath]);
      await repairs.create(segment.state, firstIndex);
      segment.stateReader = this.#vfs.open(statePath, { readOnly: true });
      stateFirst = firstIndex;
    }
    if (stateFirst !== firstIndex) {
      segment.close();
      throw new CorruptionError(statePath, 0, "state file header does not match its items file");
    }
    return segment;
  }

  /** Reads new items of a segment; `"whole"` when a later segment exists, so none may be torn. */
  #loadItems(segment: Segment, mode: ScanMode): ScanResult {
    const result = scanFramed(
      segment.reader!,
      segment.items,
      segment.itemsEnd,
      mode,
      (offset, data) => {
        if (data.length < ITEM_INDEX_SIZE) {
          throw new CorruptionError(segment.items.path, offset, "item record is cut short");
        }
        const applied = this.#state.applyItem(segment, readU64LE(data, 0), offset);
        if (typeof applied === "object") {
          throw new CorruptionError(segment.items.path, offset, applied.problem);
        }
        return true;
      },
    );
    segment.itemsEnd = result.end;
    return result;
  }

  async #loadState(segment: Segment, repairs: Repairs | undefined): Promise<void> {
    const isLast = segment === this.#state.last;
    const result = scanFramed(
      segment.stateReader!,
      segment.state,
      segment.stateEnd,
      repairs === undefined ? "tail" : "repair",
      (offset, data) => {
        const record = decodeStateRecord(data);
        if (typeof record === "string") {
          throw new CorruptionError(segment.state.path, offset, record);
        }
        if (record.type !== StateType.DELETE && !this.#state.consumers.has(record.consumer)) {
          if (repairs === undefined) return false;
          throw new CorruptionError(
            segment.state.path,
            offset,
            `unknown consumer ${record.consumer}`,
          );
        }
        let applied = this.#state.applyState(segment, record);
        if (applied === "ahead") {
          // Only a power loss without sync loses items that state records name: the part
          // about items that exist is applied, and the writer starts a new segment above
          // the rest so that no index is given twice.
          if (repairs === undefined && isLast) return false;
          this.floor = Math.max(this.floor, maxIndex(record) + 1);
          applied = this.#state.applyState(segment, existingPart(record, segment.nextIndex));
        }
        if (typeof applied === "object") {
          throw new CorruptionError(segment.state.path, offset, applied.problem);
        }
        return true;
      },
    );
    segment.stateEnd = result.end;
    if (repairs !== undefined && result.size > result.end) {
      await repairs.cut(segment.state, result.end);
    }
  }
}

/** The record without the items at or above `end` (it may then be about none). */
function existingPart(record: StateRecord, end: number): StateRecord {
  if (record.type === StateType.DELETE || record.type === StateType.ACK) {
    return { ...record, indices: record.indices.filter((index) => index < end) };
  }
  return record.index < end ? record : { type: StateType.DELETE, indices: [] };
}

function maxIndex(record: StateRecord): number {
  if (record.type === StateType.DELETE || record.type === StateType.ACK) {
    return Math.max(...record.indices);
  }
  return record.index;
}
