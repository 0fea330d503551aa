// The metrics a record log feeds into a caller's MetricsRegistry, labelled with the log's
// name so that several logs can share one registry.

import type { Counter } from "../metrics/counter.ts";
import type { Histogram } from "../metrics/histogram.ts";
import type { MetricsRegistry } from "../metrics/registry.ts";

/** The counters and histograms of one record log. */
export class LogMetrics {
  readonly appends: Counter;
  readonly appendedBytes: Counter;
  readonly syncs: Counter;
  readonly syncSeconds: Histogram;
  readonly groupSize: Histogram;
  readonly failures: Counter;

  constructor(registry: MetricsRegistry, log: string) {
    const labels = { log };
    this.appends = registry.counter("cairn_log_appends_total", "Records appended", { labels });
    this.appendedBytes = registry.counter(
      "cairn_log_appended_bytes_total",
      "Payload bytes appended",
      { labels },
    );
    this.syncs = registry.counter("cairn_log_fsyncs_total", "File syncs issued", { labels });
    this.syncSeconds = registry.histogram("cairn_log_fsync_seconds", "File sync latency", {
      labels,
    });
    this.groupSize = registry.histogram(
      "cairn_log_group_size",
      "Appends written (and synced) together in one group commit",
      { labels, unit: "none" },
    );
    this.failures = registry.counter(
      "cairn_log_failures_total",
      "Failed writes or syncs (each poisons the log)",
      { labels },
    );
  }
}
