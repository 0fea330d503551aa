// What a queue counts: plain numbers for `stats()`, fed as well into a caller's
// MetricsRegistry as `cairn_queue_*` metrics labelled with the queue's name.

import type { Counter } from "../metrics/counter.ts";
import type { Histogram } from "../metrics/histogram.ts";
import type { MetricsRegistry } from "../metrics/registry.ts";

/** The counted events, with their metric help texts. */
const EVENTS = {
  itemsWritten: ["cairn_queue_items_written_total", "Items written"],
  writtenBytes: ["cairn_queue_written_bytes_total", "Item bytes written"],
  deleted: ["cairn_queue_deleted_total", "Items deleted from the queue"],
  deliveries: ["cairn_queue_deliveries_total", "Items delivered to consumers"],
  acks: ["cairn_queue_acks_total", "Items acknowledged by consumers"],
  nacks: ["cairn_queue_nacks_total", "Items given back by consumers"],
  deadLetters: ["cairn_queue_dead_letters_total", "Items moved to a dead-letter list"],
  groups: ["cairn_queue_groups_total", "Group commits (lock holdings, with fileLocking)"],
  syncs: ["cairn_queue_fsyncs_total", "File syncs issued"],
  segmentsCreated: ["cairn_queue_segments_created_total", "Segments started"],
  segmentsRemoved: ["cairn_queue_segments_removed_total", "Segments removed"],
} as const;

/** The name of a counted event. */
export type QueueEvent = keyof typeof EVENTS;

/** Counts since open, by event. */
export type QueueCounts = Record<QueueEvent, number>;

/** Counts events, and feeds them to a registry when there is one. */
export class QueueMetrics {
  readonly counts: QueueCounts;
  readonly #counters: Partial<Record<QueueEvent, Counter>> = {};
  readonly #groupSeconds: Histogram | undefined;

  constructor(registry: MetricsRegistry | undefined, queue: string) {
    this.counts = Object.fromEntries(Object.keys(EVENTS).map((key) => [key, 0])) as QueueCounts;
    const labels = { queue };
    for (const [event, [name, help]] of Object.entries(EVENTS)) {
      if (registry !== undefined) {
        this.#counters[event as QueueEvent] = registry.counter(name, help, { labels });
      }
    }
    this.#groupSeconds = registry?.histogram(
      "cairn_queue_group_seconds",
      "Group commit latency: lock, catch up, write, sync",
      { labels },
    );
  }

  /** Counts `n` more of `event`. */
  add(event: QueueEvent, n = 1): void {
    this.counts[event] += n;
    this.#counters[event]?.add(n);
  }

  /** Records how long one group commit took. */
  group(seconds: number): void {
    this.add("groups");
    this.#groupSeconds?.record(seconds);
  }
}
