/**
 * Metrics every Cairn store feeds: {@linkcode Counter}s for operations and bytes,
 * {@linkcode Histogram}s for latencies and sizes (count, sum, min, max, average and
 * percentiles in bounded memory), gathered in a {@linkcode MetricsRegistry} that renders
 * a plain-object snapshot, a summary for people and Prometheus text. Nothing here does
 * I/O: serving or printing the text is up to the caller.
 *
 * @example Instrumenting a store
 * ```ts
 * import assert from "node:assert/strict";
 * import { MetricsRegistry } from "./mod.ts";
 *
 * const metrics = new MetricsRegistry();
 * const appends = metrics.counter("cairn_appends_total", "Records appended", {
 *   labels: { store: "queue" },
 * });
 * const bytes = metrics.histogram("cairn_append_bytes", "Record sizes", { unit: "bytes" });
 * const latency = metrics.histogram("cairn_append_seconds", "Append latency");
 *
 * await latency.time(async () => {
 *   appends.add();
 *   bytes.record(4096);
 * });
 *
 * assert.equal(metrics.snapshot()['cairn_appends_total{store="queue"}'], 1);
 * assert.match(metrics.summary(), /cairn_append_bytes +count +1 +avg +4\.00 KiB/);
 * assert.match(metrics.prometheus(), /^cairn_append_seconds_count 1$/m);
 * ```
 *
 * @module
 */

export { Counter, type CounterOptions } from "./counter.ts";
export {
  Histogram,
  type HistogramOptions,
  type HistogramSnapshot,
  type HistogramUnit,
} from "./histogram.ts";
export { MetricsRegistry, type MetricsSnapshot } from "./registry.ts";
