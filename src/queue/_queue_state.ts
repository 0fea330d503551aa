// The queue's state in memory, rebuilt from its files: the live segments, the registered
// consumers, and what every record read so far says. Applying a record is idempotent, so
// a process may read records written by others in any order of files.

import { type MetaRecord, MetaType, type StateRecord, StateType } from "./_format.ts";
import type { Segment } from "./_segment.ts";

/** What one registered consumer has done, as far as the records read say. */
export class ConsumerState {
  readonly id: number;
  readonly name: string;
  /** The consumer is owed every item from this index on. */
  readonly start: number;
  /** Acknowledged items (of live segments). */
  readonly acked: Set<number> = new Set();
  /** Items in the consumer's dead letters (not yet acknowledged). */
  readonly dead: Set<number> = new Set();
  /** Deliveries recorded per item. */
  readonly attempts: Map<number, number> = new Map();

  constructor(id: number, name: string, start: number) {
    this.id = id;
    this.name = name;
    this.start = start;
  }

  /** Whether the consumer is done with the item (acknowledged it). */
  done(index: number): boolean {
    return index < this.start || this.acked.has(index);
  }
}

/** How applying a record went: done, waiting for records not read yet, or a problem. */
export type Applied = "ok" | "ahead" | { problem: string };

/** The live segments (ids ascending) and consumers, and the counts derived from them. */
export class QueueState {
  readonly segments: Segment[] = [];
  readonly consumers: Map<number, ConsumerState> = new Map();
  readonly byName: Map<string, ConsumerState> = new Map();
  /** Segments the meta file says are removed. */
  readonly removed: Set<number> = new Set();
  /** Items not settled (deleted, or acknowledged by every consumer owed them). */
  length = 0;
  /** Called for each item that becomes settled. */
  onSettled: (index: number) => void = () => {};

  /** The last segment (the one written to). */
  get last(): Segment | undefined {
    return this.segments.at(-1);
  }

  /** The index the next item written gets. */
  get nextIndex(): number {
    return this.last?.nextIndex ?? 1;
  }

  /** The segment holding `index`, if it is live. */
  segmentOf(index: number): Segment | undefined {
    const segments = this.segments;
    let low = 0;
    let high = segments.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const segment = segments[middle]!;
      if (index < segment.firstIndex) high = middle - 1;
      else if (index >= segment.nextIndex) low = middle + 1;
      else return segment;
    }
    return undefined;
  }

  /** Adds a segment with a higher id than every live one. */
  addSegment(segment: Segment): void {
    this.segments.push(segment);
    this.length += segment.live;
  }

  /** Forgets a removed segment and everything about its items. */
  dropSegment(segment: Segment): void {
    const at = this.segments.indexOf(segment);
    if (at < 0) return;
    this.segments.splice(at, 1);
    this.length -= segment.live;
    segment.close();
    for (const consumer of this.consumers.values()) {
      for (let index = segment.firstIndex; index < segment.nextIndex; index++) {
        consumer.acked.delete(index);
        consumer.dead.delete(index);
        consumer.attempts.delete(index);
      }
    }
  }

  /** How many consumers are owed the item. */
  owed(index: number): number {
    let count = 0;
    for (const consumer of this.consumers.values()) if (consumer.start <= index) count++;
    return count;
  }

  /** Whether the item is settled: deleted, or acknowledged by every consumer owed it. */
  settled(segment: Segment, index: number): boolean {
    if (segment.deleted(index)) return true;
    const owed = this.owed(index);
    return owed > 0 && segment.acks(index) >= owed;
  }

  /** Adds an item read from (or written to) its segment's items file at `offset`. */
  applyItem(segment: Segment, index: number, offset: number): Applied {
    if (index !== segment.nextIndex) {
      return { problem: `item has index ${index} where ${segment.nextIndex} belongs` };
    }
    segment.push(offset);
    this.length++;
    return "ok";
  }

  /** Applies a record of a segment's state file. */
  applyState(segment: Segment, record: StateRecord): Applied {
    const indices = record.type === StateType.DELETE || record.type === StateType.ACK
      ? record.indices
      : [record.index];
    for (const index of indices) {
      if (index >= segment.nextIndex) return "ahead";
      if (index < segment.firstIndex) {
        return { problem: `state record names item ${index}, below the segment's first` };
      }
    }
    if (record.type === StateType.DELETE) {
      for (const index of indices) this.#settle(segment, index, () => segment.markDeleted(index));
      return "ok";
    }
    const consumer = this.consumers.get(record.consumer);
    if (consumer === undefined) return "ahead";
    if (record.type === StateType.ACK) {
      for (const index of indices) {
        if (consumer.acked.has(index) || index < consumer.start) continue;
        this.#settle(segment, index, () => {
          consumer.acked.add(index);
          consumer.dead.delete(index);
          segment.addAck(index);
        });
      }
    } else if (record.type === StateType.ATTEMPT) {
      const known = consumer.attempts.get(record.index) ?? 0;
      if (record.attempt > known) consumer.attempts.set(record.index, record.attempt);
    } else if (!consumer.acked.has(record.index)) {
      consumer.dead.add(record.index);
    }
    return "ok";
  }

  /** Applies a record of the meta file; returns the segments it removes. */
  applyMeta(record: MetaRecord): Applied {
    if (record.type === MetaType.REMOVED) {
      this.removed.add(record.segment);
      const segment = this.segments.find((candidate) => candidate.id === record.segment);
      if (segment !== undefined) this.dropSegment(segment);
      return "ok";
    }
    const known = this.consumers.get(record.id);
    if (known !== undefined) {
      return known.name === record.name && known.start === record.start
        ? "ok"
        : { problem: `consumer ${record.id} is registered twice` };
    }
    if (this.byName.has(record.name)) {
      return { problem: `consumer name ${record.name} is registered twice` };
    }
    const consumer = new ConsumerState(record.id, record.name, record.start);
    this.consumers.set(record.id, consumer);
    this.byName.set(record.name, consumer);
    this.#recount();
    return "ok";
  }

  /** The oldest item that is not settled, or undefined when none is. */
  oldestLive(): number | undefined {
    for (const segment of this.segments) {
      if (segment.live === 0) continue;
      for (let index = segment.settledBelow; index < segment.nextIndex; index++) {
        if (!this.settled(segment, index)) return index;
        segment.settledBelow = index + 1;
      }
    }
    return undefined;
  }

  #settle(segment: Segment, index: number, change: () => void): void {
    const before = this.settled(segment, index);
    change();
    if (!before && this.settled(segment, index)) {
      segment.live--;
      this.length--;
      this.onSettled(index);
    }
  }

  /** Counts live items again after the set of consumers changed. */
  #recount(): void {
    this.length = 0;
    for (const segment of this.segments) {
      segment.live = 0;
      segment.settledBelow = segment.firstIndex;
      for (let index = segment.firstIndex; index < segment.nextIndex; index++) {
        if (!this.settled(segment, index)) segment.live++;
      }
      this.length += segment.live;
    }
  }
}
