// One segment of the queue in memory: where each of its items starts in the items file,
// how far its two files have been read, and which items are deleted or acknowledged.

import type { VfsFile } from "../vfs/vfs.ts";
import { FILE_HEADER_SIZE, FileKind } from "./_format.ts";
import type { FramedFileId } from "./_framed_file.ts";

/** A segment: items `firstIndex … nextIndex - 1` in one items file and one state file. */
export class Segment {
  readonly id: number;
  readonly firstIndex: number;
  readonly items: FramedFileId;
  readonly state: FramedFileId;
  /** File offset of each item's record, by `index - firstIndex`. */
  readonly positions: number[] = [];
  /** Bytes of the items file read so far (the end of its last whole record). */
  itemsEnd: number;
  /** Bytes of the state file read so far. */
  stateEnd: number;
  /** Items neither deleted nor acknowledged by every consumer that needs them. */
  live = 0;
  /** Every item below this index is settled (a hint for finding the oldest live item). */
  settledBelow: number;
  /** A read handle on the items file, opened on first use. */
  reader: VfsFile | undefined;
  /** A read handle on the state file, opened on first use. */
  stateReader: VfsFile | undefined;
  #deleted = new Uint8Array(64);
  #acks = new Uint16Array(64);

  constructor(id: number, firstIndex: number, itemsPath: string, statePath: string) {
    this.id = id;
    this.firstIndex = firstIndex;
    this.settledBelow = firstIndex;
    this.items = { path: itemsPath, kind: FileKind.ITEMS, fileId: id };
    this.state = { path: statePath, kind: FileKind.STATE, fileId: id };
    this.itemsEnd = FILE_HEADER_SIZE;
    this.stateEnd = FILE_HEADER_SIZE;
  }

  /** One past the last item's index. */
  get nextIndex(): number {
    return this.firstIndex + this.positions.length;
  }

  /** Whether `index` is one of this segment's items. */
  holds(index: number): boolean {
    return index >= this.firstIndex && index < this.nextIndex;
  }

  /** Adds the next item, at `offset` of the items file. It starts live. */
  push(offset: number): void {
    this.positions.push(offset);
    const count = this.positions.length;
    if (count > this.#deleted.length) {
      const deleted = new Uint8Array(this.#deleted.length * 2);
      deleted.set(this.#deleted);
      this.#deleted = deleted;
      const acks = new Uint16Array(this.#acks.length * 2);
      acks.set(this.#acks);
      this.#acks = acks;
    }
    this.live++;
  }

  /** Whether the item was deleted from the queue. REQUIRES: `holds(index)`. */
  deleted(index: number): boolean {
    return this.#deleted[index - this.firstIndex] === 1;
  }

  /** Marks the item deleted. REQUIRES: `holds(index)`. */
  markDeleted(index: number): void {
    this.#deleted[index - this.firstIndex] = 1;
  }

  /** How many consumers acknowledged the item. REQUIRES: `holds(index)`. */
  acks(index: number): number {
    return this.#acks[index - this.firstIndex]!;
  }

  /** Counts one more consumer's acknowledgement. REQUIRES: `holds(index)`. */
  addAck(index: number): void {
    this.#acks[index - this.firstIndex]!++;
  }

  /** Closes the read handle. */
  close(): void {
    this.reader?.close();
    this.reader = undefined;
    this.stateReader?.close();
    this.stateReader = undefined;
  }
}
