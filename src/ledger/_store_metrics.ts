// The metrics a ledger store feeds: adds, their bytes and latency, reads, flushes,
// checkpoints and back-pressure waits, as `cairn_ledger_*` series labelled with the
// store's directory name.

import type { Counter } from "../metrics/counter.ts";
import type { Histogram } from "../metrics/histogram.ts";
import type { MetricsRegistry } from "../metrics/registry.ts";

/** The store's counters and histograms. */
export class StoreMetrics {
  readonly adds: Counter;
  readonly addedBytes: Counter;
  readonly addSeconds: Histogram;
  readonly reads: Counter;
  readonly flushes: Counter;
  readonly flushedBytes: Counter;
  readonly checkpointSeconds: Histogram;
  readonly backPressureWaits: Counter;

  constructor(registry: MetricsRegistry, store: string) {
    const labels = { store };
    this.adds = registry.counter("cairn_ledger_adds_total", "Entries stored", { labels });
    this.addedBytes = registry.counter("cairn_ledger_added_bytes_total", "Payload bytes stored", {
      labels,
    });
    this.addSeconds = registry.histogram("cairn_ledger_add_seconds", "Durable add latency", {
      labels,
    });
    this.reads = registry.counter("cairn_ledger_reads_total", "Entries read", { labels });
    this.flushes = registry.counter("cairn_ledger_flushes_total", "Memtable flushes", { labels });
    this.flushedBytes = registry.counter("cairn_ledger_flushed_bytes_total", "Bytes flushed", {
      labels,
    });
    this.checkpointSeconds = registry.histogram(
      "cairn_ledger_checkpoint_seconds",
      "Checkpoint duration",
      { labels },
    );
    this.backPressureWaits = registry.counter(
      "cairn_ledger_back_pressure_waits_total",
      "Adds that waited for memtables to drain",
      { labels },
    );
  }
}
