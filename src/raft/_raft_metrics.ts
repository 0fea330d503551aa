// Per-operation metrics of a raft store: calls, errors, bytes and latency, in a
// MetricsRegistry (the caller's, or the store's own).

import type { Counter } from "../metrics/counter.ts";
import type { Histogram } from "../metrics/histogram.ts";
import type { MetricsRegistry } from "../metrics/registry.ts";

/** The operations a raft store measures. */
export type RaftOp =
  | "append"
  | "save_state"
  | "load_state"
  | "entries"
  | "entry"
  | "truncate_suffix"
  | "truncate_prefix"
  | "save_snapshot"
  | "load_snapshot";

interface OpMetrics {
  calls: Counter;
  errors: Counter;
  bytes: Counter;
  seconds: Histogram;
}

/** Times operations and counts their calls, errors and bytes. */
export class RaftMetrics {
  readonly #ops = new Map<RaftOp, OpMetrics>();
  readonly #registry: MetricsRegistry;

  constructor(registry: MetricsRegistry) {
    this.#registry = registry;
  }

  /** Runs `body`, recording its latency, its bytes (from `bytesOf`) or its failure. */
  async measure<T>(
    op: RaftOp,
    body: () => Promise<T>,
    bytesOf?: (result: T) => number,
  ): Promise<T> {
    const metrics = this.#metrics(op);
    const started = performance.now();
    metrics.calls.add();
    try {
      const result = await body();
      if (bytesOf !== undefined) metrics.bytes.add(bytesOf(result));
      return result;
    } catch (error) {
      metrics.errors.add();
      throw error;
    } finally {
      metrics.seconds.record((performance.now() - started) / 1000);
    }
  }

  #metrics(op: RaftOp): OpMetrics {
    let metrics = this.#ops.get(op);
    if (metrics === undefined) {
      const labels = { op };
      const registry = this.#registry;
      metrics = {
        calls: registry.counter("cairn_raft_operations_total", "Raft storage calls", { labels }),
        errors: registry.counter("cairn_raft_errors_total", "Raft storage calls that failed", {
          labels,
        }),
        bytes: registry.counter("cairn_raft_bytes_total", "Bytes written or read", { labels }),
        seconds: registry.histogram("cairn_raft_operation_seconds", "Raft storage latency", {
          labels,
        }),
      };
      this.#ops.set(op, metrics);
    }
    return metrics;
  }
}
